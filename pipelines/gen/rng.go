package gen

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/stat/distuv"
)

// Stream domains: every entity draws from its own PCG stream seeded from
// (Options.Seed, domain, index), so output does not depend on goroutine
// scheduling or on the order in which entities are generated.
const (
	domainCustomer uint64 = 1 + iota
	domainLead
	domainCatalog
)

// splitmix is the SplitMix64 finaliser (Steele, Lea and Flood 2014), used
// to turn (seed, domain, index) into well-mixed PCG seeds.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// stream is a reseedable random source with the samplers the generator
// needs. Gamma, Beta and Poisson variates come from gonum's distuv with
// the stream injected as Src.
type stream struct {
	src *rand.PCG
	r   *rand.Rand
}

func newStream() *stream {
	src := rand.NewPCG(0, 0)
	return &stream{src: src, r: rand.New(src)}
}

// reset reseeds s for entity index of domain under seed.
func (s *stream) reset(seed, domain, index uint64) {
	s.src.Seed(splitmix(seed^splitmix(domain)), splitmix(index^(domain<<56)))
}

func (s *stream) uniform() float64 { return s.r.Float64() }

func (s *stream) bernoulli(p float64) bool { return s.r.Float64() < p }

func (s *stream) intn(n int) int { return s.r.IntN(n) }

// exp draws an exponential variate with the given rate.
func (s *stream) exp(rate float64) float64 { return s.r.ExpFloat64() / rate }

// gamma draws Gamma(shape, rate).
func (s *stream) gamma(shape, rate float64) float64 {
	return distuv.Gamma{Alpha: shape, Beta: rate, Src: s.src}.Rand()
}

// beta draws Beta(a, b).
func (s *stream) beta(a, b float64) float64 {
	return distuv.Beta{Alpha: a, Beta: b, Src: s.src}.Rand()
}

// poisson draws Poisson(mean); a mean <= 0 gives 0.
func (s *stream) poisson(mean float64) int {
	if mean <= 0 {
		return 0
	}
	return int(distuv.Poisson{Lambda: mean, Src: s.src}.Rand())
}

// binomial10 draws Binomial(10, q) by ten Bernoulli trials.
func (s *stream) binomial10(q float64) int {
	n := 0
	for range 10 {
		if s.r.Float64() < q {
			n++
		}
	}
	return n
}

// lognormal draws exp(N(mu, sigma^2)).
func (s *stream) lognormal(mu, sigma float64) float64 {
	return math.Exp(mu + sigma*s.r.NormFloat64())
}

// pick returns an index drawn from the cumulative weights cum, whose last
// element is the total.
func (s *stream) pick(cum []float64) int {
	u := s.r.Float64() * cum[len(cum)-1]
	lo, hi := 0, len(cum)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if cum[mid] > u {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// cumulative returns the running sums of w.
func cumulative(w []float64) []float64 {
	c := make([]float64, len(w))
	s := 0.0
	for i, v := range w {
		s += v
		c[i] = s
	}
	return c
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
