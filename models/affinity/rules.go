package affinity

import "slices"

// Settings configures Mine. A nil *Settings means defaults; every zero
// field means its default.
type Settings struct {
	// MinSupport is the least pair support n(A and B)/N of a rule. Zero
	// means no threshold.
	MinSupport float64
	// MinCount is the least number of baskets holding both items. Zero
	// means 1.
	MinCount int
	// MinConfidence is the least confidence of a rule. Zero means none.
	MinConfidence float64
	// MinLift is the least lift of a rule. Zero means none; 1 keeps only
	// positively associated pairs.
	MinLift float64
	// MaxRules caps the number of rules returned, strongest first. Zero
	// means no cap.
	MaxRules int
	// MaxBasketSize skips baskets with more distinct items. Zero means 50;
	// negative means no limit.
	MaxBasketSize int
}

// DefaultMaxBasketSize is the basket size limit used when
// Settings.MaxBasketSize is zero.
const DefaultMaxBasketSize = 50

// Rule is an association rule Antecedent -> Consequent.
type Rule struct {
	Antecedent, Consequent int32
	// Count is the number of baskets with both items; AntecedentCount and
	// ConsequentCount those with each item.
	Count, AntecedentCount, ConsequentCount int
	// Support, Confidence and Lift are defined in the package
	// documentation.
	Support, Confidence, Lift float64
}

// Result is the outcome of Mine.
type Result struct {
	// Rules are sorted by lift, then confidence, then count, all
	// descending, then by antecedent and consequent ascending.
	Rules []Rule
	// Baskets is N, the number of baskets counted (including single-item
	// ones); Skipped the number over MaxBasketSize, which count nowhere.
	Baskets, Skipped int
	// Pairs is the number of distinct co-occurring pairs before thresholds.
	Pairs int
}

// denseLimit is the largest number of distinct items whose pair counts are
// kept in a dense triangular array: 5792*5791/2 int32 values is 64 MiB.
const denseLimit = 5792

// Mine counts items and item pairs over the baskets and returns the rules,
// in both directions, that pass the thresholds of s.
func Mine(baskets [][]int32, s *Settings) *Result {
	var set Settings
	if s != nil {
		set = *s
	}
	if set.MinCount <= 0 {
		set.MinCount = 1
	}
	if set.MaxBasketSize == 0 {
		set.MaxBasketSize = DefaultMaxBasketSize
	}
	dict := newDictionary(baskets)
	m := len(dict.items)
	itemCount := make([]int, m)
	pc := newPairCounter(m)
	res := &Result{}
	var buf []int32
	for _, b := range baskets {
		buf = dict.dense(buf[:0], b)
		slices.Sort(buf)
		buf = slices.Compact(buf)
		if set.MaxBasketSize > 0 && len(buf) > set.MaxBasketSize {
			res.Skipped++
			continue
		}
		res.Baskets++
		for i, a := range buf {
			itemCount[a]++
			for _, c := range buf[i+1:] {
				pc.add(a, c)
			}
		}
	}
	n := float64(res.Baskets)
	pc.each(func(a, b int32, c int) {
		res.Pairs++
		if c < set.MinCount || float64(c)/n < set.MinSupport {
			return
		}
		for _, dir := range [2][2]int32{{a, b}, {b, a}} {
			na, nb := itemCount[dir[0]], itemCount[dir[1]]
			conf := float64(c) / float64(na)
			lift := conf * n / float64(nb)
			if conf < set.MinConfidence || lift < set.MinLift {
				continue
			}
			res.Rules = keep(res.Rules, Rule{
				Antecedent: dict.items[dir[0]], Consequent: dict.items[dir[1]],
				Count: c, AntecedentCount: na, ConsequentCount: nb,
				Support: float64(c) / n, Confidence: conf, Lift: lift,
			}, set.MaxRules)
		}
	})
	slices.SortFunc(res.Rules, func(a, b Rule) int {
		switch {
		case stronger(&a, &b):
			return -1
		case stronger(&b, &a):
			return 1
		}
		return 0
	})
	return res
}

// keep adds r to rules. With a cap (max > 0) rules is a binary heap with
// the weakest rule at the root, so only the max strongest rules are ever
// held, whatever the number of candidate pairs.
func keep(rules []Rule, r Rule, max int) []Rule {
	if max <= 0 {
		return append(rules, r)
	}
	if len(rules) < max {
		rules = append(rules, r)
		for i := len(rules) - 1; i > 0; { // sift up
			parent := (i - 1) / 2
			if !stronger(&rules[parent], &rules[i]) {
				break
			}
			rules[i], rules[parent] = rules[parent], rules[i]
			i = parent
		}
		return rules
	}
	if !stronger(&r, &rules[0]) {
		return rules
	}
	rules[0] = r
	for i := 0; ; { // sift down
		weakest, l, rt := i, 2*i+1, 2*i+2
		if l < len(rules) && stronger(&rules[weakest], &rules[l]) {
			weakest = l
		}
		if rt < len(rules) && stronger(&rules[weakest], &rules[rt]) {
			weakest = rt
		}
		if weakest == i {
			return rules
		}
		rules[i], rules[weakest] = rules[weakest], rules[i]
		i = weakest
	}
}

// stronger orders rules for Result.Rules.
func stronger(a, b *Rule) bool {
	switch {
	case a.Lift != b.Lift:
		return a.Lift > b.Lift
	case a.Confidence != b.Confidence:
		return a.Confidence > b.Confidence
	case a.Count != b.Count:
		return a.Count > b.Count
	case a.Antecedent != b.Antecedent:
		return a.Antecedent < b.Antecedent
	}
	return a.Consequent < b.Consequent
}

// dictionary maps item ids to dense indices 0..m-1 in ascending id order.
type dictionary struct {
	items []int32         // dense index -> item id
	table []int32         // item id -> dense index, when ids are small
	index map[int32]int32 // otherwise
}

// tableLimit bounds item ids mapped through a slice instead of a map.
const tableLimit = 1 << 22

func newDictionary(baskets [][]int32) *dictionary {
	d := &dictionary{}
	lo, hi := int32(0), int32(-1)
	seen := make(map[int32]struct{})
	for _, b := range baskets {
		for _, it := range b {
			if _, ok := seen[it]; !ok {
				seen[it] = struct{}{}
				d.items = append(d.items, it)
				lo, hi = min(lo, it), max(hi, it)
			}
		}
	}
	slices.Sort(d.items)
	if lo >= 0 && hi < tableLimit {
		d.table = make([]int32, int(hi)+1)
		for i, it := range d.items {
			d.table[it] = int32(i)
		}
		return d
	}
	d.index = make(map[int32]int32, len(d.items))
	for i, it := range d.items {
		d.index[it] = int32(i)
	}
	return d
}

// dense appends the dense indices of items to buf.
func (d *dictionary) dense(buf, items []int32) []int32 {
	if d.table != nil {
		for _, it := range items {
			buf = append(buf, d.table[it])
		}
		return buf
	}
	for _, it := range items {
		buf = append(buf, d.index[it])
	}
	return buf
}
