package logit

import (
	"math"
	"runtime"
	"sync"
)

// objective evaluates the scaled scikit-learn objective
//
//	f(b0, b) = [sum_i w_i * logloss_i + ||b||^2/(2C)] / sum_i w_i
//
// and its gradient in one pass over the rows, split into contiguous row
// blocks handled by separate goroutines. The last evaluated point is cached
// because gonum's optimisers ask for Func and Grad at the same x separately.
type objective struct {
	x       []float64 // row-major n x p
	n, p    int
	y, w    []float64 // labels 0/1 and weights (never nil)
	active  []bool    // columns taken into the fit; others fixed at 0
	lambda  float64   // 1/C
	wsum    float64
	workers int

	lastX    []float64
	lastF    float64
	lastGrad []float64
	parts    []partial
}

type partial struct {
	f    float64
	grad []float64
}

func newObjective(x []float64, n, p int, y, w []float64, active []bool, lambda float64, workers int) *objective {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, n/2048+1))
	o := &objective{x: x, n: n, p: p, y: y, w: w, active: active, lambda: lambda, workers: workers}
	for _, v := range w {
		o.wsum += v
	}
	o.parts = make([]partial, workers)
	for i := range o.parts {
		// Pad each accumulator by a cache line on both sides: the workers
		// write their gradients for every row, and sharing a line between
		// them (false sharing) slows the pass several-fold.
		buf := make([]float64, p+1+16)
		o.parts[i].grad = buf[8 : 8+p+1 : 8+p+1]
	}
	o.lastGrad = make([]float64, p+1)
	return o
}

// eval returns f at beta (beta[0] is the intercept) and fills o.lastGrad.
func (o *objective) eval(beta []float64) float64 {
	if o.lastX != nil && equal(o.lastX, beta) {
		return o.lastF
	}
	var wg sync.WaitGroup
	chunk := (o.n + o.workers - 1) / o.workers
	for k := 0; k < o.workers; k++ {
		lo, hi := k*chunk, min(o.n, (k+1)*chunk)
		wg.Add(1)
		go func(part *partial, lo, hi int) {
			defer wg.Done()
			part.f = o.block(beta, lo, hi, part.grad)
		}(&o.parts[k], lo, hi)
	}
	wg.Wait()
	g := o.lastGrad
	for j := range g {
		g[j] = 0
	}
	var f float64
	for _, part := range o.parts {
		f += part.f
		for j, v := range part.grad {
			g[j] += v
		}
	}
	for j := 1; j <= o.p; j++ {
		if !o.active[j-1] {
			g[j] = 0
			continue
		}
		f += 0.5 * o.lambda * beta[j] * beta[j]
		g[j] += o.lambda * beta[j]
	}
	inv := 1 / o.wsum
	f *= inv
	for j := range g {
		g[j] *= inv
	}
	o.lastX = append(o.lastX[:0], beta...)
	o.lastF = f
	return f
}

// block accumulates the weighted log-loss of rows lo..hi-1 and its gradient
// into grad (length p+1, intercept first).
func (o *objective) block(beta []float64, lo, hi int, grad []float64) float64 {
	for j := range grad {
		grad[j] = 0
	}
	p := o.p
	b0, b := beta[0], beta[1:p+1]
	gb := grad[1 : p+1]
	var f, g0 float64
	for i := lo; i < hi; i++ {
		row := o.x[i*p : i*p+p]
		eta := b0
		for j, v := range row {
			eta += v * b[j]
		}
		w := o.w[i]
		if w == 0 {
			continue
		}
		// Stable log(1+exp(eta)) - y*eta and sigmoid from one exp.
		e := math.Exp(-math.Abs(eta))
		var prob float64
		if eta >= 0 {
			prob = 1 / (1 + e)
			f += w * (math.Log1p(e) + eta - o.y[i]*eta)
		} else {
			prob = e / (1 + e)
			f += w * (math.Log1p(e) - o.y[i]*eta)
		}
		r := w * (prob - o.y[i])
		g0 += r
		for j, v := range row {
			gb[j] += r * v
		}
	}
	grad[0] = g0
	return f
}

func equal(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// sigmoid returns 1/(1+exp(-eta)) without overflow.
func sigmoid(eta float64) float64 {
	if eta >= 0 {
		return 1 / (1 + math.Exp(-eta))
	}
	e := math.Exp(eta)
	return e / (1 + e)
}
