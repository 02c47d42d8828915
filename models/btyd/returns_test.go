package btyd

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

// TestReturnPriorHandChecked checks the shrinkage formula on values worked
// by hand: Share 0.2, Weight 100, exposure the gross value.
func TestReturnPriorHandChecked(t *testing.T) {
	p := ReturnPrior{Share: 0.2, Weight: 100}
	for _, tc := range []struct {
		name            string
		gross, returned float64
		want            float64
	}{
		{"no data", 0, 0, 0.2},
		{"300 gross, 120 returned", 300, 120, (120 + 20) / 400.0}, // 0.35, raw 0.40
		{"100 gross, nothing returned", 100, 0, 20 / 200.0},       // 0.10: G = Weight, halfway
		{"huge customer", 1e9, 5e8, (5e8 + 20) / (1e9 + 100)},     // ~ raw 0.5
		{"returned above gross clamps", 50, 80, (50 + 20) / 150.0},
	} {
		assertClose(t, tc.name, p.ShrunkShare(tc.gross, tc.returned, tc.gross), tc.want, 1e-15)
	}
	// Exposure in orders: 3 orders against a weight of 100 orders.
	q := ReturnPrior{Share: 0.2, Weight: 100}
	assertClose(t, "3 orders", q.ShrunkShare(300, 120, 3), 3.0/103*0.4+100.0/103*0.2, 1e-15)
	// Expected net spend: Gamma-Gamma gross spend 50 x (1 - 0.35).
	assertClose(t, "NetSpend", p.NetSpend(50, 300, 120, 300), 32.5, 1e-12)
	// Boundaries: no shrinkage and complete pooling.
	assertClose(t, "Weight 0", ReturnPrior{Share: 0.2}.ShrunkShare(300, 120, 300), 0.4, 1e-15)
	assertClose(t, "Weight +Inf", ReturnPrior{Share: 0.2, Weight: math.Inf(1)}.ShrunkShare(300, 120, 300), 0.2, 0)

	// FitReturnPrior: Share = ΣR/ΣG = 60/400 = 0.15 by hand; identical
	// shares leave no heterogeneity, so Weight is +Inf.
	p, err := FitReturnPrior([]float64{100, 200, 100, 0}, []float64{15, 30, 15, 0}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Share != 0.15 || !math.IsInf(p.Weight, 1) {
		t.Errorf("got %+v; want Share 0.15, Weight +Inf", p)
	}
	// Share = (10 + 2·80 + 0 + 100)/(100 + 2·200 + 50 + 400) = 270/950 by
	// hand; weights count customers, so a weight of 2 equals listing the
	// customer twice.
	g, r := []float64{100, 200, 50, 400, 120, 80}, []float64{10, 80, 0, 100, 60, 8}
	a, err1 := FitReturnPrior(g, r, nil, []float64{1, 2, 1, 1, 0, 0})
	b, err2 := FitReturnPrior([]float64{100, 200, 200, 50, 400}, []float64{10, 80, 80, 0, 100}, nil, nil)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	assertClose(t, "Share 270/950", a.Share, 270.0/950, 1e-15)
	assertRel(t, "weighted Share", a.Share, b.Share, 1e-12)
	if !(a.Weight == b.Weight || math.Abs(a.Weight-b.Weight) <= 1e-9*b.Weight) {
		t.Errorf("weighted Weight %v, repeated %v", a.Weight, b.Weight)
	}

	for name, c := range map[string][2][]float64{
		"negative":       {{100, -1}, {0, 0}},
		"NaN":            {{100, 50}, {math.NaN(), 0}},
		"no gross":       {{0, 0}, {0, 0}},
		"one gross size": {{100, 100}, {10, 30}},
	} {
		if _, err := FitReturnPrior(c[0], c[1], nil, nil); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestReturnPriorBinomial simulates the model's own assumption: customer i
// places m_i ~ 1+Poisson(9) orders of equal value 10, each returned with
// probability π_i ~ Beta(μκ, (1-μ)κ), μ = 0.15, κ = 20. The credibility
// weight is then exactly κ orders (E[π(1-π)]/Var(π) = κ), or 10κ = 200 in
// value with gross value as exposure.
func TestReturnPriorBinomial(t *testing.T) {
	const n, mu, kappa = 20_000, 0.15, 20.0
	src := rand.NewPCG(72, 1)
	rng := rand.New(src)
	pd := distuv.Beta{Alpha: mu * kappa, Beta: (1 - mu) * kappa, Src: src}
	orders := distuv.Poisson{Lambda: 9, Src: src}
	gross, returned, count := make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range n {
		pi := pd.Rand()
		count[i] = orders.Rand() + 1
		for range int(count[i]) {
			gross[i] += 10
			if rng.Float64() < pi {
				returned[i] += 10
			}
		}
	}
	for _, tc := range []struct {
		name     string
		exposure []float64
		want     float64
	}{{"orders", count, kappa}, {"value", nil, 10 * kappa}} {
		p, err := FitReturnPrior(gross, returned, tc.exposure, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: Share %.4f, Weight %.2f (truth %v)", tc.name, p.Share, p.Weight, tc.want)
		assertClose(t, tc.name+" Share", p.Share, mu, 0.005) // se about 0.0015
		assertRel(t, tc.name+" Weight", p.Weight, tc.want, 0.15)
	}
}

// TestReturnPriorItems draws 20,000 customers who buy 1+Poisson(4) items
// of value Gamma(2, scale 20) and return each with probability
// π ~ Beta(3, 17) (μ = 0.15): few items of unequal value, so the noise of
// a share falls as 3/(2n+1) in the number of items n (for gamma-2 values),
// not as 1/m in either exposure, and the method of moments puts part of
// the noise into the between-customer variance: the weight comes out low
// (less shrinkage than optimal), by a factor 2.4 with items as exposure and
// 11 with gross value, compared with the best weight chosen with knowledge
// of the true shares. The shrunk shares must still recover the population
// share and beat the raw shares: with items as exposure within 25 % of the
// best squared error, with value at least halving the raw squared error.
func TestReturnPriorItems(t *testing.T) {
	const n, mu = 20_000, 0.15
	src := rand.NewPCG(71, 1)
	rng := rand.New(src)
	pd := distuv.Beta{Alpha: 3, Beta: 17, Src: src}
	items := distuv.Poisson{Lambda: 4, Src: src}
	value := distuv.Gamma{Alpha: 2, Beta: 1.0 / 20, Src: src}
	gross, returned, count, truth := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range n {
		truth[i] = pd.Rand()
		count[i] = items.Rand() + 1
		for range int(count[i]) {
			v := value.Rand()
			gross[i] += v
			if rng.Float64() < truth[i] {
				returned[i] += v
			}
		}
	}
	mse := func(p ReturnPrior, exposure []float64) float64 {
		var s float64
		for i := range n {
			m := gross[i]
			if exposure != nil {
				m = exposure[i]
			}
			d := p.ShrunkShare(gross[i], returned[i], m) - truth[i]
			s += d * d
		}
		return s / n
	}
	raw := mse(ReturnPrior{Share: mu}, nil)
	for _, tc := range []struct {
		name     string
		exposure []float64
		ofBest   float64 // bound on MSE / best MSE
	}{{"items", count, 1.25}, {"value", nil, 3}} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := FitReturnPrior(gross, returned, tc.exposure, nil)
			if err != nil {
				t.Fatal(err)
			}
			best := math.Inf(1)
			var bestW float64
			for w := 0.25; w < 1e5; w *= 1.05 {
				if e := mse(ReturnPrior{Share: p.Share, Weight: w}, tc.exposure); e < best {
					best, bestW = e, w
				}
			}
			got := mse(p, tc.exposure)
			t.Logf("Share %.4f, Weight %.1f (best %.1f); RMSE raw %.4f, shrunk %.4f, best %.4f",
				p.Share, p.Weight, bestW, math.Sqrt(raw), math.Sqrt(got), math.Sqrt(best))
			assertClose(t, "Share", p.Share, mu, 0.005)
			if !(got < 0.5*raw) || !(got <= tc.ofBest*best) {
				t.Errorf("MSE %v; raw %v, best %v", got, raw, best)
			}
			// A new customer gets the population share.
			if s := p.ShrunkShare(0, 0, 0); s != p.Share {
				t.Errorf("no-data share %v, want %v", s, p.Share)
			}
		})
	}
}
