package clv_test

import (
	"math"
	"testing"
)

// The nightly run on the Fader & Hardie (2007) cohorts (testdata/sbg, yearly
// renewals, 7 observed) fits the published sBG parameters per plan and
// projects the published survival for years 8..12; the residual value of an
// active high-end subscriber is 250 x DERL(d=0.10, n=7) = 250 x 7.530
// (jdmaturen's reference, Fader & Hardie 2010 eq. 6).
func TestSBGCohortsMatchPaper(t *testing.T) {
	cfg := run(t, "../../testdata/sbg/crmbatch.yaml")
	const asOf = "2007-01-01"
	f := read(t, cfg, "subscription_cohorts", asOf, "SELECT cohort, alpha, beta, log_likelihood, subscribers, active FROM %s WHERE cohort_type = 'plan' ORDER BY cohort")
	want := []struct {
		cohort              string
		alpha, beta, ll     float64
		subscribers, active int64
	}{
		{"highend", 0.668, 3.806, -1611.158, 1000, 491}, // [PUB] F&H 2007; LL [CALC] REFERENCES.md §4
		{"regular", 0.704, 1.182, -1680.265, 1000, 241},
	}
	if f.Len() != 2 {
		t.Fatalf("%d plan cohorts, want 2", f.Len())
	}
	for i, w := range want {
		a, b, ll := f.Col("alpha").Floats[i], f.Col("beta").Floats[i], f.Col("log_likelihood").Floats[i]
		if f.Col("cohort").Strings[i] != w.cohort || math.Abs(a-w.alpha) > 0.0006 || math.Abs(b-w.beta) > 0.0006*w.beta || math.Abs(ll-w.ll) > 0.001 {
			t.Errorf("%s: alpha %.4f beta %.4f LL %.3f, want %.3f %.3f %.3f", f.Col("cohort").Strings[i], a, b, ll, w.alpha, w.beta, w.ll)
		}
		if f.Col("subscribers").Ints[i] != w.subscribers || f.Col("active").Ints[i] != w.active {
			t.Errorf("%s: %d subscribers, %d active", w.cohort, f.Col("subscribers").Ints[i], f.Col("active").Ints[i])
		}
	}
	// [PKG] jdmaturen README: high-end survival years 8..12.
	s := read(t, cfg, "subscription_retention", asOf, "SELECT period, fitted_survival, observed_survival FROM %s WHERE cohort = 'highend' AND period BETWEEN 7 AND 12 ORDER BY period")
	surv := []float64{0.460, 0.436, 0.414, 0.395, 0.378}
	for i, w := range surv {
		if got := s.Col("fitted_survival").Floats[i+1]; math.Abs(got-w) > 0.0006 {
			t.Errorf("year %d survival %.4f, want %.3f", 8+i, got, w)
		}
	}
	if got := s.Col("observed_survival").Floats[0]; math.Abs(got-0.491) > 1e-9 {
		t.Errorf("observed survival after 7 renewals %.4f, want 0.491", got)
	}
	c := read(t, cfg, "customers", asOf, "SELECT min(subscription_residual_value) AS lo, max(subscription_residual_value) AS hi, count(subscription_residual_value) AS n FROM %s")
	// 491 high-end + 241 regular subscribers are active; the high-end ones
	// have the largest value: 250 x 7.5296.
	if n := c.Col("n").Ints[0]; n != 732 {
		t.Errorf("%d customers with a residual value, want 732", n)
	}
	if hi := c.Col("hi").Floats[0]; math.Abs(hi-250*7.5296) > 0.05 {
		t.Errorf("high-end residual value %.2f, want 250 x 7.5296 = %.2f", hi, 250*7.5296)
	}
}
