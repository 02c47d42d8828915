package affinity

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// handBaskets: N = 5; item counts 1:4, 2:4, 3:3, 4:1; pair counts
// {1,2}:3, {1,3}:2, {2,3}:2, {1,4}:1, {2,4}:1. The duplicate 2 in the last
// basket counts once.
var handBaskets = [][]int32{{1, 2, 3}, {2, 1}, {3, 1}, {2, 3}, {1, 2, 4, 2}}

func findRule(rules []Rule, a, b int32) (Rule, bool) {
	for _, r := range rules {
		if r.Antecedent == a && r.Consequent == b {
			return r, true
		}
	}
	return Rule{}, false
}

func TestMineHand(t *testing.T) {
	res := Mine(handBaskets, nil)
	if res.Baskets != 5 || res.Skipped != 0 || res.Pairs != 5 || len(res.Rules) != 10 {
		t.Fatalf("baskets %d skipped %d pairs %d rules %d", res.Baskets, res.Skipped, res.Pairs, len(res.Rules))
	}
	for _, test := range []struct {
		a, b            int32
		count, na, nb   int
		sup, conf, lift float64
	}{
		{1, 2, 3, 4, 4, 0.6, 0.75, 0.75 / 0.8},
		{2, 1, 3, 4, 4, 0.6, 0.75, 0.75 / 0.8},
		{3, 1, 2, 3, 4, 0.4, 2.0 / 3, (2.0 / 3) / 0.8},
		{1, 3, 2, 4, 3, 0.4, 0.5, 0.5 / 0.6},
		{4, 1, 1, 1, 4, 0.2, 1, 1.25},
		{1, 4, 1, 4, 1, 0.2, 0.25, 1.25},
		{2, 3, 2, 4, 3, 0.4, 0.5, 0.5 / 0.6},
	} {
		r, ok := findRule(res.Rules, test.a, test.b)
		if !ok {
			t.Errorf("rule %d -> %d missing", test.a, test.b)
			continue
		}
		if r.Count != test.count || r.AntecedentCount != test.na || r.ConsequentCount != test.nb {
			t.Errorf("%d -> %d: counts %d %d %d", test.a, test.b, r.Count, r.AntecedentCount, r.ConsequentCount)
		}
		for _, v := range [][2]float64{{r.Support, test.sup}, {r.Confidence, test.conf}, {r.Lift, test.lift}} {
			if math.Abs(v[0]-v[1]) > 1e-12 {
				t.Errorf("%d -> %d: got %v, want %v", test.a, test.b, v[0], v[1])
			}
		}
	}
	// Lift 1.25 rules come first; 4 -> 1 and 4 -> 2 have confidence 1.
	if r := res.Rules[0]; r.Antecedent != 4 || r.Consequent != 1 {
		t.Errorf("first rule %+v, want 4 -> 1", r)
	}
}

func TestMineThresholds(t *testing.T) {
	baskets := randomBaskets(2000, 60, 8, 3)
	for _, s := range []Settings{
		{MinSupport: 0.01},
		{MinCount: 25},
		{MinConfidence: 0.2},
		{MinLift: 1.5},
		{MinSupport: 0.005, MinConfidence: 0.1, MinLift: 1.1, MaxRules: 7},
		{MaxBasketSize: 4},
	} {
		res := Mine(baskets, &s)
		if len(res.Rules) == 0 {
			t.Errorf("%+v: no rules", s)
		}
		if s.MaxRules > 0 && len(res.Rules) > s.MaxRules {
			t.Errorf("%+v: %d rules over the cap", s, len(res.Rules))
		}
		for i, r := range res.Rules {
			if r.Support < s.MinSupport || r.Count < s.MinCount || r.Confidence < s.MinConfidence || r.Lift < s.MinLift {
				t.Errorf("%+v: rule %+v breaks a threshold", s, r)
			}
			if i > 0 && stronger(&r, &res.Rules[i-1]) {
				t.Errorf("%+v: rules not sorted at %d", s, i)
			}
		}
		if s.MaxBasketSize == 4 && (res.Skipped == 0 || res.Baskets+res.Skipped != len(baskets)) {
			t.Errorf("basket cap: %d counted, %d skipped of %d", res.Baskets, res.Skipped, len(baskets))
		}
	}
}

// randomBaskets draws baskets of 1..maxSize items from m items with
// popularity falling off as 1/(rank+1), and plants the pairs (1000, 1001)
// and (2000, 2001): each appears in 3% of baskets, its two items always
// together.
func randomBaskets(n, m, maxSize int, seed uint64) [][]int32 {
	rng := rand.New(rand.NewPCG(seed, 1))
	z := rand.NewZipf(rng, 1.1, 1, uint64(m-1))
	out := make([][]int32, n)
	for i := range out {
		size := 1 + rng.IntN(maxSize)
		b := make([]int32, 0, size+4)
		for j := 0; j < size; j++ {
			b = append(b, int32(z.Uint64()))
		}
		if rng.Float64() < 0.03 {
			b = append(b, 1000, 1001)
		}
		if rng.Float64() < 0.03 {
			b = append(b, 2000, 2001)
		}
		out[i] = b
	}
	return out
}

func TestMinePlanted(t *testing.T) {
	res := Mine(randomBaskets(20000, 500, 12, 5), &Settings{MinCount: 20})
	want := map[[2]int32]bool{{1000, 1001}: true, {1001, 1000}: true, {2000, 2001}: true, {2001, 2000}: true}
	for _, r := range res.Rules[:4] {
		if !want[[2]int32{r.Antecedent, r.Consequent}] {
			t.Errorf("top rule %+v is not a planted pair", r)
		}
		if r.Confidence != 1 {
			t.Errorf("planted rule %+v: confidence %v, want 1", r, r.Confidence)
		}
	}
}

func TestMineSparse(t *testing.T) {
	// Large, scattered item ids take the map paths; results must match a
	// relabelled dense run.
	dense := randomBaskets(3000, 40, 6, 9)
	sparse := make([][]int32, len(dense))
	for i, b := range dense {
		for _, it := range b {
			sparse[i] = append(sparse[i], -it*100003-7)
		}
	}
	a, b := Mine(dense, nil), Mine(sparse, nil)
	if len(a.Rules) != len(b.Rules) {
		t.Fatalf("%d dense rules, %d sparse", len(a.Rules), len(b.Rules))
	}
	for _, r := range a.Rules {
		s, ok := findRule(b.Rules, -r.Antecedent*100003-7, -r.Consequent*100003-7)
		if !ok || s.Count != r.Count || s.Lift != r.Lift {
			t.Errorf("rule %+v: sparse %+v %v", r, s, ok)
		}
	}
	pc := &pairCounter{m: 10000, sparse: map[uint64]int32{}}
	pc.add(3, 9000)
	pc.add(3, 9000)
	pc.each(func(a, b int32, c int) {
		if a != 3 || b != 9000 || c != 2 {
			t.Errorf("sparse pair (%d, %d) = %d", a, b, c)
		}
	})
}

func TestRecommendHand(t *testing.T) {
	rules := Mine(handBaskets, nil).Rules
	// Bought 4: rules 4 -> 1 and 4 -> 2 both score 1 x 1.25.
	got := NewRecommender(rules, Max).Recommend([]int32{4}, 5)
	want := []Recommendation{{1, 1.25, 4}, {2, 1.25, 4}}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("bought {4}: got %+v", got)
	}
	// Bought 1 and 2: candidate 3 gets 0.5 x 5/6 from each, candidate 4
	// gets 0.25 x 1.25 from each.
	for _, test := range []struct {
		agg    Aggregate
		s3, s4 float64
	}{{Max, 0.5 * 0.5 / 0.6, 0.3125}, {Sum, 2 * 0.5 * 0.5 / 0.6, 0.625}} {
		got := NewRecommender(rules, test.agg).Recommend([]int32{2, 1, 2}, 5)
		if len(got) != 2 || got[0].Item != 3 || got[1].Item != 4 ||
			math.Abs(got[0].Score-test.s3) > 1e-12 || math.Abs(got[1].Score-test.s4) > 1e-12 {
			t.Errorf("aggregate %d: got %+v", test.agg, got)
		}
		if got[0].Because != 1 {
			t.Errorf("aggregate %d: because %d, want the lower tied item 1", test.agg, got[0].Because)
		}
	}
	if got := NewRecommender(rules, Max).Recommend([]int32{1, 2}, 1); len(got) != 1 {
		t.Errorf("n = 1: got %d", len(got))
	}
}

func TestRecommendAll(t *testing.T) {
	baskets := randomBaskets(5000, 80, 8, 11)
	rec := NewRecommender(Mine(baskets, &Settings{MinCount: 5, MinLift: 1}).Rules, Sum)
	customers := randomBaskets(3000, 100, 10, 12)
	all := rec.RecommendAll(customers, 5, 3)
	for i, c := range customers {
		for _, r := range all[i] {
			if slices.Contains(c, r.Item) {
				t.Fatalf("customer %d bought %d but it was recommended", i, r.Item)
			}
			if !slices.Contains(c, r.Because) {
				t.Fatalf("customer %d: reason %d was not bought", i, r.Because)
			}
		}
		if one := rec.Recommend(c, 5); !slices.Equal(one, all[i]) {
			t.Fatalf("customer %d: RecommendAll %+v, Recommend %+v", i, all[i], one)
		}
	}
}

// naiveRecommend scores every rule into every unbought item and sorts, as
// the reference for the pruned implementation.
func naiveRecommend(rules []Rule, agg Aggregate, bought []int32, n int) []Recommendation {
	has := map[int32]bool{}
	for _, b := range bought {
		has[b] = true
	}
	best := map[int32]Recommendation{}
	for _, r := range rules {
		if !has[r.Antecedent] || has[r.Consequent] {
			continue
		}
		sc := r.Confidence * r.Lift
		c, ok := best[r.Consequent]
		if !ok || sc > c.Score || (sc == c.Score && r.Antecedent < c.Because) {
			c.Item, c.Because = r.Consequent, r.Antecedent
			if agg == Max || !ok {
				c.Score = sc
			}
		}
		best[r.Consequent] = c
	}
	if agg == Sum {
		for k, c := range best {
			c.Score = 0
			for _, r := range rules {
				if r.Consequent == k && has[r.Antecedent] {
					c.Score += r.Confidence * r.Lift
				}
			}
			best[k] = c
		}
	}
	var out []Recommendation
	for _, c := range best {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Recommendation) int {
		if better(a, b) {
			return -1
		}
		if better(b, a) {
			return 1
		}
		return 0
	})
	return out[:min(n, len(out))]
}

func TestRecommendMatchesNaive(t *testing.T) {
	rules := Mine(randomBaskets(4000, 60, 8, 21), &Settings{MinCount: 3}).Rules
	customers := randomBaskets(300, 60, 6, 22)
	for _, agg := range []Aggregate{Max, Sum} {
		rec := NewRecommender(rules, agg)
		for i, c := range customers {
			got, want := rec.Recommend(c, 4), naiveRecommend(rules, agg, c, 4)
			if len(got) != len(want) {
				t.Fatalf("aggregate %d customer %d: got %+v, want %+v", agg, i, got, want)
			}
			for j := range got {
				if got[j].Item != want[j].Item || math.Abs(got[j].Score-want[j].Score) > 1e-9 {
					t.Fatalf("aggregate %d customer %d: got %+v, want %+v", agg, i, got, want)
				}
				if agg == Max && got[j].Because != want[j].Because {
					t.Fatalf("customer %d: because %d, want %d", i, got[j].Because, want[j].Because)
				}
			}
		}
	}
}

// The capped heap must return exactly the strongest rules of the uncapped
// run, in the same order.
func TestMineCap(t *testing.T) {
	baskets := randomBaskets(3000, 50, 8, 31)
	all := Mine(baskets, nil).Rules
	for _, max := range []int{1, 2, 7, 100, len(all), len(all) + 5} {
		got := Mine(baskets, &Settings{MaxRules: max}).Rules
		want := all[:min(max, len(all))]
		if !slices.Equal(got, want) {
			t.Errorf("MaxRules %d: got %d rules, not the top %d", max, len(got), len(want))
		}
	}
}
