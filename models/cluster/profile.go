package cluster

import (
	"math"
	"sort"
)

// Feature is one feature of a cluster profile.
type Feature struct {
	// Index is the column index and Name its name ("" if none given).
	Index int
	Name  string
	// Z is the cluster mean minus the overall mean, in overall standard
	// deviations.
	Z float64
}

// ClusterProfile summarises one cluster in the original units.
type ClusterProfile struct {
	Cluster int
	// Size is the number of rows and Share the fraction of all rows.
	Size  int
	Share float64
	// Mean is the cluster mean of each feature in original units.
	Mean []float64
	// Z is (Mean - overall mean) / overall SD per feature, 0 for constant
	// features and for empty clusters.
	Z []float64
	// Distinguishing lists the top features by |Z|, largest first; ties go
	// to the lower column index.
	Distinguishing []Feature
}

// Profile describes each of the k clusters of the rows of x (original
// units, d columns) given their labels in 0..k-1. names, if not nil, has one
// name per column. Each profile lists its top features (at most d) that
// most distinguish the cluster from the whole population. Profile panics
// on mismatched lengths.
func Profile(x []float64, d int, labels []int, k int, names []string, top int) []ClusterProfile {
	n := rows(x, d)
	if len(labels) != n {
		panic("cluster: labels length does not match the number of rows")
	}
	if names != nil && len(names) != d {
		panic("cluster: names length does not match the number of columns")
	}
	all := NewScaler(x, d)
	out := make([]ClusterProfile, k)
	for c := range out {
		out[c] = ClusterProfile{Cluster: c, Mean: make([]float64, d), Z: make([]float64, d)}
	}
	for i, l := range labels {
		if l < 0 || l >= k {
			panic("cluster: label outside 0..k-1")
		}
		out[l].Size++
		m := out[l].Mean
		for j, v := range x[i*d : (i+1)*d] {
			m[j] += v
		}
	}
	top = min(max(top, 0), d)
	for c := range out {
		p := &out[c]
		if n > 0 {
			p.Share = float64(p.Size) / float64(n)
		}
		if p.Size == 0 {
			for j := range p.Mean {
				p.Mean[j] = math.NaN()
			}
		} else {
			for j := range p.Mean {
				p.Mean[j] /= float64(p.Size)
				if all.SD[j] > 0 {
					p.Z[j] = (p.Mean[j] - all.Mean[j]) / all.SD[j]
				}
			}
		}
		order := make([]int, d)
		for j := range order {
			order[j] = j
		}
		sort.SliceStable(order, func(a, b int) bool {
			return math.Abs(p.Z[order[a]]) > math.Abs(p.Z[order[b]])
		})
		for _, j := range order[:top] {
			f := Feature{Index: j, Z: p.Z[j]}
			if names != nil {
				f.Name = names[j]
			}
			p.Distinguishing = append(p.Distinguishing, f)
		}
	}
	return out
}
