package btyd

import (
	"math"

	"gonum.org/v1/gonum/mathext"
)

// BGNBD is the beta-geometric/negative-binomial distribution model of Fader,
// Hardie & Lee (2005), "Counting Your Customers the Easy Way: An Alternative
// to the Pareto/NBD Model", Marketing Science 24(2):275-284. While alive a
// customer buys as a Poisson process with rate lambda ~ Gamma(R, Alpha);
// after each purchase the customer drops out with probability
// p ~ Beta(A, B). It is lifetimes' BetaGeoFitter and BTYD's bgnbd.* family.
type BGNBD struct {
	R     float64 // shape of the purchase-rate gamma; R > 0
	Alpha float64 // rate (inverse scale, in model time units) of the gamma; Alpha > 0
	A     float64 // first shape of the dropout-probability beta; A > 0
	B     float64 // second shape of the dropout-probability beta; B > 0
}

// Name returns "BG/NBD".
func (BGNBD) Name() string { return "BG/NBD" }

// Params returns the parameter names r, alpha, a, b and their values.
func (m BGNBD) Params() ([]string, []float64) {
	return []string{"r", "alpha", "a", "b"}, []float64{m.R, m.Alpha, m.A, m.B}
}

// LogLikelihood returns the log of the individual likelihood, FHL (2005)
// eq. 6, for a customer with x repeat purchases, the last at t_x, observed for
// T:
//
//	L = B(a,b+x)/B(a,b) Γ(r+x)α^r/(Γ(r)(α+T)^(r+x))
//	  + δ(x>0) B(a+1,b+x-1)/B(a,b) Γ(r+x)α^r/(Γ(r)(α+t_x)^(r+x)),
//
// evaluated as a log-sum-exp of the two terms.
func (m BGNBD) LogLikelihood(x, tx, T float64) float64 {
	r, al, a, b := m.R, m.Alpha, m.A, m.B
	c := lgamma(r+x) - lgamma(r) + r*math.Log(al) +
		lgamma(a+b) + lgamma(b+x) - lgamma(b) - lgamma(a+b+x)
	l3 := -(r + x) * math.Log(al+T)
	if x <= 0 {
		return c + l3
	}
	l4 := math.Log(a) - math.Log(b+x-1) - (r+x)*math.Log(al+tx)
	return c + logSumExp(l3, l4)
}

// FitBGNBD fits the BG/NBD model by maximum likelihood (FHL 2005, eq. 7) to
// the customers' frequency x, recency t_x and age T, all in one time unit.
// It is lifetimes' BetaGeoFitter.fit and BTYD's bgnbd.EstimateParameters.
//
// The likelihood is maximised over the log-parameters with L-BFGS and the
// analytic gradient (digamma terms for the gamma and beta functions).
// Identical (x, t_x, T) summaries are evaluated once with their weight, and
// the log-gamma and digamma terms once per distinct x.
//
// On non-convergence the last iterate is returned with an error wrapping
// ErrNotConverged.
func FitBGNBD(frequency, recency, T []float64, s *Settings) (BGNBD, *Fit, error) {
	sum, err := newSummary(frequency, recency, T, s.weights())
	if err != nil {
		return BGNBD{}, nil, err
	}
	workers := s.workers()
	obj := func(lp, grad []float64) float64 { return bgnbdNLL(sum, lp, grad, workers) }
	x0 := []float64{0, math.Log(1 / sum.meanRate()), 0, 0}
	if init := s.initial(); init != nil {
		for i := range x0 {
			x0[i] = math.Log(init[i])
		}
	}
	_, fit, err := maximize("BG/NBD", []string{"r", "alpha", "a", "b"}, obj, x0, sum.n, len(sum.x), s, 1e-4)
	if fit == nil {
		return BGNBD{}, nil, err
	}
	e := fit.Estimates
	return BGNBD{R: e[0], Alpha: e[1], A: e[2], B: e[3]}, fit, err
}

// bgnbdNLL returns the weighted negative log-likelihood at the
// log-parameters lp and, if grad is not nil, its gradient.
func bgnbdNLL(s *summary, lp, grad []float64, workers int) float64 {
	r, al, a, b := math.Exp(lp[0]), math.Exp(lp[1]), math.Exp(lp[2]), math.Exp(lp[3])
	nx := len(s.xv)
	// Per distinct x: constant term, its r/a/b derivatives, log(a/(b+x-1)).
	c1, gr, ga, gb, c4, ib := make([]float64, nx), make([]float64, nx), make([]float64, nx),
		make([]float64, nx), make([]float64, nx), make([]float64, nx)
	psiR, psiAB, psiB := mathext.Digamma(r), mathext.Digamma(a+b), mathext.Digamma(b)
	base := -lgamma(r) + r*math.Log(al) + lgamma(a+b) - lgamma(b)
	for k, x := range s.xv {
		c1[k] = base + lgamma(r+x) + lgamma(b+x) - lgamma(a+b+x)
		if grad != nil {
			pABX := mathext.Digamma(a + b + x)
			gr[k] = mathext.Digamma(r+x) - psiR + math.Log(al)
			ga[k] = psiAB - pABX
			gb[k] = psiAB + mathext.Digamma(b+x) - psiB - pABX
		}
		if x > 0 {
			c4[k] = math.Log(a) - math.Log(b+x-1)
			ib[k] = 1 / (b + x - 1)
		}
	}
	lT, iT := logShift(s.Tv, al)
	lt, it := logShift(s.tv, al)
	acc := parallelSum(len(s.x), 5, workers, func(lo, hi int, acc []float64) {
		var ll, dr, dal, da, db float64
		for i := lo; i < hi; i++ {
			k, w := s.xi[i], s.w[i]
			x := s.xv[k]
			rx := r + x
			l3 := -rx * lT[s.Ti[i]]
			if x <= 0 {
				ll += w * (c1[k] + l3)
				if grad != nil {
					dr += w * (gr[k] - lT[s.Ti[i]])
					dal += w * (r/al - rx*iT[s.Ti[i]])
					da += w * ga[k]
					db += w * gb[k]
				}
				continue
			}
			l4 := c4[k] - rx*lt[s.ti[i]]
			var lse, w3, w4 float64
			if l3 >= l4 {
				e := math.Exp(l4 - l3)
				lse = l3 + math.Log1p(e)
				w3, w4 = 1/(1+e), e/(1+e)
			} else {
				e := math.Exp(l3 - l4)
				lse = l4 + math.Log1p(e)
				w3, w4 = e/(1+e), 1/(1+e)
			}
			ll += w * (c1[k] + lse)
			if grad != nil {
				dr += w * (gr[k] - w3*lT[s.Ti[i]] - w4*lt[s.ti[i]])
				dal += w * (r/al - rx*(w3*iT[s.Ti[i]]+w4*it[s.ti[i]]))
				da += w * (ga[k] + w4/a)
				db += w * (gb[k] - w4*ib[k])
			}
		}
		acc[0] += ll
		acc[1] += dr
		acc[2] += dal
		acc[3] += da
		acc[4] += db
	})
	if grad != nil {
		// Chain rule to log-parameters, sign flip for the negative LL.
		grad[0] = -acc[1] * r
		grad[1] = -acc[2] * al
		grad[2] = -acc[3] * a
		grad[3] = -acc[4] * b
	}
	return -acc[0]
}

// logShift returns log(c+v) and 1/(c+v) for each v.
func logShift(v []float64, c float64) (lg, inv []float64) {
	lg, inv = make([]float64, len(v)), make([]float64, len(v))
	for i, t := range v {
		lg[i] = math.Log(c + t)
		inv[i] = 1 / (c + t)
	}
	return lg, inv
}

func lgamma(x float64) float64 {
	v, _ := math.Lgamma(x)
	return v
}
