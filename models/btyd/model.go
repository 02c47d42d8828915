package btyd

import (
	"runtime"
	"sync"
)

// Model is a repeat-purchase model that the scoring pipeline can switch
// between. BGNBD and ParetoNBD implement it. All times are in the time unit
// the model was fitted in.
type Model interface {
	// Name returns the model's name, e.g. "BG/NBD".
	Name() string
	// Params returns the parameter names and values.
	Params() ([]string, []float64)
	// ProbabilityAlive returns P(alive | x, t_x, T).
	ProbabilityAlive(x, tx, T float64) float64
	// ConditionalExpectedPurchases returns E[Y(t) | x, t_x, T].
	ConditionalExpectedPurchases(t, x, tx, T float64) float64
	// ExpectedPurchases returns E[X(t)] for a new customer.
	ExpectedPurchases(t float64) float64
}

var (
	_ Model = BGNBD{}
	_ Model = ParetoNBD{}
)

// Score computes, for every customer, P(alive) and the expected number of
// purchases in the next t time units under m, writing into pAlive and
// expected (allocated if nil). Customers with identical (x, t_x, T) are
// scored once, and the work is spread over workers goroutines (zero means
// runtime.GOMAXPROCS(0)). It panics if the slice lengths differ.
func Score(m Model, t float64, frequency, recency, T, pAlive, expected []float64, workers int) ([]float64, []float64) {
	n := len(frequency)
	if len(recency) != n || len(T) != n {
		panic("btyd: frequency, recency and T have different lengths")
	}
	if pAlive == nil {
		pAlive = make([]float64, n)
	}
	if expected == nil {
		expected = make([]float64, n)
	}
	if len(pAlive) != n || len(expected) != n {
		panic("btyd: destination lengths differ from frequency")
	}
	mapDistinct(frequency, recency, T, workers, func(x, tx, T float64) [2]float64 {
		return [2]float64{m.ProbabilityAlive(x, tx, T), m.ConditionalExpectedPurchases(t, x, tx, T)}
	}, func(i int, v [2]float64) { pAlive[i], expected[i] = v[0], v[1] })
	return pAlive, expected
}

// mapDistinct evaluates f once per distinct (x, t_x, T) in parallel and calls
// put for every customer with its row's value.
func mapDistinct[V any](frequency, recency, T []float64, workers int, f func(x, tx, T float64) V, put func(i int, v V)) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	n := len(frequency)
	rows := make(map[rowKey]int32, n/4+16)
	idx := make([]int32, n)
	var keys []rowKey
	for i := range n {
		k := rowKey{frequency[i], recency[i], T[i]}
		j, ok := rows[k]
		if !ok {
			j = int32(len(keys))
			rows[k] = j
			keys = append(keys, k)
		}
		idx[i] = j
	}
	vals := make([]V, len(keys))
	parallelFor(len(keys), workers, func(lo, hi int) {
		for j := lo; j < hi; j++ {
			k := keys[j]
			vals[j] = f(k.x, k.tx, k.T)
		}
	})
	for i, j := range idx {
		put(i, vals[j])
	}
}

// parallelFor calls f on contiguous chunks of [0, n) from up to workers
// goroutines and waits for them.
func parallelFor(n, workers int, f func(lo, hi int)) {
	if workers > n/256+1 {
		workers = n/256 + 1
	}
	chunk := (n + workers - 1) / workers
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*chunk, min((w+1)*chunk, n)
		if lo >= hi {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(lo, hi)
		}()
	}
	wg.Wait()
}
