package rfm

import (
	"fmt"
	"math"
	"sort"
)

// Ntile returns, for each element of x, its bucket 1..n when x is sorted
// ascending and split into n buckets of as equal size as possible, exactly as
// SQL's ntile(n) OVER (ORDER BY x, rn) where rn is the element's index.
//
// With len(x) = q*n + r, the first r buckets hold q+1 elements and the rest
// hold q. Equal values are ordered by index, so ties can fall into adjacent
// buckets; this is what the SQL window function does and what makes the
// scores reproducible. If descending is true the order is ORDER BY x DESC,
// rn, so the largest values get bucket 1.
//
// Ntile panics if n < 1. It returns an error if x contains a NaN.
func Ntile(x []float64, n int, descending bool) ([]int, error) {
	if n < 1 {
		panic("rfm: ntile bucket count must be positive")
	}
	if i := firstNaN(x); i >= 0 {
		return nil, fmt.Errorf("rfm: value at index %d is NaN; drop or impute it before scoring", i)
	}
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		if descending {
			return x[idx[a]] > x[idx[b]]
		}
		return x[idx[a]] < x[idx[b]]
	})
	out := make([]int, len(x))
	q, r := len(x)/n, len(x)%n
	pos := 0
	for bucket := 1; bucket <= n; bucket++ {
		size := q
		if bucket <= r {
			size++
		}
		for j := 0; j < size; j++ {
			out[idx[pos]] = bucket
			pos++
		}
	}
	return out, nil
}

// Score holds one customer's recency, frequency and monetary scores, each
// in 1..5 where 5 is best.
type Score struct {
	R, F, M int
}

// FM returns the combined frequency-monetary score used by the R versus FM
// grid: the mean of F and M rounded half up, (F+M+1)/2 in integer
// arithmetic, which is (f + m + 1) // 2 in DuckDB.
func (s Score) FM() int {
	return (s.F + s.M + 1) / 2
}

// String returns the score as the usual three-digit code, for example "545".
func (s Score) String() string {
	return fmt.Sprintf("%d%d%d", s.R, s.F, s.M)
}

// Scores returns the RFM quintile scores of each customer. The three slices
// are per customer and must have equal length; Scores panics otherwise.
//
// R is ntile(5) over recency descending (most recent scores 5), F and M are
// ntile(5) over frequency and monetary ascending (largest scores 5). See the
// package documentation for the equivalent SQL. An error is returned if any
// input is NaN.
func Scores(recency, frequency, monetary []float64) ([]Score, error) {
	if len(recency) != len(frequency) || len(recency) != len(monetary) {
		panic("rfm: recency, frequency and monetary lengths differ")
	}
	for _, c := range []struct {
		name string
		x    []float64
	}{{"recency", recency}, {"frequency", frequency}, {"monetary", monetary}} {
		if i := firstNaN(c.x); i >= 0 {
			return nil, fmt.Errorf("rfm: %s of customer at index %d is NaN; drop or impute it before scoring", c.name, i)
		}
	}
	r, _ := Ntile(recency, 5, true)
	f, _ := Ntile(frequency, 5, false)
	m, _ := Ntile(monetary, 5, false)
	out := make([]Score, len(recency))
	for i := range out {
		out[i] = Score{R: r[i], F: f[i], M: m[i]}
	}
	return out, nil
}

// firstNaN returns the index of the first NaN in x, or -1.
func firstNaN(x []float64) int {
	for i, v := range x {
		if math.IsNaN(v) {
			return i
		}
	}
	return -1
}
