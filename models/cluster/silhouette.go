package cluster

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
)

// Silhouette returns the mean silhouette width of the labelled rows of the
// row-major matrix x with d columns (Rousseeuw 1987; scikit-learn's
// silhouette_score with the Euclidean metric). For row i in cluster C,
// a is the mean distance to the other rows of C, b the smallest mean
// distance to the rows of another cluster, and s = (b - a) / max(a, b);
// s = 0 for a row alone in its cluster. Labels must lie in 0..k-1.
//
// The cost is O(n² d); use a sample for large n, as ChooseK does. The
// result does not depend on workers, and workers <= 0 means one per row
// block on all CPUs. Silhouette returns NaN if fewer than two clusters are
// occupied.
func Silhouette(x []float64, d int, labels []int, k int, workers int) float64 {
	n := rows(x, d)
	if len(labels) != n {
		panic("cluster: labels length does not match the number of rows")
	}
	sizes := make([]int, k)
	for _, l := range labels {
		if l < 0 || l >= k {
			panic(fmt.Sprintf("cluster: label %d outside 0..%d", l, k-1))
		}
		sizes[l]++
	}
	occupied := 0
	for _, s := range sizes {
		if s > 0 {
			occupied++
		}
	}
	if occupied < 2 {
		return math.NaN()
	}
	if workers <= 0 {
		workers = (&Settings{}).withDefaults().Workers
	}
	s := make([]float64, n)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			sum := make([]float64, k)
			for i := w; i < n; i += workers {
				clear(sum)
				ri := x[i*d : (i+1)*d]
				for j := 0; j < n; j++ {
					sum[labels[j]] += math.Sqrt(sqDist(ri, x[j*d:(j+1)*d]))
				}
				own := labels[i]
				if sizes[own] == 1 {
					continue
				}
				a := sum[own] / float64(sizes[own]-1)
				b := math.Inf(1)
				for c := 0; c < k; c++ {
					if c != own && sizes[c] > 0 {
						b = math.Min(b, sum[c]/float64(sizes[c]))
					}
				}
				if m := math.Max(a, b); m > 0 {
					s[i] = (b - a) / m
				}
			}
		}(w)
	}
	wg.Wait()
	total := 0.0
	for _, v := range s {
		total += v
	}
	return total / float64(n)
}

// Selection is the outcome of ChooseK.
type Selection struct {
	// K is the candidate with the largest mean silhouette; ties go to the
	// smaller k.
	K int
	// Ks and Silhouettes list every candidate and its mean silhouette on
	// the silhouette sample.
	Ks          []int
	Silhouettes []float64
	// Result is the clustering of all rows with K clusters.
	Result *Result
}

// ChooseK clusters the rows of x for every k in kmin..kmax and picks the k
// with the largest mean silhouette. Each candidate is fitted on the same
// seeded sample of Settings.SampleSize rows and scored on a seeded
// sub-sample of at most Settings.SilhouetteSize of those rows; only the
// chosen k is then refined on all rows, as in KMeans. ChooseK panics if
// kmin < 2 or kmax < kmin, and returns ErrTooFewRows if there are fewer
// rows than kmax.
func ChooseK(x []float64, d, kmin, kmax int, s *Settings) (*Selection, error) {
	n := rows(x, d)
	if kmin < 2 || kmax < kmin {
		panic("cluster: need 2 <= kmin <= kmax")
	}
	if n < kmax {
		return nil, fmt.Errorf("%w: %d rows, kmax = %d", ErrTooFewRows, n, kmax)
	}
	set := s.withDefaults()
	rng := rand.New(set.Src)
	sample, m := drawSample(x, n, d, set.SampleSize, rng)
	silIdx := rng.Perm(m)[:min(m, set.SilhouetteSize)]
	silX := make([]float64, 0, len(silIdx)*d)
	for _, r := range silIdx {
		silX = append(silX, sample[r*d:(r+1)*d]...)
	}
	sel := &Selection{}
	var bestFit fit
	best := math.Inf(-1)
	labels := make([]int, len(silIdx))
	for k := kmin; k <= kmax; k++ {
		f := fitSample(sample, m, d, k, &set, rng)
		for i := range labels {
			labels[i] = nearest(silX[i*d:(i+1)*d], f.cent, d, k)
		}
		sil := Silhouette(silX, d, labels, k, set.Workers)
		sel.Ks = append(sel.Ks, k)
		sel.Silhouettes = append(sel.Silhouettes, sil)
		if sil > best {
			best, sel.K, bestFit = sil, k, f
		}
	}
	if bestFit.cent == nil { // every silhouette was NaN
		sel.K = kmin
		bestFit = fitSample(sample, m, d, kmin, &set, rng)
	}
	sel.Result = refine(x, n, d, sel.K, bestFit, m, &set)
	return sel, nil
}

// nearest returns the index of the centroid nearest to row.
func nearest(row, cent []float64, d, k int) int {
	best, bestD := 0, math.Inf(1)
	for c := 0; c < k; c++ {
		if dist := sqDist(row, cent[c*d:(c+1)*d]); dist < bestD {
			best, bestD = c, dist
		}
	}
	return best
}
