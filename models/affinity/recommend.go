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
	bought = slices.Compact(slices.Sorted(slices.Values(bought)))
	for _, b := range bought {
		if j, ok := r.index[b]; ok {
			s.bought[j] = true
		}
	}
	for _, b := range bought {
		for _, a := range r.from[b] {
			if s.bought[a.to] {
				continue
			}
			if s.best[a.to] == 0 {
				s.touched = append(s.touched, a.to)
			}
			if a.score > s.best[a.to] || (a.score == s.best[a.to] && b < s.because[a.to]) {
				s.best[a.to], s.because[a.to] = a.score, b
			}
			if r.agg == Sum {
				s.score[a.to] += a.score
			}
		}
	}
	out := make([]Recommendation, 0, len(s.touched))
	for _, j := range s.touched {
		sc := s.best[j]
		if r.agg == Sum {
			sc = s.score[j]
		}
		out = append(out, Recommendation{Item: r.items[j], Score: sc, Because: s.because[j]})
		s.score[j], s.best[j], s.because[j] = 0, 0, 0
	}
	s.touched = s.touched[:0]
	for _, b := range bought {
		if j, ok := r.index[b]; ok {
			s.bought[j] = false
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].Item < out[j].Item
	})
	if len(out) > n {
		out = out[:n:n]
	}
	return out
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
