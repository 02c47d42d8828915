package logit

import (
	"fmt"
	"runtime"
	"sort"
	"sync"

	"gonum.org/v1/gonum/mat"
)

// Predict stores in dst the probabilities P(y=1 | x) for the rows of x and
// returns it; if dst is nil a new slice is allocated. Rows are scored in
// parallel over row blocks. Predict panics if x does not have len(r.Coef)
// columns or dst has the wrong length.
func (r *Result) Predict(x *mat.Dense, dst []float64) []float64 {
	n, p := x.Dims()
	if p != len(r.Coef) {
		panic(fmt.Sprintf("logit: x has %d columns; the model has %d", p, len(r.Coef)))
	}
	if dst == nil {
		dst = make([]float64, n)
	}
	if len(dst) != n {
		panic("logit: dst length does not match the rows of x")
	}
	raw := x.RawMatrix()
	workers := max(1, min(runtime.GOMAXPROCS(0), n/4096+1))
	chunk := (n + workers - 1) / workers
	var wg sync.WaitGroup
	for k := 0; k < workers; k++ {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				row := raw.Data[i*raw.Stride : i*raw.Stride+p]
				eta := r.Intercept
				for j, v := range row {
					eta += v * r.Coef[j]
				}
				dst[i] = sigmoid(eta)
			}
		}(k*chunk, min(n, (k+1)*chunk))
	}
	wg.Wait()
	return dst
}

// Contribution is one term coef_j * x_j of a row's linear predictor.
type Contribution struct {
	// Name is the encoded column's name in the user's terms, e.g.
	// "Contract=Two year" or "tenure".
	Name string
	// Value is coef_j * x_j, the change in log-odds relative to an average
	// row (x_j = 0 on the standardised scale).
	Value float64
}

// Explanation lists the largest contributions of one row.
type Explanation struct {
	// Positive holds up to K contributions > 0, largest first; they raise
	// the predicted probability.
	Positive []Contribution
	// Negative holds up to K contributions < 0, most negative first.
	Negative []Contribution
}

// Explain returns the top k positive and top k negative contributions
// coef_j * x_j of row (an encoded, standardised row of len(r.Coef)).
func (r *Result) Explain(row []float64, k int) Explanation {
	if len(row) != len(r.Coef) {
		panic(fmt.Sprintf("logit: row has %d values; the model has %d", len(row), len(r.Coef)))
	}
	var pos, neg []Contribution
	for j, v := range row {
		c := r.Coef[j] * v
		switch {
		case c > 0:
			pos = append(pos, Contribution{r.Names[j], c})
		case c < 0:
			neg = append(neg, Contribution{r.Names[j], c})
		}
	}
	sort.SliceStable(pos, func(a, b int) bool { return pos[a].Value > pos[b].Value })
	sort.SliceStable(neg, func(a, b int) bool { return neg[a].Value < neg[b].Value })
	return Explanation{Positive: pos[:min(k, len(pos))], Negative: neg[:min(k, len(neg))]}
}
