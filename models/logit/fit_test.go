package logit

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"
)

// simulate draws n rows of p standard-normal features and labels from a
// logistic model with intercept b0 and coefficients b (seeded).
func simulate(n int, b0 float64, b []float64, seed uint64) (*mat.Dense, []float64) {
	src := rand.NewPCG(seed, seed+1)
	norm := distuv.Normal{Mu: 0, Sigma: 1, Src: src}
	rng := rand.New(src)
	p := len(b)
	x := mat.NewDense(n, p, nil)
	y := make([]float64, n)
	raw := x.RawMatrix().Data
	for i := 0; i < n; i++ {
		eta := b0
		for j := 0; j < p; j++ {
			v := norm.Rand()
			raw[i*p+j] = v
			eta += v * b[j]
		}
		if rng.Float64() < sigmoid(eta) {
			y[i] = 1
		}
	}
	return x, y
}

// TestSyntheticRecovery: with weak regularisation the estimates lie within
// two standard errors (inverse X'WX + I/C) of the true coefficients.
func TestSyntheticRecovery(t *testing.T) {
	b := []float64{1.0, -0.5, 0.25, 0, 2.0, -1.5}
	b0 := -0.7
	x, y := simulate(20000, b0, b, 42)
	res, err := Fit(Problem{X: x, Y: y}, &Settings{C: 1e4})
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	if d := math.Abs(res.Intercept - b0); d > 2*res.InterceptSE {
		t.Errorf("intercept %.4f, true %.4f, se %.4f", res.Intercept, b0, res.InterceptSE)
	}
	for j := range b {
		t.Logf("%s: %.4f (se %.4f) true %.2f", res.Names[j], res.Coef[j], res.StdErr[j], b[j])
		if d := math.Abs(res.Coef[j] - b[j]); d > 2*res.StdErr[j] {
			t.Errorf("%s: |%.4f - %.2f| > 2 se (%.4f)", res.Names[j], res.Coef[j], b[j], res.StdErr[j])
		}
	}
}

// TestStationarity checks the fit against the scikit-learn objective's
// first-order condition sum_i w_i (p_i - y_i) x_i + beta/C = 0 (intercept
// unpenalised), with class weights "balanced" and sample weights.
func TestStationarity(t *testing.T) {
	x, y := simulate(3000, 0.5, []float64{0.8, -1.2, 0.3}, 7)
	sw := make([]float64, len(y))
	for i := range sw {
		sw[i] = 0.5 + float64(i%3)
	}
	for _, set := range []*Settings{{C: 0.05}, {C: 1, ClassWeight: Balanced}, {C: 10}} {
		res, err := Fit(Problem{X: x, Y: y, Weights: sw}, set)
		if err != nil {
			t.Fatal(err)
		}
		w, _ := weights(y, sw, set.ClassWeight)
		pr := res.Predict(x, nil)
		n, p := x.Dims()
		g := make([]float64, p+1)
		var wsum float64
		for i := 0; i < n; i++ {
			r := w[i] * (pr[i] - y[i])
			g[0] += r
			for j := 0; j < p; j++ {
				g[j+1] += r * x.At(i, j)
			}
			wsum += w[i]
		}
		for j := 1; j <= p; j++ {
			g[j] += res.Coef[j-1] / set.C
		}
		for j, v := range g {
			if math.Abs(v/wsum) > 1e-6 {
				t.Errorf("C=%v %v: gradient[%d]/sum(w) = %g", set.C, set.ClassWeight, j, v/wsum)
			}
		}
	}
}

// TestGradient compares the analytic gradient with central differences.
func TestGradient(t *testing.T) {
	x, y := simulate(500, 0.2, []float64{0.5, -1, 2}, 3)
	w, _ := weights(y, nil, Unweighted)
	o := newObjective(contiguous(x), 500, 3, y, w, []bool{true, true, true}, 0.7, 2)
	beta := []float64{0.1, -0.3, 0.4, 1.1}
	o.eval(beta)
	g := append([]float64(nil), o.lastGrad...)
	for j := range beta {
		h := 1e-6
		bp := append([]float64(nil), beta...)
		bm := append([]float64(nil), beta...)
		bp[j] += h
		bm[j] -= h
		fd := (o.eval(bp) - o.eval(bm)) / (2 * h)
		if math.Abs(fd-g[j]) > 1e-6 {
			t.Errorf("grad[%d] = %v; finite difference %v", j, g[j], fd)
		}
	}
}

// TestDegenerate: clear errors or documented handling, never NaN.
func TestDegenerate(t *testing.T) {
	x, y := simulate(400, 0, []float64{1, -1}, 5)
	ones := make([]float64, 400)
	for i := range ones {
		ones[i] = 1
	}
	nanY := append([]float64(nil), y...)
	nanY[3] = math.NaN()
	for _, tc := range []struct {
		name string
		p    Problem
		want string
	}{
		{"one class", Problem{X: x, Y: ones}, "only one class"},
		{"NaN label", Problem{X: x, Y: nanY}, "labels must be 0 or 1"},
		{"zero rows", Problem{}, "no rows"},
		{"empty feature set", Problem{Y: y}, "empty feature set"},
	} {
		_, err := Fit(tc.p, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "logit: ") {
			t.Errorf("%s: err = %v; want %q", tc.name, err, tc.want)
		}
	}
	if _, err := NewEncoder(nil, nil); err == nil {
		t.Error("NewEncoder(nil): want an error")
	}
	if _, err := NewEncoder([]Column{{Name: "a", Numeric: []float64{}}}, nil); err != ErrNoRows {
		t.Errorf("NewEncoder zero rows: %v", err)
	}

	// Constant and collinear columns.
	n := 400
	xc := mat.NewDense(n, 4, nil)
	for i := 0; i < n; i++ {
		xc.Set(i, 0, x.At(i, 0))
		xc.Set(i, 1, x.At(i, 1))
		xc.Set(i, 2, 3)            // constant
		xc.Set(i, 3, 2*x.At(i, 0)) // collinear with column 0
	}
	res, err := Fit(Problem{X: xc, Y: y}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Coef[2] != 0 || !strings.Contains(strings.Join(res.Notes, ";"), "x2: constant") {
		t.Errorf("constant column: coef %v notes %q", res.Coef[2], res.Notes)
	}
	if err := res.Err(); err != nil || hasNaN(res.Coef) || hasNaN(res.StdErr[:2]) {
		t.Errorf("collinear with L2: err %v coef %v se %v", err, res.Coef, res.StdErr)
	}
	un, err := Fit(Problem{X: xc, Y: y}, &Settings{C: math.Inf(1)})
	if err != nil {
		t.Fatal(err)
	}
	if hasNaN(un.Coef) || !strings.Contains(strings.Join(un.Notes, ";"), "singular") &&
		!strings.Contains(strings.Join(un.Notes, ";"), "ill-conditioned") {
		t.Errorf("collinear unpenalised: coef %v notes %q", un.Coef, un.Notes)
	}

	// Perfect separation: L2 stays finite; unpenalised reports it.
	ys := make([]float64, n)
	for i := range ys {
		if x.At(i, 0) > 0 {
			ys[i] = 1
		}
	}
	l2, err := Fit(Problem{X: x, Y: ys}, nil)
	if err != nil || l2.Err() != nil || hasNaN(l2.Coef) || l2.Separated {
		t.Errorf("separable, C=1: err %v %v coef %v", err, l2.Err(), l2.Coef)
	}
	free, err := Fit(Problem{X: x, Y: ys}, &Settings{C: math.Inf(1)})
	if err != nil || free.Err() == nil || !free.Separated || hasNaN(free.Coef) {
		t.Errorf("separable, unpenalised: err %v, Err() %v, separated %v, coef %v", err, free.Err(), free.Separated, free.Coef)
	}
}

func hasNaN(v []float64) bool {
	for _, x := range v {
		if math.IsNaN(x) {
			return true
		}
	}
	return false
}
