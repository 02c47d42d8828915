package btyd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

// Truths for the covariate recovery tests, per day as bgTruth and pnTruth:
// a binary "channel" multiplies the purchase rate by 1.5 and a binary
// "promo" changes dropout (BG/NBD: a x e^0.4, b x e^-0.2, mean dropout
// probability 0.246 -> 0.340; Pareto/NBD: dropout rate x 1.6).
var (
	bgCovTruth = BGNBDCov{
		Base:          bgTruth,
		PurchaseNames: []string{"channel"}, Purchase: []float64{math.Log(1.5)},
		DropoutNames: []string{"promo"}, DropoutA: []float64{0.4}, DropoutB: []float64{-0.2},
	}
	pnCovTruth = ParetoNBDCov{
		Base:          pnTruth,
		PurchaseNames: []string{"channel"}, Purchase: []float64{math.Log(1.5)},
		DropoutNames: []string{"promo"}, Dropout: []float64{math.Log(1.6)},
	}
)

// simCovariates draws n customers' binary channel (P = 0.5) and promo
// (P = 0.4) as purchase and dropout covariates.
func simCovariates(rng *rand.Rand, n int) (purchase, dropout Covariates) {
	ch, pr := make([]float64, n), make([]float64, n)
	for i := range n {
		if rng.Float64() < 0.5 {
			ch[i] = 1
		}
		if rng.Float64() < 0.4 {
			pr[i] = 1
		}
	}
	return Covariates{Names: []string{"channel"}, Columns: [][]float64{ch}},
		Covariates{Names: []string{"promo"}, Columns: [][]float64{pr}}
}

// simulateCov draws one customer per covariate row from model(i), the
// customer's own BG/NBD or Pareto/NBD, as simulateBGNBD and
// simulateParetoNBD do for a single model.
func simulateCov(src rand.Source, n int, c cohort, bg func(i int) BGNBD, pn func(i int) ParetoNBD) simSummary {
	rng := rand.New(src)
	var s simSummary
	var ts []float64
	for i := range n {
		b := rng.IntN(c.birthDays)
		o := rng.Float64()
		horizon := float64(c.endDay-b+1) - o
		ts = ts[:0]
		if bg != nil {
			m := bg(i)
			l := distuv.Gamma{Alpha: m.R, Beta: m.Alpha, Src: src}.Rand()
			p := distuv.Beta{Alpha: m.A, Beta: m.B, Src: src}.Rand()
			for u := rng.ExpFloat64() / l; u < horizon; u += rng.ExpFloat64() / l {
				ts = append(ts, u)
				if rng.Float64() < p {
					break
				}
			}
		} else {
			m := pn(i)
			l := distuv.Gamma{Alpha: m.R, Beta: m.Alpha, Src: src}.Rand()
			mu := distuv.Gamma{Alpha: m.S, Beta: m.Beta, Src: src}.Rand()
			h := math.Min(horizon, rng.ExpFloat64()/mu)
			for u := rng.ExpFloat64() / l; u < h; u += rng.ExpFloat64() / l {
				ts = append(ts, u)
			}
		}
		c.add(&s, b, o, ts)
	}
	return s
}

func simBGNBDCov(seed uint64, n int, c cohort) (simSummary, Covariates, Covariates) {
	rng := rand.New(rand.NewPCG(seed, uint64(n)))
	pu, dr := simCovariates(rng, n)
	s := simulateCov(rand.NewPCG(seed+1, uint64(n)), n, c, func(i int) BGNBD {
		return bgCovTruth.Customer(i, pu, dr).(BGNBD)
	}, nil)
	return s, pu, dr
}

func simParetoNBDCov(seed uint64, n int, c cohort) (simSummary, Covariates, Covariates) {
	rng := rand.New(rand.NewPCG(seed, uint64(n)))
	pu, dr := simCovariates(rng, n)
	s := simulateCov(rand.NewPCG(seed+1, uint64(n)), n, c, nil, func(i int) ParetoNBD {
		return pnCovTruth.Customer(i, pu, dr).(ParetoNBD)
	})
	return s, pu, dr
}

// TestCovZeroColumnsIsPlain: with no covariate columns the covariate fits
// return exactly the plain fits on CDNOW (FHL 2005 data, REFERENCES.md §1-2).
func TestCovZeroColumnsIsPlain(t *testing.T) {
	c := loadCDNOW(t)
	bg, bgFit, err := FitBGNBD(c.x, c.tx, c.T, nil)
	if err != nil {
		t.Fatal(err)
	}
	bgc, bgcFit, err := FitBGNBDCov(c.x, c.tx, c.T, Covariates{}, Covariates{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	pn, pnFit, err := FitParetoNBD(c.x, c.tx, c.T, nil)
	if err != nil {
		t.Fatal(err)
	}
	pnc, pncFit, err := FitParetoNBDCov(c.x, c.tx, c.T, Covariates{}, Covariates{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if bgc.Base != bg || pnc.Base != pn {
		t.Errorf("models differ: %+v vs %+v; %+v vs %+v", bgc.Base, bg, pnc.Base, pn)
	}
	for _, f := range [][2]*Fit{{bgFit, bgcFit}, {pnFit, pncFit}} {
		if f[0].String() != f[1].String() || f[0].LogLikelihood != f[1].LogLikelihood {
			t.Errorf("fits differ:\n%v\n%v", f[0], f[1])
		}
		for i := range f[0].Estimates {
			if f[0].Estimates[i] != f[1].Estimates[i] || f[0].StdErrors[i] != f[1].StdErrors[i] {
				t.Errorf("%s: %v (se %v) vs %v (se %v)", f[0].Names[i], f[0].Estimates[i], f[0].StdErrors[i], f[1].Estimates[i], f[1].StdErrors[i])
			}
		}
	}
	// The plain model's predictions are the covariate model's.
	if got, want := bgc.Customer(0, Covariates{}, Covariates{}).ProbabilityAlive(2, 30.43, 38.86), bg.ProbabilityAlive(2, 30.43, 38.86); got != want {
		t.Errorf("P(alive) %v, want %v", got, want)
	}
}

// TestCovObjectiveMatchesPlain: the covariate likelihoods at zero
// coefficients equal the plain likelihoods on CDNOW, value and gradient of
// the baseline parameters, whatever the covariate; and with no columns.
func TestCovObjectiveMatchesPlain(t *testing.T) {
	c := loadCDNOW(t)
	odd := make([]float64, len(c.x)) // an arbitrary binary covariate: odd customer ID
	for i, id := range c.id {
		odd[i] = math.Mod(id, 2)
	}
	cov := Covariates{Names: []string{"odd"}, Columns: [][]float64{odd}}
	plain, err := newSummary(c.x, c.tx, c.T, nil)
	if err != nil {
		t.Fatal(err)
	}
	base := []float64{math.Log(0.25), math.Log(4), math.Log(0.8), math.Log(2.5)}
	for _, tc := range []struct {
		name              string
		purchase, dropout Covariates
	}{{"no columns", Covariates{}, Covariates{}}, {"odd, zero coefficients", cov, cov}} {
		cs, err := newCovSummary(c.x, c.tx, c.T, nil, tc.purchase, tc.dropout)
		if err != nil {
			t.Fatal(err)
		}
		// BG/NBD: analytic gradients on both sides.
		lp := append(append([]float64(nil), base...), make([]float64, cs.kp+2*cs.kd)...)
		g, g0 := make([]float64, len(lp)), make([]float64, 4)
		v := bgnbdCovNLL(cs, newXPairs(cs), lp, g, 2)
		v0 := bgnbdNLL(plain, base, g0, 2)
		assertRel(t, tc.name+" BG/NBD NLL", v, v0, 1e-12)
		for j := range g0 {
			assertClose(t, fmt.Sprintf("%s BG/NBD grad[%d]", tc.name, j), g[j], g0[j], 1e-9*math.Max(1, math.Abs(g0[j])))
		}
		// Pareto/NBD: per-row against whole-sum central differences.
		pb := []float64{math.Log(0.55), math.Log(10.6), math.Log(0.6), math.Log(11.7)}
		lp = append(append([]float64(nil), pb...), make([]float64, cs.kp+cs.kd)...)
		g = make([]float64, len(lp))
		v = pnbdCovNLL(cs, newCovPairs(cs), lp, g, 2)
		pp := newPairs(plain)
		v0 = pnbdNLL(plain, pp, pb, 2)
		assertRel(t, tc.name+" Pareto/NBD NLL", v, v0, 1e-12)
		for j := range 4 {
			x := append([]float64(nil), pb...)
			x[j] += 1e-5
			fp := pnbdNLL(plain, pp, x, 2)
			x[j] -= 2e-5
			fm := pnbdNLL(plain, pp, x, 2)
			fd := (fp - fm) / 2e-5
			assertClose(t, fmt.Sprintf("%s Pareto/NBD grad[%d]", tc.name, j), g[j], fd, 1e-5*math.Max(1, math.Abs(fd)))
		}
	}
}

// TestCovGradient compares the gradients of the covariate likelihoods
// with central differences of their values at non-zero coefficients, with
// two covariates (one binary, one continuous) in each process.
func TestCovGradient(t *testing.T) {
	s, pu, dr := simBGNBDCov(5, 3000, defaultCohort)
	rng := rand.New(rand.NewPCG(6, 0))
	z := make([]float64, len(s.x))
	for i := range z {
		z[i] = rng.NormFloat64()
	}
	pu = Covariates{Names: []string{"channel", "z"}, Columns: [][]float64{pu.Columns[0], z}}
	dr = Covariates{Names: []string{"promo", "z"}, Columns: [][]float64{dr.Columns[0], z}}
	cs, err := newCovSummary(s.x, s.tx, s.T, nil, pu, dr)
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, f func(lp, grad []float64) float64, lp []float64, h, tol float64) {
		g := make([]float64, len(lp))
		f(lp, g)
		for j := range lp {
			x := append([]float64(nil), lp...)
			x[j] += h
			fp := f(x, nil)
			x[j] -= 2 * h
			fm := f(x, nil)
			fd := (fp - fm) / (2 * h)
			assertClose(t, fmt.Sprintf("%s grad[%d]", name, j), g[j], fd, tol*math.Max(1, math.Abs(fd)))
		}
	}
	xp := newXPairs(cs)
	check("BG/NBD", func(lp, g []float64) float64 { return bgnbdCovNLL(cs, xp, lp, g, 2) },
		[]float64{math.Log(0.3), math.Log(25), math.Log(0.9), math.Log(2.2), 0.3, -0.1, 0.5, 0.2, -0.4, 0.1}, 1e-6, 1e-6)
	cp := newCovPairs(cs)
	check("Pareto/NBD", func(lp, g []float64) float64 { return pnbdCovNLL(cs, cp, lp, g, 2) },
		[]float64{math.Log(0.5), math.Log(70), math.Log(0.6), math.Log(80), 0.3, -0.1, 0.5, 0.2}, 1e-5, 1e-5)
}

// checkCovRecovery asserts that every coefficient lies within 2.5 standard
// errors of the truth and logs the z-scores of all parameters.
func checkCovRecovery(t *testing.T, fit *Fit, truth []float64, firstCoef int) {
	t.Helper()
	if !fit.Converged {
		t.Fatalf("not converged: %v", fit)
	}
	for i, want := range truth {
		z := (fit.Estimates[i] - want) / fit.StdErrors[i]
		t.Logf("%-18s %9.4f truth %9.4f se %.4f z %+.2f", fit.Names[i], fit.Estimates[i], want, fit.StdErrors[i], z)
		if i >= firstCoef && !(math.Abs(z) <= 2.5) {
			t.Errorf("%s: %.2f standard errors from the truth", fit.Names[i], z)
		}
	}
}

// TestRecoverBGNBDCov fits 20,000 simulated customers (continuous time, the
// model's own assumptions) with a purchase and a dropout covariate; 200,000
// unless -short.
func TestRecoverBGNBDCov(t *testing.T) {
	c := defaultCohort
	c.continuous = true
	for _, n := range []int{20_000, 200_000} {
		t.Run(fmt.Sprint("n=", n), func(t *testing.T) {
			if n > 20_000 && testing.Short() {
				t.Skip("200k customers skipped under -short")
			}
			s, pu, dr := simBGNBDCov(31, n, c)
			m, fit, err := FitBGNBDCov(s.x, s.tx, s.T, pu, dr, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, truth := bgCovTruth.Params()
			checkCovRecovery(t, fit, truth, 4)
			one := Covariates{Columns: [][]float64{{1}}}
			if got := m.CustomerParams([]float64{1}, []float64{1}); got != m.Customer(0, one, one) {
				t.Errorf("CustomerParams %v differs from Customer", got)
			}
		})
	}
}

// TestRecoverParetoNBDCov is TestRecoverBGNBDCov for the Pareto/NBD.
func TestRecoverParetoNBDCov(t *testing.T) {
	c := defaultCohort
	c.continuous = true
	s, pu, dr := simParetoNBDCov(41, 20_000, c)
	_, fit, err := FitParetoNBDCov(s.x, s.tx, s.T, pu, dr, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, truth := pnCovTruth.Params()
	checkCovRecovery(t, fit, truth, 4)
}

// TestScoreCov checks ScoreCov against the customers' own models.
func TestScoreCov(t *testing.T) {
	s, pu, dr := simBGNBDCov(51, 500, defaultCohort)
	for _, m := range []CovariateModel{bgCovTruth, pnCovTruth} {
		pa, ex := ScoreCov(m, 90, s.x, s.tx, s.T, pu, dr, nil, nil, 2)
		for i := range s.x {
			c := m.Customer(i, pu, dr)
			if pa[i] != c.ProbabilityAlive(s.x[i], s.tx[i], s.T[i]) || ex[i] != c.ConditionalExpectedPurchases(90, s.x[i], s.tx[i], s.T[i]) {
				t.Fatalf("%s customer %d: %v %v", m.Name(), i, pa[i], ex[i])
			}
		}
	}
	// A channel customer's mean purchase rate is 1.5 times the baseline.
	c1 := bgCovTruth.CustomerParams([]float64{1}, []float64{0})
	assertRel(t, "rate ratio", (c1.R/c1.Alpha)/(bgTruth.R/bgTruth.Alpha), 1.5, 1e-12)
	p1 := pnCovTruth.CustomerParams([]float64{0}, []float64{1})
	assertRel(t, "dropout ratio", (p1.S/p1.Beta)/(pnTruth.S/pnTruth.Beta), 1.6, 1e-12)
}

func TestCovInputErrors(t *testing.T) {
	x, tx, T := []float64{1, 0}, []float64{2, 0}, []float64{5, 5}
	bad := Covariates{Names: []string{"v"}, Columns: [][]float64{{1, math.NaN()}}}
	if _, _, err := FitBGNBDCov(x, tx, T, bad, Covariates{}, nil); err == nil {
		t.Error("NaN covariate: no error")
	}
	defer func() {
		if recover() == nil {
			t.Error("short covariate column: no panic")
		}
	}()
	FitParetoNBDCov(x, tx, T, Covariates{Names: []string{"v"}, Columns: [][]float64{{1}}}, Covariates{}, nil)
}

// BenchmarkFitCovariates compares, at 100,000 simulated integer-day
// customers, the plain fits with the fits with two binary covariates
// (channel and promo, each in both the purchase and the dropout process).
// The covariate fits include their starting plain fit.
func BenchmarkFitCovariates(b *testing.B) {
	const n = 100_000
	bg, bpu, bdr := simBGNBDCov(61, n, defaultCohort)
	pn, ppu, pdr := simParetoNBDCov(62, n, defaultCohort)
	both := func(pu, dr Covariates) Covariates {
		return Covariates{Names: []string{"channel", "promo"}, Columns: [][]float64{pu.Columns[0], dr.Columns[0]}}
	}
	bcov, pcov := both(bpu, bdr), both(ppu, pdr)
	run := func(name string, fit func() error) {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if err := fit(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	run("BG/NBD/plain", func() error { _, _, err := FitBGNBD(bg.x, bg.tx, bg.T, nil); return err })
	run("BG/NBD/2cov", func() error { _, _, err := FitBGNBDCov(bg.x, bg.tx, bg.T, bcov, bcov, nil); return err })
	run("Pareto/NBD/plain", func() error { _, _, err := FitParetoNBD(pn.x, pn.tx, pn.T, nil); return err })
	run("Pareto/NBD/2cov", func() error { _, _, err := FitParetoNBDCov(pn.x, pn.tx, pn.T, pcov, pcov, nil); return err })
}
