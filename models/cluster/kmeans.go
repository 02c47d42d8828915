package cluster

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
)

// Settings configures KMeans and ChooseK. A nil *Settings means defaults;
// every zero field means its default.
type Settings struct {
	// Src is the source of all randomness. Nil means rand.NewPCG(1, 2), so
	// runs are reproducible by default.
	Src rand.Source
	// Restarts is the number of k-means++ seedings, each followed by Lloyd
	// iterations; the run with the least inertia wins. Zero means 10.
	Restarts int
	// MaxIter bounds the Lloyd iterations of each restart. Zero means 100.
	MaxIter int
	// Tol stops Lloyd iterations when the inertia decreases by no more
	// than Tol times its previous value. Zero means 1e-6.
	Tol float64
	// SampleSize is the number of rows, drawn without replacement, on which
	// restarts and the choice of k run when there are more rows. Zero
	// means 20,000; negative means always use all rows.
	SampleSize int
	// FullIter bounds the Lloyd iterations over all rows that start from
	// the best sample centroids. Zero means 20; negative means none: the
	// sample centroids are kept and every row is assigned once.
	FullIter int
	// SilhouetteSize is the largest number of fit-sample rows on which
	// ChooseK computes the mean silhouette. Zero means 5,000.
	SilhouetteSize int
	// Workers is the number of goroutines. Zero means GOMAXPROCS. Results
	// do not depend on it.
	Workers int
}

// withDefaults returns a copy of s with zero fields replaced.
func (s *Settings) withDefaults() Settings {
	var c Settings
	if s != nil {
		c = *s
	}
	if c.Src == nil {
		c.Src = rand.NewPCG(1, 2)
	}
	if c.Restarts <= 0 {
		c.Restarts = 10
	}
	if c.MaxIter <= 0 {
		c.MaxIter = 100
	}
	if c.Tol <= 0 {
		c.Tol = 1e-6
	}
	if c.SampleSize == 0 {
		c.SampleSize = 20000
	}
	if c.FullIter == 0 {
		c.FullIter = 20
	}
	if c.SilhouetteSize <= 0 {
		c.SilhouetteSize = 5000
	}
	if c.Workers <= 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	return c
}

// Result is a k-means clustering of all rows.
type Result struct {
	// K is the number of clusters.
	K int
	// Centroids is the k x d row-major matrix of cluster centres.
	Centroids []float64
	// Labels holds each row's cluster in 0..K-1, its nearest centroid.
	Labels []int
	// Sizes holds the number of rows in each cluster.
	Sizes []int
	// Inertia is the sum over all rows of the squared distance to their
	// centroid.
	Inertia float64
	// Iterations is the number of Lloyd iterations over all rows (or over
	// the winning restart when all rows were the sample).
	Iterations int
	// Converged reports whether the last Lloyd run met Tol within its
	// iteration bound. It is true when FullIter is negative.
	Converged bool
	// Sampled is the number of rows the restarts ran on.
	Sampled int
}

// ErrTooFewRows is returned when there are fewer distinct rows than
// clusters requested.
var ErrTooFewRows = errors.New("cluster: fewer rows than clusters")

// KMeans clusters the rows of the row-major matrix x with d columns into k
// clusters; see the package documentation for the algorithm and sampling.
// It panics if d < 1, k < 1 or len(x) is not a multiple of d, and returns
// ErrTooFewRows if there are fewer rows than k.
func KMeans(x []float64, d, k int, s *Settings) (*Result, error) {
	n := rows(x, d)
	if k < 1 {
		panic("cluster: k must be positive")
	}
	if n < k {
		return nil, fmt.Errorf("%w: %d rows, k = %d", ErrTooFewRows, n, k)
	}
	set := s.withDefaults()
	rng := rand.New(set.Src)
	sample, m := drawSample(x, n, d, set.SampleSize, rng)
	fit := fitSample(sample, m, d, k, &set, rng)
	return refine(x, n, d, k, fit, m, &set), nil
}

// drawSample returns size rows of x drawn without replacement by a partial
// Fisher-Yates shuffle, or x itself if size < 0 or size >= n.
func drawSample(x []float64, n, d, size int, rng *rand.Rand) ([]float64, int) {
	if size < 0 || size >= n {
		return x, n
	}
	idx := make([]int32, n)
	for i := range idx {
		idx[i] = int32(i)
	}
	out := make([]float64, 0, size*d)
	for i := 0; i < size; i++ {
		j := i + rng.IntN(n-i)
		idx[i], idx[j] = idx[j], idx[i]
		r := int(idx[i])
		out = append(out, x[r*d:(r+1)*d]...)
	}
	return out, size
}

// fit is one k-means run on the sample.
type fit struct {
	cent      []float64
	inertia   float64
	iters     int
	converged bool
}

// fitSample runs set.Restarts seeded k-means runs on the m-row sample in
// parallel and returns the best. Restart r uses its own PCG stream seeded
// from rng before any run starts, so the outcome does not depend on
// scheduling; ties in inertia go to the lower restart.
func fitSample(sample []float64, m, d, k int, set *Settings, rng *rand.Rand) fit {
	seeds := make([]uint64, set.Restarts)
	for i := range seeds {
		seeds[i] = rng.Uint64()
	}
	fits := make([]fit, set.Restarts)
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(set.Workers, set.Restarts); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			labels := make([]int, m)
			for r := range jobs {
				rr := rand.New(rand.NewPCG(seeds[r], uint64(r)))
				f := fit{cent: seedPlusPlus(sample, m, d, k, rr)}
				f.inertia, f.iters, f.converged = lloyd(sample, m, d, k, f.cent, labels, set.MaxIter, set.Tol, 1)
				fits[r] = f
			}
		}()
	}
	for r := range seeds {
		jobs <- r
	}
	close(jobs)
	wg.Wait()
	best := 0
	for r := range fits {
		if fits[r].inertia < fits[best].inertia {
			best = r
		}
	}
	return fits[best]
}

// refine runs the full-data phase from the best sample fit f.
func refine(x []float64, n, d, k int, f fit, sampled int, set *Settings) *Result {
	c := append([]float64(nil), f.cent...)
	labels := make([]int, n)
	iters := set.FullIter
	if iters < 0 || sampled == n {
		iters = 0 // keep the centroids; one assignment pass
	}
	inertia, it, conv := lloyd(x, n, d, k, c, labels, iters, set.Tol, set.Workers)
	switch {
	case sampled == n:
		it, conv = f.iters, f.converged
	case iters == 0:
		conv = true
	}
	sizes := make([]int, k)
	for _, l := range labels {
		sizes[l]++
	}
	return &Result{K: k, Centroids: c, Labels: labels, Sizes: sizes, Inertia: inertia,
		Iterations: it, Converged: conv, Sampled: sampled}
}

// seedPlusPlus picks k initial centroids by k-means++: the first row
// uniformly, each next row with probability proportional to its squared
// distance to the nearest centroid chosen so far.
func seedPlusPlus(x []float64, n, d, k int, rng *rand.Rand) []float64 {
	cent := make([]float64, 0, k*d)
	first := rng.IntN(n)
	cent = append(cent, x[first*d:(first+1)*d]...)
	dist := make([]float64, n)
	for i := range dist {
		dist[i] = sqDist(x[i*d:(i+1)*d], cent[:d])
	}
	for c := 1; c < k; c++ {
		total := 0.0
		for _, v := range dist {
			total += v
		}
		pick := 0
		if total > 0 {
			u := rng.Float64() * total
			for pick = 0; pick < n-1; pick++ {
				u -= dist[pick]
				if u < 0 {
					break
				}
			}
		} else {
			pick = rng.IntN(n) // all rows coincide with centroids
		}
		row := x[pick*d : (pick+1)*d]
		cent = append(cent, row...)
		for i := range dist {
			dist[i] = math.Min(dist[i], sqDist(x[i*d:(i+1)*d], row))
		}
	}
	return cent
}

// sqDist is the squared Euclidean distance between a and b.
func sqDist(a, b []float64) float64 {
	s := 0.0
	for j, v := range a {
		dv := v - b[j]
		s += dv * dv
	}
	return s
}
