package affinity

import (
	"runtime"
	"slices"
	"sort"
	"sync"
)

// Aggregate says how a Recommender combines the contributions of several
// bought items to one candidate's score.
type Aggregate int

const (
	// Max scores a candidate by its strongest rule: the single best reason
	// to offer it. Scores stay comparable across customers with few and
	// many purchases.
	Max Aggregate = iota
	// Sum adds the contributions of all bought items, favouring candidates
	// supported by several purchases.
	Sum
)

// Recommendation is one next-best offer.
type Recommendation struct {
	Item int32
	// Score is the aggregated confidence x lift of the rules into Item.
	Score float64
	// Because is the bought item whose rule contributed most.
	Because int32
}

// arc is a rule as stored by the recommender: consequent as dense index.
type arc struct {
	to    int32
	score float64
}

// Recommender scores next-best offers from association rules. It is
// immutable and safe for concurrent use.
type Recommender struct {
	agg   Aggregate
	from  map[int32][]arc // antecedent -> rules out of it
	items []int32         // dense consequent index -> item
	index map[int32]int32 // consequent item -> dense index
}

// NewRecommender builds a recommender from rules, typically Result.Rules of
// Mine. Each rule A -> B contributes Confidence x Lift to B for a customer
// who bought A.
func NewRecommender(rules []Rule, agg Aggregate) *Recommender {
	r := &Recommender{agg: agg, from: make(map[int32][]arc), index: make(map[int32]int32)}
	for _, ru := range rules {
		to, ok := r.index[ru.Consequent]
		if !ok {
			to = int32(len(r.items))
			r.index[ru.Consequent] = to
			r.items = append(r.items, ru.Consequent)
		}
		r.from[ru.Antecedent] = append(r.from[ru.Antecedent], arc{to, ru.Confidence * ru.Lift})
	}
	for _, arcs := range r.from {
		sort.Slice(arcs, func(i, j int) bool {
			if arcs[i].score != arcs[j].score {
				return arcs[i].score > arcs[j].score
			}
			return r.items[arcs[i].to] < r.items[arcs[j].to]
		})
	}
	return r
}

// scratch is per-goroutine working space indexed by dense consequent.
type scratch struct {
	score   []float64
	best    []float64
	because []int32
	bought  []bool
	touched []int32
}

func (r *Recommender) newScratch() *scratch {
	m := len(r.items)
	return &scratch{score: make([]float64, m), best: make([]float64, m),
		because: make([]int32, m), bought: make([]bool, m)}
}

// Recommend returns at most n items the customer has not bought, best
// first (ties by ascending item id), given the items they bought (a set:
// duplicates count once). Items with no rule from a bought item are never
// recommended.
func (r *Recommender) Recommend(bought []int32, n int) []Recommendation {
	return r.recommend(bought, n, r.newScratch())
}

func (r *Recommender) recommend(bought []int32, n int, s *scratch) []Recommendation {
	if n <= 0 {
		return nil
	}
	bought = slices.Compact(slices.Sorted(slices.Values(bought)))
	for _, b := range bought {
		if j, ok := r.index[b]; ok {
			s.bought[j] = true
		}
	}
	for _, b := range bought {
		taken, last := 0, 0.0
		for _, a := range r.from[b] {
			if s.bought[a.to] {
				continue
			}
			// Arcs are sorted by score, so with Max aggregation an arc
			// after the n-th usable one (and its ties) cannot reach the
			// top n: n other candidates already score at least as much.
			if r.agg == Max && taken >= n && a.score < last {
				break
			}
			taken, last = taken+1, a.score
			if s.best[a.to] == 0 {
				s.touched = append(s.touched, a.to)
			}
			if a.score > s.best[a.to] || (a.score == s.best[a.to] && b < s.because[a.to]) {
				s.best[a.to], s.because[a.to] = a.score, b
			}
			s.score[a.to] += a.score
		}
	}
	top := make([]Recommendation, 0, n)
	for _, j := range s.touched {
		c := Recommendation{Item: r.items[j], Score: s.best[j], Because: s.because[j]}
		if r.agg == Sum {
			c.Score = s.score[j]
		}
		s.score[j], s.best[j], s.because[j] = 0, 0, 0
		top = insertTop(top, c, n)
	}
	s.touched = s.touched[:0]
	for _, b := range bought {
		if j, ok := r.index[b]; ok {
			s.bought[j] = false
		}
	}
	return top
}

// better orders recommendations: higher score, then lower item id.
func better(a, b Recommendation) bool {
	if a.Score != b.Score {
		return a.Score > b.Score
	}
	return a.Item < b.Item
}

// insertTop inserts c into top, kept sorted best first and at most n long.
func insertTop(top []Recommendation, c Recommendation, n int) []Recommendation {
	if len(top) == n && !better(c, top[n-1]) {
		return top
	}
	if len(top) < n {
		top = append(top, c)
	} else {
		top[n-1] = c
	}
	for i := len(top) - 1; i > 0 && better(top[i], top[i-1]); i-- {
		top[i], top[i-1] = top[i-1], top[i]
	}
	return top
}

// RecommendAll returns Recommend(customers[i], n) for every customer,
// using workers goroutines (zero means GOMAXPROCS) that each reuse one
// dense scratch space. The output does not depend on workers.
func (r *Recommender) RecommendAll(customers [][]int32, n, workers int) [][]Recommendation {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	out := make([][]Recommendation, len(customers))
	const block = 1024
	var mu sync.Mutex
	next := 0
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := r.newScratch()
			for {
				mu.Lock()
				lo := next
				next += block
				mu.Unlock()
				if lo >= len(customers) {
					return
				}
				for i := lo; i < min(lo+block, len(customers)); i++ {
					out[i] = r.recommend(customers[i], n, s)
				}
			}
		}()
	}
	wg.Wait()
	return out
}
