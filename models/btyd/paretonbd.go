package btyd

import (
	"math"

	"gonum.org/v1/gonum/mathext"
)

// ParetoNBD is the Pareto/NBD model of Schmittlein, Morrison & Colombo
// (1987), "Counting Your Customers: Who Are They and What Will They Do
// Next?", Management Science 33(1):1-24. While alive a customer buys as a
// Poisson process with rate lambda ~ Gamma(R, Alpha); the unobserved lifetime
// is exponential with rate mu ~ Gamma(S, Beta). It is lifetimes'
// ParetoNBDFitter and BTYD's pnbd.* family.
type ParetoNBD struct {
	R     float64 // shape of the purchase-rate gamma; R > 0
	Alpha float64 // rate of the purchase-rate gamma, in model time units; Alpha > 0
	S     float64 // shape of the dropout-rate gamma; S > 0
	Beta  float64 // rate of the dropout-rate gamma, in model time units; Beta > 0
}

// Name returns "Pareto/NBD".
func (ParetoNBD) Name() string { return "Pareto/NBD" }

// Params returns the parameter names r, alpha, s, beta and their values.
func (m ParetoNBD) Params() ([]string, []float64) {
	return []string{"r", "alpha", "s", "beta"}, []float64{m.R, m.Alpha, m.S, m.Beta}
}

// LogLikelihood returns the log of the individual likelihood of Fader &
// Hardie (2005), "A Note on Deriving the Pareto/NBD Model and Related
// Expressions", brucehardie.com/notes/009, Sec. 3:
//
//	L = Γ(r+x)α^r β^s/Γ(r) [1/((α+T)^(r+x)(β+T)^s) + s/(r+s+x) A0],
//
// with A0 = F(t_x) - F(T) the Gauss hypergeometric terms of the same section (see
// logTerm), evaluated as a log-sum-exp.
func (m ParetoNBD) LogLikelihood(x, tx, T float64) float64 {
	c := lgamma(m.R+x) - lgamma(m.R) + m.R*math.Log(m.Alpha) + m.S*math.Log(m.Beta)
	l1, l2 := m.logBranches(x, m.logTerm(x, tx), m.logTerm(x, T), T)
	return c + logSumExp(l1, l2)
}

// logBranches returns the logs of the "alive at T" term
// 1/((α+T)^(r+x)(β+T)^s) and of the "died in (t_x, T]" term s/(r+s+x) A0,
// given the logTerm values at t_x and T.
func (m ParetoNBD) logBranches(x, ltx, lT, T float64) (l1, l2 float64) {
	l1 = -(m.R+x)*math.Log(m.Alpha+T) - m.S*math.Log(m.Beta+T)
	l2 = math.Inf(-1)
	if lT < ltx {
		l2 = math.Log(m.S/(m.R+m.S+x)) + ltx + math.Log(-math.Expm1(lT-ltx))
	}
	return l1, l2
}

// logTerm returns the log of one term of A0 at age u, Fader & Hardie (2005)
// Sec. 3. For α >= β the term is
//
//	2F1(r+s+x, s+1; r+s+x+1; (α-β)/(α+u)) / (α+u)^(r+s+x)
//
// and for α < β the same with the roles of (α, s+1) and (β, r+x) exchanged.
// Euler's transformation 2F1(a,b;c;z) = (1-z)^(c-a-b) 2F1(c-a,c-b;c;z)
// (Abramowitz & Stegun 15.3.3) turns them into
//
//	α >= β: 2F1(1, r+x; r+s+x+1; z) (β+u)^(-s) (α+u)^(-(r+x)),
//	α <  β: 2F1(1, s+1; r+s+x+1; z) (α+u)^(1-r-x) (β+u)^(-(1+s)),
//
// whose series have first parameter 1 and positive terms bounded by z^n, so
// mathext.Hypergeo stays moderate for any x while the powers are taken in
// logs; the argument z lies in [0, 1) on both branches.
func (m ParetoNBD) logTerm(x, u float64) float64 {
	r, al, s, be := m.R, m.Alpha, m.S, m.Beta
	c := r + s + x + 1
	if al >= be {
		z := (al - be) / (al + u)
		return math.Log(mathext.Hypergeo(1, r+x, c, z)) - s*math.Log(be+u) - (r+x)*math.Log(al+u)
	}
	z := (be - al) / (be + u)
	return math.Log(mathext.Hypergeo(1, s+1, c, z)) + (1-r-x)*math.Log(al+u) - (1+s)*math.Log(be+u)
}

// FitParetoNBD fits the Pareto/NBD model by maximum likelihood to the
// customers' frequency x, recency t_x and age T, all in one time unit. It is
// lifetimes' ParetoNBDFitter.fit and BTYD's pnbd.EstimateParameters.
//
// The likelihood is maximised over the log-parameters with L-BFGS. Its
// gradient is not analytic (it would need derivatives of 2F1 with respect to
// its parameters): it is the central difference of the summed
// log-likelihood with step 1e-5 on each log-parameter, which is accurate to
// about 1e-9 relative and lets L-BFGS converge to the gradient threshold on
// the CDNOW data. The cost is kept low by evaluating each hypergeometric term
// once per distinct (x, age) pair and each customer summary once per distinct
// (x, t_x, T).
func FitParetoNBD(frequency, recency, T []float64, s *Settings) (ParetoNBD, *Fit, error) {
	sum, err := newSummary(frequency, recency, T, s.weights())
	if err != nil {
		return ParetoNBD{}, nil, err
	}
	pr := newPairs(sum)
	workers := s.workers()
	f := func(lp []float64) float64 { return pnbdNLL(sum, pr, lp, workers) }
	obj := func(lp, grad []float64) float64 {
		v := f(lp)
		if grad != nil {
			const h = 1e-5
			x := append([]float64(nil), lp...)
			for i := range lp {
				x[i] = lp[i] + h
				fp := f(x)
				x[i] = lp[i] - h
				fm := f(x)
				x[i] = lp[i]
				grad[i] = (fp - fm) / (2 * h)
			}
		}
		return v
	}
	rate := sum.meanRate()
	x0 := []float64{0, math.Log(1 / rate), 0, math.Log(1 / rate)}
	if init := s.initial(); init != nil {
		for i := range x0 {
			x0[i] = math.Log(init[i])
		}
	}
	_, fit, err := maximize("Pareto/NBD", []string{"r", "alpha", "s", "beta"}, obj, x0, sum.n, len(sum.x), s, 1e-3)
	if fit == nil {
		return ParetoNBD{}, nil, err
	}
	e := fit.Estimates
	return ParetoNBD{R: e[0], Alpha: e[1], S: e[2], Beta: e[3]}, fit, err
}

// pairs indexes the distinct (x, age) pairs at which logTerm is needed: for
// every summary row, (x, t_x) and (x, T).
type pairs struct {
	x, u    []float64
	ptx, pT []int32 // per summary row
}

func newPairs(s *summary) *pairs {
	p := &pairs{ptx: make([]int32, len(s.x)), pT: make([]int32, len(s.x))}
	seen := make(map[[2]float64]int32)
	get := func(x, u float64) int32 {
		k := [2]float64{x, u}
		j, ok := seen[k]
		if !ok {
			j = int32(len(p.x))
			seen[k] = j
			p.x = append(p.x, x)
			p.u = append(p.u, u)
		}
		return j
	}
	for i := range s.x {
		p.ptx[i] = get(s.x[i], s.tx[i])
		p.pT[i] = get(s.x[i], s.T[i])
	}
	return p
}

// pnbdNLL returns the weighted negative log-likelihood at log-parameters lp.
func pnbdNLL(s *summary, p *pairs, lp []float64, workers int) float64 {
	m := ParetoNBD{R: math.Exp(lp[0]), Alpha: math.Exp(lp[1]), S: math.Exp(lp[2]), Beta: math.Exp(lp[3])}
	terms := make([]float64, len(p.x))
	parallelFor(len(p.x), workers, func(lo, hi int) {
		for j := lo; j < hi; j++ {
			terms[j] = m.logTerm(p.x[j], p.u[j])
		}
	})
	base := -lgamma(m.R) + m.R*math.Log(m.Alpha) + m.S*math.Log(m.Beta)
	cx := make([]float64, len(s.xv))
	for k, x := range s.xv {
		cx[k] = base + lgamma(m.R+x)
	}
	acc := parallelSum(len(s.x), 1, workers, func(lo, hi int, acc []float64) {
		var ll float64
		for i := lo; i < hi; i++ {
			l1, l2 := m.logBranches(s.x[i], terms[p.ptx[i]], terms[p.pT[i]], s.T[i])
			ll += s.w[i] * (cx[s.xi[i]] + logSumExp(l1, l2))
		}
		acc[0] += ll
	})
	v := -acc[0]
	if math.IsNaN(v) {
		return math.Inf(1)
	}
	return v
}

// ProbabilityAlive returns P(alive | x, t_x, T), Fader & Hardie (2005) note
// 009, Sec. 5: the share of the likelihood carried by the "still alive at T"
// term. It is lifetimes' conditional_probability_alive and BTYD's
// pnbd.PAlive.
func (m ParetoNBD) ProbabilityAlive(x, tx, T float64) float64 {
	l1, l2 := m.logBranches(x, m.logTerm(x, tx), m.logTerm(x, T), T)
	return math.Exp(l1 - logSumExp(l1, l2))
}

// ConditionalExpectedPurchases returns E[Y(t) | x, t_x, T], Fader & Hardie
// (2005) note 009, Sec. 6 (Schmittlein et al. 1987):
//
//	E[Y(t)|x,t_x,T] = (r+x)(β+T)/((α+T)(s-1)) [1 - ((β+T)/(β+T+t))^(s-1)] P(alive),
//
// with the s → 1 limit (r+x)(β+T)/(α+T) log((β+T+t)/(β+T)) P(alive) taken
// through expm1. It is lifetimes'
// conditional_expected_number_of_purchases_up_to_time and BTYD's
// pnbd.ConditionalExpectedTransactions.
func (m ParetoNBD) ConditionalExpectedPurchases(t, x, tx, T float64) float64 {
	if t <= 0 {
		return 0
	}
	return (m.R + x) * (m.Beta + T) / (m.Alpha + T) * m.lifeIntegral(t, T) * m.ProbabilityAlive(x, tx, T)
}

// lifeIntegral returns [1 - ((β+T)/(β+T+t))^(s-1)]/(s-1), or its limit
// log1p(t/(β+T)) at s = 1.
func (m ParetoNBD) lifeIntegral(t, T float64) float64 {
	l := math.Log1p(t / (m.Beta + T))
	if math.Abs(m.S-1) < 1e-12 {
		return l
	}
	return -math.Expm1(-(m.S-1)*l) / (m.S - 1)
}

// ExpectedPurchases returns E[X(t)] for a new customer, Fader & Hardie (2005)
// note 009, Sec. 4: rβ/(α(s-1)) [1 - (β/(β+t))^(s-1)]. It is lifetimes'
// expected_number_of_purchases_up_to_time and BTYD's pnbd.Expectation.
func (m ParetoNBD) ExpectedPurchases(t float64) float64 {
	if t <= 0 {
		return 0
	}
	return m.R * m.Beta / m.Alpha * m.lifeIntegral(t, 0)
}

// ProbabilityNoPurchases returns the probability that a customer with history
// (x, t_x, T) makes no purchase in the next t time units, computed as the
// likelihood ratio L(x, t_x, T+t) / L(x, t_x, T) (see
// BGNBD.ProbabilityNoPurchases for why this is exact).
func (m ParetoNBD) ProbabilityNoPurchases(t, x, tx, T float64) float64 {
	if t <= 0 {
		return 1
	}
	return math.Exp(m.LogLikelihood(x, tx, T+t) - m.LogLikelihood(x, tx, T))
}

// ExpectedTimeToNextPurchase returns (α+T)/(r+x), the reciprocal of the
// posterior mean purchase rate of a customer alive at T (given alive,
// λ ~ Gamma(r+x, α+T); Bayes' rule on the note's Sec. 2 likelihood). As for the BG/NBD,
// the posterior mean of 1/λ, (α+T)/(r+x-1), is avoided because it is
// infinite for r+x <= 1. The chance of dying first is ignored.
func (m ParetoNBD) ExpectedTimeToNextPurchase(x, tx, T float64) float64 {
	return (m.Alpha + T) / (m.R + x)
}
