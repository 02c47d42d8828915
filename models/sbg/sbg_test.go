package sbg

import (
	"encoding/csv"
	"errors"
	"math"
	"os"
	"strconv"
	"testing"

	"gonum.org/v1/gonum/mathext"
)

// readSurvivors reads ../../testdata/sbg/survivors.csv (year,regular,highend).
func readSurvivors(t *testing.T) (regular, highend []float64) {
	t.Helper()
	f, err := os.Open("../../testdata/sbg/survivors.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range recs[1:] {
		reg, err1 := strconv.ParseFloat(r[1], 64)
		hi, err2 := strconv.ParseFloat(r[2], 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("survivors.csv line %d: %v %v", i+2, err1, err2)
		}
		regular = append(regular, reg)
		highend = append(highend, hi)
	}
	return regular, highend
}

func near(got, want, tol float64) bool { return math.Abs(got-want) <= tol }

// TestFitCohorts compares with Fader & Hardie (2007) published MLEs
// (regular 0.704/1.182, high end 0.668/3.806) and the REFERENCES.md §4 [CALC]
// log-likelihoods and fitted survivors per 1000 for years 8..12.
func TestFitCohorts(t *testing.T) {
	regular, highend := readSurvivors(t)
	for _, tc := range []struct {
		name        string
		survivors   []float64
		alpha, beta float64
		ll          float64
		holdout     []float64 // years 8..12 per 1000, [CALC]
	}{
		{"regular", regular, 0.704, 1.182, -1680.265, []float64{220.1, 204.4, 191.2, 179.9, 170.0}},
		{"highend", highend, 0.668, 3.806, -1611.158, []float64{460.4, 435.8, 414.2, 395.1, 378.0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Fit(Problem{Survivors: tc.survivors[:8]}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := res.Err(); err != nil {
				t.Fatal(err)
			}
			t.Logf("alpha=%.5f (se %.4f) beta=%.5f (se %.4f) LL=%.4f iters=%d status=%v",
				res.Alpha, res.AlphaSE, res.Beta, res.BetaSE, res.LogLikelihood, res.Iterations, res.Status)
			if !near(res.Alpha, tc.alpha, 5e-4) || !near(res.Beta, tc.beta, 5e-4) {
				t.Errorf("alpha, beta = %.5f, %.5f; want %.3f, %.3f (+-5e-4, published rounding)", res.Alpha, res.Beta, tc.alpha, tc.beta)
			}
			if !near(res.LogLikelihood, tc.ll, 1e-3) {
				t.Errorf("LL = %.4f; want %.3f", res.LogLikelihood, tc.ll)
			}
			if !(res.AlphaSE > 0) || !(res.BetaSE > 0) {
				t.Errorf("standard errors not positive: %v %v", res.AlphaSE, res.BetaSE)
			}
			proj := res.Survivors(1000, 12)
			for i, want := range tc.holdout {
				if got := proj[8+i]; !near(got, want, 0.05) {
					t.Errorf("survivors year %d = %.2f; want %.1f", 8+i, got, want)
				}
			}
		})
	}
}

// TestPerSubscriberMatchesCounts expands the high-end cohort into one record
// per subscriber (as pymc-marketing's sbg_cohorts.csv does) and checks the fit
// equals the survivor-count fit, with and without weights.
func TestPerSubscriberMatchesCounts(t *testing.T) {
	_, hi := readSurvivors(t)
	hi = hi[:8]
	var life []int
	var cens []bool
	var wl []int
	var wc []bool
	var w []float64
	for tt := 1; tt < len(hi); tt++ {
		for k := 0; k < int(hi[tt-1]-hi[tt]); k++ {
			life = append(life, tt)
			cens = append(cens, false)
		}
		wl, wc, w = append(wl, tt), append(wc, false), append(w, hi[tt-1]-hi[tt])
	}
	for k := 0; k < int(hi[7]); k++ {
		life = append(life, 7)
		cens = append(cens, true)
	}
	wl, wc, w = append(wl, 7), append(wc, true), append(w, hi[7])
	want, err := Fit(Problem{Survivors: hi}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string]Problem{
		"expanded": {Lifetimes: life, Censored: cens},
		"weighted": {Lifetimes: wl, Censored: wc, Weights: w},
	} {
		got, err := Fit(p, nil)
		if err != nil {
			t.Fatal(name, err)
		}
		if !near(got.Alpha, want.Alpha, 1e-6) || !near(got.Beta, want.Beta, 1e-6) ||
			!near(got.LogLikelihood, want.LogLikelihood, 1e-6) || got.N != 1000 {
			t.Errorf("%s: got %+v; want %+v", name, got, want)
		}
	}
}

// TestLogLikAtOne checks LL(alpha=beta=1) for the high-end counts, years 0..7:
// REFERENCES.md §4 [CALC] -2115.546 (jdmaturen's test gives -2.115 with
// survival fractions, i.e. per 1000); regular -1741.730.
func TestLogLikAtOne(t *testing.T) {
	reg, hi := readSurvivors(t)
	for _, tc := range []struct {
		name string
		s    []float64
		want float64
	}{{"highend", hi[:8], -2115.546}, {"regular", reg[:8], -1741.730}} {
		d, err := survivorTally(tc.s)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.logLik(1, 1, nil); !near(got, tc.want, 1e-3) {
			t.Errorf("%s: LL(1,1) = %.4f; want %.3f", tc.name, got, tc.want)
		}
	}
}

// TestGradient compares the analytic gradient with central differences.
func TestGradient(t *testing.T) {
	_, hi := readSurvivors(t)
	d, _ := survivorTally(hi[:8])
	for _, x := range [][2]float64{{0.668, 3.806}, {1, 1}, {2.5, 0.3}} {
		var g [2]float64
		d.logLik(x[0], x[1], g[:])
		for j := 0; j < 2; j++ {
			h := 1e-6
			xp, xm := x, x
			xp[j] += h
			xm[j] -= h
			fd := (d.logLik(xp[0], xp[1], nil) - d.logLik(xm[0], xm[1], nil)) / (2 * h)
			if !near(g[j], fd, 1e-4*math.Max(1, math.Abs(fd))) {
				t.Errorf("x=%v grad[%d] = %v; finite difference %v", x, j, g[j], fd)
			}
		}
	}
}

// TestJdmaturen reproduces jdmaturen/shifted_beta_geometric_py README values
// for the high-end cohort fitted on fractions .869...491: survival years 8..12
// 0.460, 0.436, 0.414, 0.395, 0.378 and DERL(d=0.10, n=7) = 7.530.
func TestJdmaturen(t *testing.T) {
	_, hi := readSurvivors(t)
	res, err := Fit(Problem{Survivors: hi[:8]}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{0.460, 0.436, 0.414, 0.395, 0.378}
	for i, w := range want {
		if got := res.Survival(8 + i); !near(got, w, 5e-4) {
			t.Errorf("S(%d) = %.4f; want %.3f", 8+i, got, w)
		}
	}
	got := res.DERL(0.10, 7)
	t.Logf("DERL(0.10, 7) = %.5f", got)
	if !near(got, 7.530, 5e-4) {
		t.Errorf("DERL(0.10, 7) = %.5f; want 7.530", got)
	}
	if v := res.ResidualValue(10, 0.10, 7, AtRenewal); !near(v, 10*got, 1e-12) {
		t.Errorf("ResidualValue AtRenewal = %v", v)
	}
	if v := res.ResidualValue(10, 0.10, 7, EndOfPeriod); !near(v, 10*got/1.1, 1e-12) {
		t.Errorf("ResidualValue EndOfPeriod = %v", v)
	}
}

// TestDERLHypergeo checks the direct series against Fader & Hardie (2010)
// eq. (6) evaluated with gonum's mathext.Hypergeo, and against brute-force
// summation of discounted conditional survival.
func TestDERLHypergeo(t *testing.T) {
	for _, tc := range []struct {
		m Model
		d float64
		n int
	}{
		{Model{0.668, 3.806}, 0.10, 0}, {Model{0.668, 3.806}, 0.10, 7},
		{Model{0.704, 1.182}, 0.05, 3}, {Model{3, 0.5}, 0.2, 20}, {Model{0.2, 5}, 0.01, 1},
	} {
		bn := tc.m.Beta + float64(tc.n)
		hyp := bn / (tc.m.Alpha + bn) * mathext.Hypergeo(1, bn+1, tc.m.Alpha+bn+1, 1/(1+tc.d))
		var brute float64
		sn := tc.m.Survival(tc.n)
		for k := 0; k < 20000; k++ {
			brute += tc.m.Survival(tc.n+1+k) / sn * math.Pow(1+tc.d, -float64(k))
		}
		got := tc.m.DERL(tc.d, tc.n)
		if !near(got, hyp, 1e-9*hyp) || !near(got, brute, 1e-6*brute) {
			t.Errorf("%+v d=%v n=%d: DERL %v, 2F1 %v, brute %v", tc.m, tc.d, tc.n, got, hyp, brute)
		}
	}
}

// TestModelIdentities checks P(T=t) = S(t-1) - S(t) and r(t) = S(t)/S(t-1).
func TestModelIdentities(t *testing.T) {
	m := Model{0.704, 1.182}
	for tt := 1; tt <= 30; tt++ {
		if got, want := m.ChurnProb(tt), m.Survival(tt-1)-m.Survival(tt); !near(got, want, 1e-12) {
			t.Errorf("P(T=%d) = %v; S(t-1)-S(t) = %v", tt, got, want)
		}
		if got, want := m.Retention(tt), m.Survival(tt)/m.Survival(tt-1); !near(got, want, 1e-12) {
			t.Errorf("r(%d) = %v; want %v", tt, got, want)
		}
	}
	if m.ChurnProb(0) != 0 || m.Survival(0) != 1 {
		t.Error("boundary values")
	}
}

// TestDegenerate checks that unidentifiable data give errors, not NaN.
func TestDegenerate(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    Problem
		want error
	}{
		{"zero subscribers", Problem{Survivors: []float64{0, 0, 0}}, ErrNoSubscribers},
		{"empty", Problem{}, ErrNoSubscribers},
		{"no churn", Problem{Survivors: []float64{100, 100, 100, 100}}, ErrNoChurn},
		{"all churn in period 1", Problem{Survivors: []float64{100, 0, 0, 0}}, ErrAllChurned},
		{"one period", Problem{Survivors: []float64{100, 60}}, ErrOnePeriod},
		{"zero weights", Problem{Lifetimes: []int{1, 2}, Censored: []bool{false, true}, Weights: []float64{0, 0}}, ErrNoSubscribers},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Fit(tc.p, nil)
			if !errors.Is(err, tc.want) {
				t.Errorf("err = %v; want %v (result %+v)", err, tc.want, res)
			}
		})
	}
	for _, p := range []Problem{
		{Survivors: []float64{100, 80, 90}},
		{Survivors: []float64{100, math.NaN(), 50}},
		{Lifetimes: []int{0}, Censored: []bool{false}},
	} {
		if _, err := Fit(p, nil); err == nil {
			t.Errorf("%+v: want an error", p)
		}
	}
}

// TestNoHeterogeneity: an exactly geometric curve has its supremum at
// alpha, beta -> infinity with alpha/(alpha+beta) fixed; Fit must say so
// through Status (or stop at huge values) and never return NaN.
func TestNoHeterogeneity(t *testing.T) {
	res, err := Fit(Problem{Survivors: []float64{1000, 500, 250, 125, 62.5}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if math.IsNaN(res.Alpha) || math.IsNaN(res.Beta) || math.IsNaN(res.LogLikelihood) {
		t.Fatalf("NaN in %+v", res)
	}
	if res.Err() == nil && res.Alpha < 1e3 {
		t.Errorf("converged to a finite interior point %+v; expected drift to infinity", res.Model)
	}
	if r := res.Retention(1); !near(r, 0.5, 1e-3) {
		t.Errorf("r(1) = %v; want 0.5", r)
	}
}
