package affinity

// FromLines groups order lines into baskets: line i puts items[i] into the
// basket basketIDs[i]. Baskets are returned in order of their first line,
// items in line order, duplicates kept (Mine ignores them). Lines of one
// basket need not be adjacent, but adjacent lines are grouped without a map
// lookup, so input sorted by basket is fastest. FromLines panics if the
// slices' lengths differ.
func FromLines(basketIDs []int64, items []int32) [][]int32 {
	if len(basketIDs) != len(items) {
		panic("affinity: basketIDs and items have different lengths")
	}
	index := make(map[int64]int)
	var out [][]int32
	cur := -1
	for i, id := range basketIDs {
		if i == 0 || id != basketIDs[i-1] {
			b, ok := index[id]
			if !ok {
				b = len(out)
				index[id] = b
				out = append(out, nil)
			}
			cur = b
		}
		out[cur] = append(out[cur], items[i])
	}
	return out
}
