// Package cluster segments customers with k-means on standardised features.
//
// Matrices are row-major []float64 with n rows (customers) and d columns
// (features); the number of rows is len(x)/d. The usual flow is
//
//	z, sc := cluster.Standardize(raw, d)          // mean 0, sd 1 per column
//	sel, err := cluster.ChooseK(z, d, 2, 8, nil)  // k by mean silhouette
//	prof := cluster.Profile(raw, d, sel.Result.Labels, sel.K, names, 3)
//
// KMeans uses k-means++ seeding (Arthur & Vassilvitskii 2007, "k-means++:
// the advantages of careful seeding") and Lloyd iterations (Lloyd 1982),
// keeping the best of several restarts by inertia (the within-cluster sum
// of squared distances, scikit-learn's inertia_).
//
// Large inputs are handled by sampling, which is what makes a million
// customers fit in seconds: the restarts and the choice of k run on a
// seeded random sample of Settings.SampleSize rows (20,000 by default), and
// the best sample centroids then start at most Settings.FullIter Lloyd
// iterations over all rows (20 by default; a negative value keeps the sample
// centroids and does a single assignment pass). The mean silhouette
// (Rousseeuw 1987) is O(m²) and is computed on a further seeded sample of at
// most Settings.SilhouetteSize rows (5,000 by default) of the fit sample.
//
// All randomness comes from Settings.Src. Work is split into fixed chunks
// whose partial sums are combined in a fixed order, so results are bit-for-
// bit identical for a given seed whatever GOMAXPROCS or Settings.Workers.
//
// AdjustedRand compares two partitions (Hubert & Arabie 1985), for example
// a clustering against planted labels or two runs against each other.
package cluster
