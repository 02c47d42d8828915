package logit

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The "sklearn doc" AUC 0.75 and AP 0.83 are the examples of scikit-learn's
// roc_auc_score and average_precision_score documentation; the other values
// are computed by hand from the definitions (e.g. log loss
// -(ln .9 + ln .6 + ln .35 + ln .8)/4; tied pairs count 1/2 in the AUC).
func TestMetrics(t *testing.T) {
	for _, tc := range []struct {
		name            string
		y, s            []float64
		auc, ap, ll, br float64
	}{
		{"sklearn doc", []float64{0, 0, 1, 1}, []float64{0.1, 0.4, 0.35, 0.8}, 0.75, 0.8333333333, 0.4722880, 0.1581250},
		{"ties", []float64{0, 1, 0, 1, 1}, []float64{0.5, 0.5, 0.2, 0.9, 0.5}, 0.8333333333, 0.8333333333, 0.4815891, 0.1600000},
	} {
		if got := ROCAUC(tc.y, tc.s); math.Abs(got-tc.auc) > 1e-9 {
			t.Errorf("%s: AUC %v; want %v", tc.name, got, tc.auc)
		}
		if got := AveragePrecision(tc.y, tc.s); math.Abs(got-tc.ap) > 1e-9 {
			t.Errorf("%s: AP %v; want %v", tc.name, got, tc.ap)
		}
		if got := LogLoss(tc.y, tc.s); math.Abs(got-tc.ll) > 1e-6 {
			t.Errorf("%s: log loss %v; want %v", tc.name, got, tc.ll)
		}
		if got := Brier(tc.y, tc.s); math.Abs(got-tc.br) > 1e-6 {
			t.Errorf("%s: Brier %v; want %v", tc.name, got, tc.br)
		}
	}
	if !math.IsNaN(ROCAUC([]float64{1, 1}, []float64{0.2, 0.3})) {
		t.Error("AUC with one class should be NaN")
	}
}

func TestCalibrationLift(t *testing.T) {
	n := 1000
	y := make([]float64, n)
	p := make([]float64, n)
	for i := range p {
		p[i] = float64(i) / float64(n)
		if i >= 900 {
			y[i] = 1
		}
	}
	bins := Calibration(y, p, 0)
	if len(bins) != 10 {
		t.Fatalf("%d bins", len(bins))
	}
	for b, c := range bins {
		if c.Count != 100 {
			t.Errorf("bin %d count %d", b, c.Count)
		}
	}
	if bins[9].Observed != 1 || bins[0].Observed != 0 || math.Abs(bins[0].MeanPredicted-0.0495) > 1e-12 {
		t.Errorf("bins %+v", bins)
	}
	lift, capture := Lift(y, p, 0.1)
	if lift != 10 || capture != 1 {
		t.Errorf("lift %v capture %v; want 10, 1", lift, capture)
	}
}

func TestStratifiedKFold(t *testing.T) {
	y := make([]float64, 103)
	for i := 0; i < 31; i++ {
		y[i*3] = 1
	}
	folds := StratifiedKFold(y, 5, rand.NewPCG(1, 1))
	seen := map[int]bool{}
	for _, f := range folds {
		var pos int
		for _, i := range f {
			if seen[i] {
				t.Fatalf("row %d in two folds", i)
			}
			seen[i] = true
			pos += int(y[i])
		}
		if len(f) < 20 || len(f) > 21 || pos < 6 || pos > 7 {
			t.Errorf("fold size %d positives %d", len(f), pos)
		}
	}
	if len(seen) != 103 {
		t.Errorf("%d rows assigned", len(seen))
	}
	again := StratifiedKFold(y, 5, rand.NewPCG(1, 1))
	if folds[2][0] != again[2][0] {
		t.Error("same seed gave different folds")
	}
}
