package clv

import (
	"math"
	"runtime"
	"sync"

	"github.com/crmbatch/crmbatch/models/btyd"
)

// scores are the per-buyer outputs of a purchase model: P(alive), expected
// purchases over the horizon, P(no purchase over the horizon), the expected
// time to the next purchase if alive (model units) and CLV.
type scores struct {
	alive, expected, none, next, clv []float64
}

// score evaluates the fitted model for every buyer. Without covariates the
// btyd scorers compute each distinct (x, t_x, T) once over all cores; with
// covariates the buyers are grouped by covariate pattern (customers with
// equal covariates share a model) and the patterns are scored in parallel.
func score(f *fitted, d *design, x, tx, T, spend []float64, horizon float64, set btyd.CLVSettings) scores {
	n := len(x)
	s := scores{alive: make([]float64, n), expected: make([]float64, n), none: make([]float64, n), next: make([]float64, n), clv: make([]float64, n)}
	if f.cov == nil {
		scoreGroup(f.model, nil, x, tx, T, spend, horizon, set, &s, 0)
		return s
	}
	pat, first := d.patterns(n)
	groups := make([][]int, len(first))
	for i, p := range pat {
		groups[p] = append(groups[p], i)
	}
	work := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range work {
				scoreGroup(f.customer(first[p], d), groups[p], x, tx, T, spend, horizon, set, &s, 1)
			}
		}()
	}
	for p := range groups {
		work <- p
	}
	close(work)
	wg.Wait()
	return s
}

// scoreGroup scores the buyers idx (all when nil) with model m into s.
func scoreGroup(m btyd.Model, idx []int, x, tx, T, spend []float64, horizon float64, set btyd.CLVSettings, s *scores, workers int) {
	gx, gtx, gT, gs := x, tx, T, spend
	if idx != nil {
		gx, gtx, gT, gs = pick4(idx, x, tx, T, spend)
	}
	alive, expected := btyd.Score(m, horizon, gx, gtx, gT, nil, nil, workers)
	clv := btyd.CLVs(m, gx, gtx, gT, gs, nil, set, workers)
	// Customers with the same (x, t_x, T) share these values: compute
	// each once.
	type key struct{ x, tx, T float64 }
	type pair struct{ none, next float64 }
	cache := make(map[key]pair, len(gx)/4+16)
	for k := range gx {
		kk := key{gx[k], gtx[k], gT[k]}
		v, ok := cache[kk]
		if !ok {
			v = pair{noPurchase(m, horizon, gx[k], gtx[k], gT[k]), nextPurchase(m, gx[k], gtx[k], gT[k])}
			cache[kk] = v
		}
		i := k
		if idx != nil {
			i = idx[k]
		}
		s.alive[i], s.expected[i], s.clv[i], s.none[i], s.next[i] = alive[k], expected[k], clv[k], v.none, v.next
	}
}

// pick4 returns the elements idx of four slices.
func pick4(idx []int, a, b, c, d []float64) ([]float64, []float64, []float64, []float64) {
	oa, ob, oc, od := make([]float64, len(idx)), make([]float64, len(idx)), make([]float64, len(idx)), make([]float64, len(idx))
	for k, i := range idx {
		oa[k], ob[k], oc[k], od[k] = a[i], b[i], c[i], d[i]
	}
	return oa, ob, oc, od
}

// noPurchase is P(no purchase in the next t | x, t_x, T), NaN for models
// without it (BG/BB).
func noPurchase(m btyd.Model, t, x, tx, T float64) float64 {
	switch mm := m.(type) {
	case btyd.BGNBD:
		return mm.ProbabilityNoPurchases(t, x, tx, T)
	case btyd.ParetoNBD:
		return mm.ProbabilityNoPurchases(t, x, tx, T)
	}
	return math.NaN()
}

// nextPurchase is the expected time to the next purchase of a customer who
// is alive, in model time units; NaN for models without it (BG/BB).
func nextPurchase(m btyd.Model, x, tx, T float64) float64 {
	switch mm := m.(type) {
	case btyd.BGNBD:
		return mm.ExpectedTimeToNextPurchase(x, tx, T)
	case btyd.ParetoNBD:
		return mm.ExpectedTimeToNextPurchase(x, tx, T)
	}
	return math.NaN()
}
