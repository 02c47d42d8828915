package btyd

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/stat/distuv"
)

// cohort describes a simulated acquisition cohort on a day clock: first
// purchases spread uniformly over the first birthDays days, calibration ending
// on day endDay (inclusive). Summaries are integer day counts measured from
// dates, with same-day purchases merged, as the pipeline produces them.
type cohort struct {
	birthDays, endDay int
	// continuous keeps exact purchase times (no rounding to days, no
	// merging): the model's own assumptions, used to separate estimator
	// bias from discretisation bias.
	continuous bool
}

var defaultCohort = cohort{birthDays: 90, endDay: 272}

// simSummary holds integer-day summaries.
type simSummary struct{ x, tx, T []float64 }

// day returns the summary of one customer whose first purchase is at
// fractional time offset o of day b and whose repeat purchases happen at
// times ts after it (continuous model time in days).
func (c cohort) add(s *simSummary, b int, o float64, ts []float64) {
	T := c.endDay - b
	if c.continuous {
		var n int
		var last float64
		for _, u := range ts {
			if u >= float64(T) {
				break
			}
			n++
			last = u
		}
		s.x = append(s.x, float64(n))
		s.tx = append(s.tx, last)
		s.T = append(s.T, float64(T))
		return
	}
	last, x := b, 0
	for _, u := range ts {
		d := b + int(math.Floor(o+u))
		if d > c.endDay {
			break
		}
		if d != last {
			x++
			last = d
		}
	}
	s.x = append(s.x, float64(x))
	s.tx = append(s.tx, float64(last-b))
	s.T = append(s.T, float64(T))
}

// simulateBGNBD draws n customers from m (parameters per day), FHL (2005)
// Sec. 2: lambda ~ Gamma(r, alpha), p ~ Beta(a, b), Poisson purchases, and
// after each repeat purchase dropout with probability p.
func simulateBGNBD(src rand.Source, m BGNBD, n int, c cohort) simSummary {
	rng := rand.New(src)
	lam := distuv.Gamma{Alpha: m.R, Beta: m.Alpha, Src: src}
	pd := distuv.Beta{Alpha: m.A, Beta: m.B, Src: src}
	var s simSummary
	var ts []float64
	for range n {
		b := rng.IntN(c.birthDays)
		o := rng.Float64()
		l, p := lam.Rand(), pd.Rand()
		horizon := float64(c.endDay-b+1) - o
		ts = ts[:0]
		for u := rng.ExpFloat64() / l; u < horizon; u += rng.ExpFloat64() / l {
			ts = append(ts, u)
			if rng.Float64() < p {
				break
			}
		}
		c.add(&s, b, o, ts)
	}
	return s
}

// simulateParetoNBD draws n customers from m (parameters per day),
// Schmittlein et al. (1987): lambda ~ Gamma(r, alpha), mu ~ Gamma(s, beta),
// exponential lifetime with rate mu, Poisson purchases while alive.
func simulateParetoNBD(src rand.Source, m ParetoNBD, n int, c cohort) simSummary {
	rng := rand.New(src)
	lam := distuv.Gamma{Alpha: m.R, Beta: m.Alpha, Src: src}
	mu := distuv.Gamma{Alpha: m.S, Beta: m.Beta, Src: src}
	var s simSummary
	var ts []float64
	for range n {
		b := rng.IntN(c.birthDays)
		o := rng.Float64()
		l := lam.Rand()
		life := rng.ExpFloat64() / mu.Rand()
		horizon := math.Min(float64(c.endDay-b+1)-o, life)
		ts = ts[:0]
		for u := rng.ExpFloat64() / l; u < horizon; u += rng.ExpFloat64() / l {
			ts = append(ts, u)
		}
		c.add(&s, b, o, ts)
	}
	return s
}
