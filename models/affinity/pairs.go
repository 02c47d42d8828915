package affinity

// pairCounter counts unordered pairs a < b of dense item indices.
type pairCounter struct {
	m      int
	dense  []int32 // upper triangle, row-major, when m <= denseLimit
	sparse map[uint64]int32
}

func newPairCounter(m int) *pairCounter {
	if m <= denseLimit {
		return &pairCounter{m: m, dense: make([]int32, m*(m-1)/2)}
	}
	return &pairCounter{m: m, sparse: make(map[uint64]int32)}
}

// offset returns the triangular index of the pair a < b.
func (p *pairCounter) offset(a, b int32) int {
	return int(a)*(2*p.m-int(a)-1)/2 + int(b-a-1)
}

// add counts the pair a < b once.
func (p *pairCounter) add(a, b int32) {
	if p.dense != nil {
		p.dense[p.offset(a, b)]++
		return
	}
	p.sparse[uint64(a)<<32|uint64(b)]++
}

// each calls f for every pair with a non-zero count, in ascending (a, b)
// order for the dense layout and in map order otherwise; Mine sorts rules
// afterwards, so the order does not matter.
func (p *pairCounter) each(f func(a, b int32, c int)) {
	if p.dense != nil {
		k := 0
		for a := 0; a < p.m; a++ {
			for b := a + 1; b < p.m; b++ {
				if c := p.dense[k]; c > 0 {
					f(int32(a), int32(b), int(c))
				}
				k++
			}
		}
		return
	}
	for key, c := range p.sparse {
		f(int32(key>>32), int32(key&0xffffffff), int(c))
	}
}
