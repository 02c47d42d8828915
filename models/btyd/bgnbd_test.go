package btyd

import (
	"fmt"
	"testing"
)

// Parameter sets quoted in testdata/REFERENCES.md, section 1.
var (
	// Fader, Hardie & Lee (2005), Sec. 7 [PUB].
	bgPublished = BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}
	// BTYD walkthrough, Sec. 4.2 [PKG] (recency from dates).
	bgBTYD = BGNBD{R: 0.2425982, Alpha: 4.4136842, A: 0.7929899, B: 2.4261667}
	// lifetimes Quickstart, BetaGeoFitter.summary [PKG].
	bgLifetimes = BGNBD{R: 0.242593, Alpha: 4.413532, A: 0.792886, B: 2.425752}
)

func TestFitBGNBDCDNOW(t *testing.T) {
	c := loadCDNOW(t)
	m, fit, err := FitBGNBD(c.x, c.tx, c.T, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !fit.Converged || fit.Customers != 2357 {
		t.Fatalf("fit not converged or wrong size: %v", fit)
	}
	// Fader, Hardie & Lee (2005) Sec. 7 and lifetimes Quickstart: r=0.2426,
	// alpha=4.414, a=0.7929, b=2.426, LL -9582.43 (REFERENCES.md §1 [CALC]
	// -9582.4256 on this file).
	for i, want := range []float64{0.2426, 4.414, 0.7929, 2.426} {
		assertRel(t, fit.Names[i], fit.Estimates[i], want, 1e-3)
	}
	assertClose(t, "LL", fit.LogLikelihood, -9582.43, 0.01)
	// lifetimes BetaGeoFitter standard errors (REFERENCES.md §1).
	for i, want := range []float64{0.012557, 0.378221, 0.185719, 0.705345} {
		assertRel(t, "se("+fit.Names[i]+")", fit.StdErrors[i], want, 1e-3)
	}
	// lifetimes Quickstart parameters to 6 digits.
	assertRel(t, "r vs lifetimes", m.R, bgLifetimes.R, 1e-4)
	assertRel(t, "alpha vs lifetimes", m.Alpha, bgLifetimes.Alpha, 1e-4)
	assertRel(t, "a vs lifetimes", m.A, bgLifetimes.A, 1e-4)
	assertRel(t, "b vs lifetimes", m.B, bgLifetimes.B, 1e-4)
}

func TestBGNBDPredictions(t *testing.T) {
	for _, tc := range []struct {
		name      string
		m         BGNBD
		t         float64
		x, tx, T  float64
		want, tol float64
	}{
		// lifetimes tests, "Hardie excel sheet": customer 1.
		{"E[Y(39)] id 1", bgPublished, 39, 2, 30.43, 38.86, 1.226, 1e-3},
		// BTYD walkthrough §4.3: customer 1516.
		{"E[Y(52)] id 1516", bgBTYD, 52, 26, 30.85714, 31, 25.75659, 1e-4},
		// BTYD walkthrough §4.3: increasing frequency paradox. BTYD used
		// unrounded parameters; at the printed 7-8 digit parameters the
		// exact values (mpmath, see TestBGNBDHighPrecision) differ from the
		// printed ones by up to 5.4e-6 relative (x=25), hence 1e-6 absolute.
		{"paradox x=10", bgBTYD, 52, 10, 20, 39, 0.3474606, 1e-6},
		{"paradox x=15", bgBTYD, 52, 15, 20, 39, 0.04283391, 1e-6},
		{"paradox x=20", bgBTYD, 52, 20, 20, 39, 0.004158973, 1e-6},
		{"paradox x=25", bgBTYD, 52, 25, 20, 39, 0.0003583685, 1e-6},
		// lifetimes Quickstart: E[Y(1)] of the top five.
		{"E[Y(1)] id 509", bgLifetimes, 1, 18, 35.14, 35.86, 0.424877, 1e-6},
		{"E[Y(1)] id 841", bgLifetimes, 1, 19, 34.00, 34.14, 0.474738, 1e-6},
		{"E[Y(1)] id 1981", bgLifetimes, 1, 17, 28.43, 28.86, 0.486526, 1e-6},
		{"E[Y(1)] id 157", bgLifetimes, 1, 29, 37.71, 38.00, 0.662396, 1e-6},
		{"E[Y(1)] id 1516", bgLifetimes, 1, 26, 30.86, 31.00, 0.710623, 1e-6},
	} {
		assertClose(t, tc.name, tc.m.ConditionalExpectedPurchases(tc.t, tc.x, tc.tx, tc.T), tc.want, tc.tol)
	}
	// BTYD walkthrough §4.3: P(alive) of customer 1516; REFERENCES.md [CALC]
	// P(alive) of customer 1 with the published parameters.
	assertClose(t, "P(alive) id 1516", bgBTYD.ProbabilityAlive(26, 30.85714, 31), 0.9688523, 1e-6)
	assertClose(t, "P(alive) id 1", bgPublished.ProbabilityAlive(2, 30.43, 38.86), 0.7266, 1e-4)
}

func TestBGNBDExpectedPurchases(t *testing.T) {
	// lifetimes tests: unconditional E[X(t)] with the MLE parameters,
	// tolerance 1e-3.
	for i, tt := range []float64{0.1429, 1, 3, 31.8571, 32, 78} {
		want := []float64{0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576}[i]
		assertClose(t, fmt.Sprintf("E[X(%v)]", tt), bgLifetimes.ExpectedPurchases(tt), want, 1e-3)
	}
	// BTYD walkthrough §4.3: E[X(52)] for a new customer.
	assertClose(t, "E[X(52)] BTYD", bgBTYD.ExpectedPurchases(52), 1.444004, 1e-6)
	// REFERENCES.md [CALC] with the rounded published parameters.
	assertClose(t, "E[X(78)] published", bgPublished.ExpectedPurchases(78), 1.8605, 1e-4)
}

func TestBGNBDProbabilityOfPurchases(t *testing.T) {
	// lifetimes tests, from R BTYD docs, with (0.243, 4.414, 0.793, 2.426).
	m := bgPublished
	assertRel(t, "P(X(2)=10)", m.ProbabilityOfPurchases(2, 10), 1.07869e-07, 1e-5)
	assertClose(t, "P(X(39)=0)", m.ProbabilityOfPurchases(39, 0), 0.5737864, 1e-7)
	want := []float64{0.0019995214, 0.0015170236, 0.0011633150, 0.0009003148, 0.0007023638,
		0.0005517902, 0.0004361913, 0.0003467171, 0.0002769613, 0.0002222260}
	for i, w := range want {
		n := 11 + i
		assertClose(t, fmt.Sprintf("P(X(30)=%d)", n), m.ProbabilityOfPurchases(30, n), w, 1e-10)
	}
	// The probabilities sum to one.
	var s float64
	for n := range 2000 {
		s += m.ProbabilityOfPurchases(30, n)
	}
	assertClose(t, "sum P(X(30)=n)", s, 1, 1e-9)
}

func TestBGNBDNoPurchasesAndNextPurchase(t *testing.T) {
	m := bgPublished
	x, tx, T, tt := 2.0, 30.43, 38.86, 10.0
	// Closed form for the BG/NBD (see ProbabilityNoPurchases).
	pa := m.ProbabilityAlive(x, tx, T)
	want := 1 - pa + pa*pow((m.Alpha+T)/(m.Alpha+T+tt), m.R+x)
	assertClose(t, "P(no purchase in 10)", m.ProbabilityNoPurchases(tt, x, tx, T), want, 1e-12)
	// A new customer: P(X(t)=0) from eq. 8.
	assertClose(t, "P(no purchase) new", m.ProbabilityNoPurchases(39, 0, 0, 0), m.ProbabilityOfPurchases(39, 0), 1e-12)
	assertClose(t, "next purchase", m.ExpectedTimeToNextPurchase(x, tx, T), (m.Alpha+T)/(m.R+x), 0)
}
