package cluster

import (
	"math"
	"sync"
	"sync/atomic"
)

// chunkRows is the fixed number of rows per unit of parallel work. Partial
// sums are kept per chunk and combined in chunk order, which makes results
// independent of the number of workers.
const chunkRows = 4096

// partial is one chunk's contribution to the centroid update.
type partial struct {
	sums    []float64 // k x d
	counts  []int
	inertia float64
	changed int
	far     int     // row with the largest distance to its centroid
	farDist float64 // that distance
}

// lloyd runs Lloyd iterations on the n x d matrix x from the k x d
// centroids cent, which it updates in place, and writes each row's nearest
// centroid to labels. Each iteration assigns rows, stops if no label
// changed or the inertia fell by at most tol relative to the previous
// iteration, and otherwise moves centroids to their cluster means. With
// maxIter 0 it only assigns. An emptied cluster takes the row farthest from
// its centroid. It returns the inertia of the final assignment, the
// number of centroid updates and whether the stopping rule was met.
func lloyd(x []float64, n, d, k int, cent []float64, labels []int, maxIter int, tol float64, workers int) (float64, int, bool) {
	nChunks := (n + chunkRows - 1) / chunkRows
	parts := make([]partial, nChunks)
	for i := range parts {
		parts[i] = partial{sums: make([]float64, k*d), counts: make([]int, k)}
	}
	for i := range labels {
		labels[i] = -1
	}
	prev := math.Inf(1)
	for iter := 0; ; iter++ {
		assign(x, n, d, k, cent, labels, parts, workers)
		inertia, changed := 0.0, 0
		for i := range parts {
			inertia += parts[i].inertia
			changed += parts[i].changed
		}
		if changed == 0 || (iter > 0 && prev-inertia <= tol*prev) {
			return inertia, iter, true
		}
		if iter == maxIter {
			return inertia, iter, false
		}
		prev = inertia
		update(d, k, cent, labels, parts, x)
	}
}

// assign labels every row with its nearest centroid, filling one partial
// per chunk; workers take chunks from a shared counter.
func assign(x []float64, n, d, k int, cent []float64, labels []int, parts []partial, workers int) {
	var next atomic.Int64
	work := func() {
		for {
			c := int(next.Add(1) - 1)
			if c >= len(parts) {
				return
			}
			p := &parts[c]
			clear(p.sums)
			clear(p.counts)
			p.inertia, p.changed, p.far, p.farDist = 0, 0, -1, -1
			hi := min(n, (c+1)*chunkRows)
			for i := c * chunkRows; i < hi; i++ {
				row := x[i*d : (i+1)*d]
				best, bestD := 0, math.Inf(1)
				for j := 0; j < k; j++ {
					if dist := sqDist(row, cent[j*d:(j+1)*d]); dist < bestD {
						best, bestD = j, dist
					}
				}
				if labels[i] != best {
					labels[i] = best
					p.changed++
				}
				p.counts[best]++
				s := p.sums[best*d : (best+1)*d]
				for j, v := range row {
					s[j] += v
				}
				p.inertia += bestD
				if bestD > p.farDist {
					p.far, p.farDist = i, bestD
				}
			}
		}
	}
	workers = min(workers, len(parts))
	if workers <= 1 {
		work()
		return
	}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			work()
		}()
	}
	wg.Wait()
}

// update moves each centroid to the mean of its rows. An empty cluster is
// re-seeded with the row farthest from its centroid, which is then taken
// out of consideration for further empty clusters in this update.
func update(d, k int, cent []float64, labels []int, parts []partial, x []float64) {
	sums := make([]float64, k*d)
	counts := make([]int, k)
	for i := range parts {
		for j, v := range parts[i].sums {
			sums[j] += v
		}
		for j, v := range parts[i].counts {
			counts[j] += v
		}
	}
	for c := 0; c < k; c++ {
		if counts[c] == 0 {
			continue
		}
		for j := 0; j < d; j++ {
			cent[c*d+j] = sums[c*d+j] / float64(counts[c])
		}
	}
	for c := 0; c < k; c++ {
		if counts[c] > 0 {
			continue
		}
		best := -1
		for i := range parts {
			if parts[i].far >= 0 && (best < 0 || parts[i].farDist > parts[best].farDist) {
				best = i
			}
		}
		if best < 0 {
			return
		}
		r := parts[best].far
		copy(cent[c*d:(c+1)*d], x[r*d:(r+1)*d])
		labels[r] = c
		parts[best].far, parts[best].farDist = -1, -1
	}
}
