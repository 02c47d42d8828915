package cluster

// AdjustedRand returns the adjusted Rand index of two partitions of the same
// items given as label slices (Hubert & Arabie 1985, "Comparing
// partitions", J. Classification 2:193-218; scikit-learn's
// adjusted_rand_score). It is 1 for identical partitions up to relabelling,
// about 0 for independent ones, and may be negative. Labels are arbitrary
// integers. When the index is undefined (both partitions a single cluster,
// or both all singletons) it returns 1, as scikit-learn does. AdjustedRand
// panics if the lengths differ.
func AdjustedRand(a, b []int) float64 {
	if len(a) != len(b) {
		panic("cluster: label slices have different lengths")
	}
	n := len(a)
	if n < 2 {
		return 1
	}
	type pair struct{ a, b int }
	cells := make(map[pair]int)
	rowsA := make(map[int]int)
	colsB := make(map[int]int)
	for i := range a {
		cells[pair{a[i], b[i]}]++
		rowsA[a[i]]++
		colsB[b[i]]++
	}
	choose2 := func(m int) float64 { return float64(m) * float64(m-1) / 2 }
	index := 0.0
	for _, c := range cells {
		index += choose2(c)
	}
	sumA, sumB := 0.0, 0.0
	for _, c := range rowsA {
		sumA += choose2(c)
	}
	for _, c := range colsB {
		sumB += choose2(c)
	}
	expected := sumA * sumB / choose2(n)
	maxIndex := (sumA + sumB) / 2
	if maxIndex == expected {
		return 1
	}
	return (index - expected) / (maxIndex - expected)
}
