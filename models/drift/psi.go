// Package drift measures how far the distribution of a variable moved
// between two samples, for the nightly monitoring of features and scores.
package drift

import (
	"math"
	"sort"
)

// DefaultFloor is the share given to a bin that one of the samples leaves
// empty, so that the index stays finite.
const DefaultFloor = 1e-4

// PSIResult is the population stability index of one variable with the
// bins it was computed on.
type PSIResult struct {
	// PSI is sum over bins of (a - e) * ln(a / e).
	PSI float64
	// Edges are the upper bounds of all bins but the last, ascending and
	// distinct: bin i holds e[i-1] < x <= e[i].
	Edges []float64
	// Expected and Actual are the (floored) shares per bin.
	Expected, Actual []float64
	// N and M count the finite values of expected and actual.
	N, M int
}

// PSI returns the population stability index of actual against expected
// (Siddiqi 2006, Credit Risk Scorecards, ch. 8; Yurdakul 2018, "Statistical
// properties of the population stability index"):
//
//	PSI = sum_i (a_i - e_i) * ln(a_i / e_i)
//
// where e_i and a_i are the shares of the expected and the actual values in
// bin i. The bins are the quantile bins of expected: edges at its k/bins
// quantiles, k = 1..bins-1 (the lower order statistic), with repeated edges
// merged, so a variable with many ties (a frequency that is mostly 0) gets
// fewer, wider bins. Shares below floor are raised to floor (floor <= 0
// means DefaultFloor) so that empty bins give a large but finite index.
// NaN and infinite values are ignored in both samples. The index is 0 for
// identical distributions; values above 0.25 usually mean a major shift.
//
// PSI panics if bins < 1. The result's PSI is NaN when either sample has no
// finite value.
func PSI(expected, actual []float64, bins int, floor float64) PSIResult {
	if bins < 1 {
		panic("drift: PSI needs at least one bin")
	}
	if floor <= 0 {
		floor = DefaultFloor
	}
	e, a := finiteSorted(expected), finiteSorted(actual)
	r := PSIResult{N: len(e), M: len(a)}
	if len(e) == 0 || len(a) == 0 {
		r.PSI = math.NaN()
		return r
	}
	for k := 1; k < bins; k++ {
		// Lower order statistic of the k/bins quantile.
		i := int(math.Ceil(float64(k)*float64(len(e))/float64(bins))) - 1
		q := e[max(i, 0)]
		if len(r.Edges) == 0 || q > r.Edges[len(r.Edges)-1] {
			r.Edges = append(r.Edges, q)
		}
	}
	// The last edge must leave values above it, or its bin is the top one.
	if n := len(r.Edges); n > 0 && r.Edges[n-1] >= e[len(e)-1] {
		r.Edges = r.Edges[:n-1]
	}
	r.Expected = shares(e, r.Edges, floor)
	r.Actual = shares(a, r.Edges, floor)
	for i := range r.Expected {
		ei, ai := r.Expected[i], r.Actual[i]
		r.PSI += (ai - ei) * math.Log(ai/ei)
	}
	return r
}

func finiteSorted(x []float64) []float64 {
	out := make([]float64, 0, len(x))
	for _, v := range x {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			out = append(out, v)
		}
	}
	sort.Float64s(out)
	return out
}

// shares counts sorted x into the bins given by edges and returns the
// floored shares.
func shares(x, edges []float64, floor float64) []float64 {
	out := make([]float64, len(edges)+1)
	lo := 0
	for i, edge := range edges {
		hi := sort.Search(len(x), func(j int) bool { return x[j] > edge })
		out[i] = float64(hi - lo)
		lo = hi
	}
	out[len(edges)] = float64(len(x) - lo)
	for i := range out {
		out[i] = max(out[i]/float64(len(x)), floor)
	}
	return out
}
