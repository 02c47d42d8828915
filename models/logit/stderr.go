package logit

import (
	"fmt"
	"math"
	"sync"

	"gonum.org/v1/gonum/mat"
)

// stdErrors sets res.InterceptSE and res.StdErr from the inverse of the
// penalised Hessian H = [1 X]'W[1 X] + diag(0, lambda, ..., lambda) of the
// unscaled objective, W = diag(w_i p_i (1-p_i)), restricted to the active
// columns. The upper triangle is accumulated per row block in parallel.
func stdErrors(res *Result, x []float64, n, p int, w []float64, active []bool, lambda float64, workers int) {
	// idx maps Hessian positions to coefficient positions (0 = intercept).
	idx := []int{0}
	for j, a := range active {
		if a {
			idx = append(idx, j+1)
		}
	}
	q := len(idx)
	beta := append([]float64{res.Intercept}, res.Coef...)
	parts := make([][]float64, workers)
	chunk := (n + workers - 1) / workers
	var wg sync.WaitGroup
	for k := range parts {
		parts[k] = make([]float64, q*q)
		wg.Add(1)
		go func(h []float64, lo, hi int) {
			defer wg.Done()
			z := make([]float64, q)
			for i := lo; i < hi; i++ {
				row := x[i*p : i*p+p]
				eta := beta[0]
				for j, v := range row {
					eta += v * beta[j+1]
				}
				pr := sigmoid(eta)
				wi := w[i] * pr * (1 - pr)
				if wi == 0 {
					continue
				}
				z[0] = 1
				for a := 1; a < q; a++ {
					z[a] = row[idx[a]-1]
				}
				for a := 0; a < q; a++ {
					wa := wi * z[a]
					ha := h[a*q : a*q+q]
					for b := a; b < q; b++ {
						ha[b] += wa * z[b]
					}
				}
			}
		}(parts[k], k*chunk, min(n, (k+1)*chunk))
	}
	wg.Wait()
	h := mat.NewSymDense(q, nil)
	for a := 0; a < q; a++ {
		for b := a; b < q; b++ {
			var s float64
			for _, part := range parts {
				s += part[a*q+b]
			}
			if a == b && a > 0 {
				s += lambda
			}
			h.SetSym(a, b, s)
		}
	}
	var chol mat.Cholesky
	if !chol.Factorize(h) {
		res.Notes = append(res.Notes, "Hessian X'WX (+ penalty) is singular: collinear columns or separation; standard errors are NaN")
		return
	}
	var inv mat.SymDense
	if err := chol.InverseTo(&inv); err != nil {
		res.Notes = append(res.Notes, fmt.Sprintf("Hessian inversion failed (%v); standard errors are NaN", err))
		return
	}
	if c := chol.Cond(); c > 1e12 {
		res.Notes = append(res.Notes, fmt.Sprintf("Hessian is ill-conditioned (condition number %.2g): nearly collinear columns; standard errors are unreliable", c))
	}
	for a, j := range idx {
		se := math.Sqrt(inv.At(a, a))
		if j == 0 {
			res.InterceptSE = se
		} else {
			res.StdErr[j-1] = se
		}
	}
}
