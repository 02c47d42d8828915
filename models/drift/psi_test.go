package drift

import (
	"math"
	"math/rand/v2"
	"testing"
)

func seq(lo, hi int) []float64 {
	var out []float64
	for v := lo; v <= hi; v++ {
		out = append(out, float64(v))
	}
	return out
}

// The expected values are hand computations of sum (a-e) ln(a/e) over the
// bins the docs describe.
func TestPSI(t *testing.T) {
	tests := []struct {
		name             string
		expected, actual []float64
		bins             int
		want             float64
		wantBins         int
	}{
		{"identical", seq(1, 100), seq(1, 100), 10, 0, 10},
		// Deciles of 1..10 are 1..9: ten bins of one value. Half the actual
		// values fall in bin 1, half in bin 2, eight bins are empty (1e-4).
		{"two bins", seq(1, 10), []float64{1, 1, 1, 1, 1, 2, 2, 2, 2, 2}, 10,
			2*(0.5-0.1)*math.Log(0.5/0.1) + 8*(1e-4-0.1)*math.Log(1e-4/0.1), 10},
		// Ties: the 0.1..0.7 quantiles of 70% zeros are all 0 and merge
		// into one bin (-inf, 0]; the 0.8 and 0.9 quantiles are 1 and 2, so
		// the bins are (-inf,0], (0,1], (1,2], (2,inf).
		{"ties merge bins", []float64{0, 0, 0, 0, 0, 0, 0, 1, 2, 3}, []float64{0, 0, 0, 0, 0, 1, 1, 2, 2, 3}, 10,
			(0.5-0.7)*math.Log(0.5/0.7) + 2*(0.2-0.1)*math.Log(0.2/0.1), 4},
		{"nan ignored", []float64{1, 2, math.NaN(), 3, 4}, []float64{math.Inf(1), 1, 2, 3, 4}, 4, 0, 4},
		{"one bin", seq(1, 10), seq(20, 30), 1, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := PSI(tt.expected, tt.actual, tt.bins, 0)
			if math.Abs(r.PSI-tt.want) > 1e-12 {
				t.Errorf("PSI = %.15g, want %.15g (edges %v, e %v, a %v)", r.PSI, tt.want, r.Edges, r.Expected, r.Actual)
			}
			if len(r.Expected) != tt.wantBins {
				t.Errorf("%d bins (edges %v), want %d", len(r.Expected), r.Edges, tt.wantBins)
			}
		})
	}
}

// Two samples of one distribution give a small index; doubling the values
// of a lognormal gives a large one.
func TestPSISamples(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	a, b, c := make([]float64, 5000), make([]float64, 5000), make([]float64, 5000)
	for i := range a {
		a[i] = math.Exp(rng.NormFloat64())
		b[i] = math.Exp(rng.NormFloat64())
		c[i] = 2 * b[i]
	}
	if p := PSI(a, b, 10, 0).PSI; p > 0.02 {
		t.Errorf("same distribution: PSI %g, want < 0.02", p)
	}
	if p := PSI(a, c, 10, 0).PSI; p < 0.25 {
		t.Errorf("doubled: PSI %g, want > 0.25", p)
	}
	if p := PSI(nil, b, 10, 0).PSI; !math.IsNaN(p) {
		t.Errorf("empty expected: PSI %g, want NaN", p)
	}
}
