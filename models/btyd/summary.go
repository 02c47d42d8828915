package btyd

import (
	"fmt"
	"math"
)

// summary is a deduplicated recency-frequency summary: one row per distinct
// (x, t_x, T) with the total weight of the customers sharing it, plus tables
// of the distinct values of x, t_x and T so that per-evaluation quantities
// (lgamma of r+x, log(alpha+T), ...) are computed once per distinct value.
type summary struct {
	x, tx, T, w []float64 // one entry per distinct row
	xi, ti, Ti  []int32   // indices of the row's x, t_x and T in xv, tv, Tv
	xv, tv, Tv  []float64 // distinct values
	n           float64   // total weight
}

type rowKey struct{ x, tx, T float64 }

// newSummary validates and deduplicates the customers. It panics on
// mismatched lengths and returns an error naming the first invalid customer.
func newSummary(frequency, recency, T, weights []float64) (*summary, error) {
	if len(recency) != len(frequency) || len(T) != len(frequency) {
		panic("btyd: frequency, recency and T have different lengths")
	}
	if weights != nil && len(weights) != len(frequency) {
		panic("btyd: weights and frequency have different lengths")
	}
	s := &summary{}
	rows := make(map[rowKey]int32, len(frequency)/4+16)
	xs := make(map[float64]int32)
	ts := make(map[float64]int32)
	Ts := make(map[float64]int32)
	index := func(m map[float64]int32, v float64, vals *[]float64) int32 {
		i, ok := m[v]
		if !ok {
			i = int32(len(*vals))
			m[v] = i
			*vals = append(*vals, v)
		}
		return i
	}
	for i, x := range frequency {
		tx, t := recency[i], T[i]
		w := 1.0
		if weights != nil {
			w = weights[i]
		}
		if err := checkCustomer(i, x, tx, t, w); err != nil {
			return nil, err
		}
		if w == 0 {
			continue
		}
		if x == 0 {
			tx = 0 // recency carries no information without repeat purchases
		}
		k := rowKey{x, tx, t}
		j, ok := rows[k]
		if !ok {
			j = int32(len(s.x))
			rows[k] = j
			s.x = append(s.x, x)
			s.tx = append(s.tx, tx)
			s.T = append(s.T, t)
			s.w = append(s.w, 0)
			s.xi = append(s.xi, index(xs, x, &s.xv))
			s.ti = append(s.ti, index(ts, tx, &s.tv))
			s.Ti = append(s.Ti, index(Ts, t, &s.Tv))
		}
		s.w[j] += w
		s.n += w
	}
	if len(s.x) == 0 {
		return nil, fmt.Errorf("btyd: no customers with positive weight to fit")
	}
	return s, nil
}

func checkCustomer(i int, x, tx, T, w float64) error {
	bad := func(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) || v < 0 }
	switch {
	case bad(x) || bad(tx) || bad(T) || bad(w):
		return fmt.Errorf("btyd: customer %d: frequency %v, recency %v, T %v, weight %v must be finite and non-negative", i, x, tx, T, w)
	case tx > T:
		return fmt.Errorf("btyd: customer %d: recency %v exceeds T %v; recency and T must be measured to the same calibration end", i, tx, T)
	}
	return nil
}

// meanRate returns sum(w x) / sum(w T), a rough purchase rate used for
// starting values.
func (s *summary) meanRate() float64 {
	var sx, sT float64
	for i, w := range s.w {
		sx += w * s.x[i]
		sT += w * s.T[i]
	}
	if sT <= 0 || sx <= 0 {
		return 1
	}
	return sx / sT
}
