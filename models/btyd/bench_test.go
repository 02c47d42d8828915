package btyd

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

// Benchmarks run on simulated integer-day cohorts (simulate_test.go) in size
// tiers through benchSizes, in the style of gonum's stat benchmarks. Run
// with -benchtime=1x or 3x; the 1e6 Pareto/NBD tier is skipped under -short.

var benchTiers = []int{1e3, 1e4, 1e5, 1e6}

type benchData struct {
	bg, pn simSummary
	spend  []float64 // mean repeat spend, 0 for x = 0
}

var (
	benchMu    sync.Mutex
	benchCache = map[int]*benchData{}
)

// dataFor returns the cached simulated cohort of n customers.
func dataFor(n int) *benchData {
	benchMu.Lock()
	defer benchMu.Unlock()
	if d, ok := benchCache[n]; ok {
		return d
	}
	d := &benchData{
		bg: simulateBGNBD(rand.NewPCG(11, uint64(n)), bgTruth, n, defaultCohort),
		pn: simulateParetoNBD(rand.NewPCG(12, uint64(n)), pnTruth, n, defaultCohort),
	}
	src := rand.NewPCG(13, uint64(n))
	nu := distuv.Gamma{Alpha: 3.74, Beta: 15.44, Src: src}
	d.spend = make([]float64, n)
	for i, x := range d.bg.x {
		if x > 0 {
			z := distuv.Gamma{Alpha: 6.25 * x, Beta: nu.Rand() * x, Src: src}
			d.spend[i] = z.Rand()
		}
	}
	benchCache[n] = d
	return d
}

// benchSizes runs f as a sub-benchmark for each tier in [lo, hi].
func benchSizes(b *testing.B, lo, hi int, f func(b *testing.B, d *benchData, n int)) {
	for _, n := range benchTiers {
		if n < lo || n > hi {
			continue
		}
		b.Run(fmt.Sprintf("n=%.0e", float64(n)), func(b *testing.B) {
			d := dataFor(n)
			b.ResetTimer()
			f(b, d, n)
		})
	}
}

func BenchmarkFitBGNBD(b *testing.B) {
	benchSizes(b, 1e3, 1e6, func(b *testing.B, d *benchData, n int) {
		for b.Loop() {
			if _, _, err := FitBGNBD(d.bg.x, d.bg.tx, d.bg.T, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkFitParetoNBD(b *testing.B) {
	benchSizes(b, 1e3, 1e6, func(b *testing.B, d *benchData, n int) {
		if n >= 1e6 && testing.Short() {
			b.Skip("1e6 skipped under -short")
		}
		for b.Loop() {
			if _, _, err := FitParetoNBD(d.pn.x, d.pn.tx, d.pn.T, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkFitGammaGamma(b *testing.B) {
	benchSizes(b, 1e3, 1e6, func(b *testing.B, d *benchData, n int) {
		for b.Loop() {
			if _, _, err := FitGammaGamma(d.bg.x, d.spend, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkScore scores every customer: P(alive), expected purchases in the
// next 90 days, expected spend and a 12-month CLV.
func BenchmarkScore(b *testing.B) {
	m := bgTruth
	gg := GammaGamma{P: 6.25, Q: 3.74, Gamma: 15.44}
	set := CLVSettings{HorizonMonths: 12, AnnualDiscountRate: 0.1, Margin: 0.3, UnitDays: 1}
	benchSizes(b, 1e3, 1e6, func(b *testing.B, d *benchData, n int) {
		pa, exp, spend, clv := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
		for b.Loop() {
			Score(m, 90, d.bg.x, d.bg.tx, d.bg.T, pa, exp, 0)
			for i := range spend {
				spend[i] = gg.ConditionalExpectedAverageSpend(d.bg.x[i], d.spend[i])
			}
			CLVs(m, d.bg.x, d.bg.tx, d.bg.T, spend, clv, set, 0)
		}
	})
}
