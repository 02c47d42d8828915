package affinity

import "testing"

// benchBaskets returns n baskets of 1..40 items (about 20 on average, so
// 1e6 baskets are about 20 million order lines) over 3,000 products.
func benchBaskets(n int) [][]int32 { return randomBaskets(n, 3000, 40, 1) }

func benchMine(b *testing.B, n int) {
	baskets := benchBaskets(n)
	s := &Settings{MinSupport: 1e-4, MinLift: 1, MaxRules: 100000}
	b.ResetTimer()
	for b.Loop() {
		Mine(baskets, s)
	}
}

func BenchmarkMine1e4(b *testing.B) { benchMine(b, 1e4) }
func BenchmarkMine1e5(b *testing.B) { benchMine(b, 1e5) }
func BenchmarkMine1e6(b *testing.B) { benchMine(b, 1e6) }

func benchRecommendAll(b *testing.B, n int) {
	rules := Mine(benchBaskets(1e5), &Settings{MinSupport: 1e-4, MinLift: 1, MaxRules: 100000}).Rules
	rec := NewRecommender(rules, Max)
	customers := randomBaskets(n, 3000, 20, 2)
	b.ResetTimer()
	for b.Loop() {
		rec.RecommendAll(customers, 10, 0)
	}
}

func BenchmarkRecommendAll1e4(b *testing.B) { benchRecommendAll(b, 1e4) }
func BenchmarkRecommendAll1e5(b *testing.B) { benchRecommendAll(b, 1e5) }
