package btyd

import (
	"errors"
	"fmt"
	"math"
	"testing"
)

func TestFitGammaGammaCDNOW(t *testing.T) {
	c := loadCDNOW(t)
	m, fit, err := FitGammaGamma(c.x, c.zbar, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Fader & Hardie (2013) note 025 / FHL 2005 JMR: p=6.25, q=3.74,
	// gamma=15.44 on the 946 repeat buyers; REFERENCES.md §3 [CALC] MLE
	// 6.2488, 3.7446, 15.4477, LL -4055.923.
	if fit.Customers != 946 {
		t.Errorf("fitted %v customers, want 946", fit.Customers)
	}
	assertClose(t, "p", m.P, 6.25, 5e-3)
	assertClose(t, "q", m.Q, 3.74, 5e-3)
	assertClose(t, "gamma [CALC]", m.Gamma, 15.4477, 1e-3)
	// The note prints 15.44; the MLE on this file is 15.4477 (lifetimes
	// prints 15.45), so the published value holds to 3 significant figures.
	assertRel(t, "gamma [PUB]", m.Gamma, 15.44, 1e-3)
	assertClose(t, "LL [CALC]", fit.LogLikelihood, -4055.923, 1e-3)

	// lifetimes Quickstart (full-precision parameters), IDs 1..10.
	want := []float64{24.658619, 18.911489, 35.170981, 35.170981, 35.170981,
		71.462843, 18.911489, 35.170981, 27.282408, 35.170981}
	for i, w := range want {
		assertClose(t, fmt.Sprintf("E[M] id %d", i+1), m.ConditionalExpectedAverageSpend(c.x[i], c.zbar[i]), w, 1e-4)
	}
	// lifetimes Quickstart: mean conditional expected average profit over
	// all 2,357 customers.
	var s float64
	for i := range c.x {
		s += m.ConditionalExpectedAverageSpend(c.x[i], c.zbar[i])
	}
	assertClose(t, "mean E[M]", s/float64(len(c.x)), 35.2529588256, 1e-4)
}

func TestGammaGammaSpendRules(t *testing.T) {
	m := GammaGamma{P: 6.25, Q: 3.74, Gamma: 15.44}
	pop := m.PopulationMean()
	for _, tc := range []struct {
		name    string
		x, zbar float64
	}{
		{"no repeat purchases", 0, 0},
		{"returns exceed spend", 3, -12},
		{"zero net spend", 2, 0},
		{"NaN spend", 2, math.NaN()},
		{"negative frequency", -1, 10},
	} {
		assertClose(t, tc.name, m.ConditionalExpectedAverageSpend(tc.x, tc.zbar), pop, 0)
	}
	// Zero-spend customers are skipped by the fit, never a log(0).
	_, _, err := FitGammaGamma([]float64{1, 2, 0, 3}, []float64{0, -5, 0, 0}, nil)
	if err == nil {
		t.Error("fit without repeat spenders: want error")
	}
}

func TestFitGammaGammaUndefinedMean(t *testing.T) {
	// Spends with a very heavy right tail across customers drive q below 1:
	// the fit must say so instead of returning a negative or infinite mean.
	var x, z []float64
	for i := range 400 {
		x = append(x, 1+float64(i%3))
		z = append(z, math.Pow(10, float64(i%40)/4))
	}
	m, fit, err := FitGammaGamma(x, z, nil)
	if m.Q > 1 {
		t.Skipf("q = %v > 1; data not heavy-tailed enough for this check", m.Q)
	}
	if !errors.Is(err, ErrUndefinedMean) && !errors.Is(err, ErrNotConverged) {
		t.Errorf("q = %v, err = %v; want ErrUndefinedMean", m.Q, err)
	}
	if fit == nil {
		t.Fatal("nil fit")
	}
	if v := m.ConditionalExpectedAverageSpend(0, 0); !math.IsInf(v, 1) {
		t.Errorf("population mean with q <= 1 = %v, want +Inf", v)
	}
}
