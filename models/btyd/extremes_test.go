package btyd

import (
	"fmt"
	"math"
	"testing"
)

// finite fails if v is NaN or infinite.
func finite(t *testing.T, name string, v float64) {
	t.Helper()
	if math.IsNaN(v) || math.IsInf(v, 0) {
		t.Errorf("%s = %v, want finite", name, v)
	}
}

// extremeCustomers are summaries (x, t_x, T) at the edges of the domain.
var extremeCustomers = [][3]float64{
	{0, 0, 0},           // first purchase at the calibration end
	{0, 0, 1e-9},        // tiny T
	{0, 0, 1e6},         // huge T
	{3, 0, 0},           // repeat purchases all on the first day (weeks rounded)
	{5000, 38, 39},      // very heavy buyer, recent
	{5000, 1, 39},       // very heavy buyer, long silent
	{20000, 1e5, 1e5},   // heavy buyer with recency == T, huge T
	{1, 1e6, 1e6},       // recency == T
	{2, 30.43, 38.86},   // ordinary
	{300, 1e-3, 1e7},    // dead for ages
	{7, 0.5, 1.0 / 7.0}, // tiny times
}

func TestExtremesFinite(t *testing.T) {
	models := []interface {
		Model
		LogLikelihood(x, tx, T float64) float64
		ProbabilityNoPurchases(t, x, tx, T float64) float64
		ExpectedTimeToNextPurchase(x, tx, T float64) float64
	}{bgPublished, pnBTYD,
		BGNBD{R: 0.24, Alpha: 4.4, A: 1, B: 2.4},            // a = 1 singular point
		ParetoNBD{R: 0.55, Alpha: 10.6, S: 1, Beta: 11.7},   // s = 1 limit
		ParetoNBD{R: 0.55, Alpha: 100, S: 0.6, Beta: 0.5},   // alpha >> beta
		ParetoNBD{R: 0.55, Alpha: 0.05, S: 0.6, Beta: 1000}, // alpha << beta
	}
	for _, m := range models {
		for _, c := range extremeCustomers {
			x, tx, T := c[0], c[1], c[2]
			name := fmt.Sprintf("%s %v (%v,%v,%v)", m.Name(), m, x, tx, T)
			finite(t, "LL "+name, m.LogLikelihood(x, tx, T))
			pa := m.ProbabilityAlive(x, tx, T)
			if !(pa >= 0 && pa <= 1) {
				t.Errorf("P(alive) %s = %v", name, pa)
			}
			for _, h := range []float64{0, 1e-6, 1, 52, 1e5} {
				e := m.ConditionalExpectedPurchases(h, x, tx, T)
				finite(t, fmt.Sprintf("E[Y(%v)] %s", h, name), e)
				if e < -1e-9 {
					t.Errorf("E[Y(%v)] %s = %v < 0", h, name, e)
				}
				p0 := m.ProbabilityNoPurchases(h, x, tx, T)
				if !(p0 >= 0 && p0 <= 1+1e-12) {
					t.Errorf("P(no purchase in %v) %s = %v", h, name, p0)
				}
			}
			finite(t, "next purchase "+name, m.ExpectedTimeToNextPurchase(x, tx, T))
			finite(t, "CLV "+name, CLV(m, x, tx, T, 30, CLVSettings{UnitDays: 7, AnnualDiscountRate: 0.1}))
		}
		finite(t, "E[X(1e6)] "+m.Name(), m.ExpectedPurchases(1e6))
	}
}

func TestExtremesFit(t *testing.T) {
	// A cohort with heavy buyers, zero ages and recency == T fits without
	// NaN, overflow or a panic.
	var x, tx, T []float64
	for i := range 3000 {
		switch i % 6 {
		case 0:
			x, tx, T = append(x, 0), append(tx, 0), append(T, 0)
		case 1:
			x, tx, T = append(x, 4000+float64(i)), append(tx, 38), append(T, 39)
		case 2:
			x, tx, T = append(x, 3), append(tx, 39), append(T, 39)
		case 3:
			x, tx, T = append(x, 1), append(tx, 2), append(T, 5000)
		default:
			x, tx, T = append(x, float64(i%4)), append(tx, float64(i%30)), append(T, 39)
		}
	}
	bg, bfit, err := FitBGNBD(x, tx, T, nil)
	if bfit == nil {
		t.Fatalf("BG/NBD: %v", err)
	}
	t.Logf("BG/NBD %v, err %v", bfit, err)
	pn, pfit, err := FitParetoNBD(x, tx, T, nil)
	if pfit == nil {
		t.Fatalf("Pareto/NBD: %v", err)
	}
	t.Logf("Pareto/NBD %v, err %v", pfit, err)
	for _, f := range []*Fit{bfit, pfit} {
		finite(t, "LL", f.LogLikelihood)
		for i, v := range f.Estimates {
			finite(t, f.Names[i], v)
		}
	}
	for _, m := range []Model{bg, pn} {
		for _, c := range extremeCustomers {
			finite(t, m.Name()+" E[Y]", m.ConditionalExpectedPurchases(39, c[0], c[1], c[2]))
		}
	}
}

func TestFitInputErrors(t *testing.T) {
	for _, tc := range []struct {
		name     string
		x, tx, T []float64
	}{
		{"negative frequency", []float64{-1}, []float64{0}, []float64{1}},
		{"recency beyond T", []float64{1}, []float64{5}, []float64{4}},
		{"NaN age", []float64{1}, []float64{1}, []float64{math.NaN()}},
		{"empty", nil, nil, nil},
	} {
		if _, _, err := FitBGNBD(tc.x, tc.tx, tc.T, nil); err == nil {
			t.Errorf("FitBGNBD %s: want error", tc.name)
		}
		if _, _, err := FitParetoNBD(tc.x, tc.tx, tc.T, nil); err == nil {
			t.Errorf("FitParetoNBD %s: want error", tc.name)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("mismatched lengths: want panic")
		}
	}()
	FitBGNBD([]float64{1, 2}, []float64{1}, []float64{2, 3}, nil)
}

func TestNotConvergedReported(t *testing.T) {
	c := loadCDNOW(t)
	_, fit, err := FitBGNBD(c.x, c.tx, c.T, &Settings{MaxIterations: 2})
	if err == nil || fit == nil || fit.Converged {
		t.Fatalf("2 iterations: err %v, fit %v; want ErrNotConverged with a Fit", err, fit)
	}
	t.Log(err)
}
