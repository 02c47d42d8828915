package btyd

import (
	"math"

	"gonum.org/v1/gonum/mathext"
)

// ProbabilityAlive returns P(alive | x, t_x, T) as derived in Fader, Hardie
// & Lee (2008), "Computing P(alive) Using the BG/NBD Model",
// brucehardie.com/notes/021:
//
//	P(alive) = 1 / (1 + δ(x>0) a/(b+x-1) ((α+T)/(α+t_x))^(r+x)).
//
// It is lifetimes' conditional_probability_alive and BTYD's bgnbd.PAlive.
func (m BGNBD) ProbabilityAlive(x, tx, T float64) float64 {
	if x <= 0 {
		return 1
	}
	z := math.Log(m.A) - math.Log(m.B+x-1) + (m.R+x)*(math.Log(m.Alpha+T)-math.Log(m.Alpha+tx))
	return 1 / (1 + math.Exp(z))
}

// ConditionalExpectedPurchases returns E[Y(t) | x, t_x, T], the expected
// number of purchases in the next t time units, FHL (2005) eq. 10:
//
//	E[Y(t)|x,t_x,T] = (a+b+x-1)/(a-1) [1 - ((α+T)/(α+T+t))^(r+x)
//	                  2F1(r+x, b+x; a+b+x-1; t/(α+T+t))] P(alive).
//
// The 2F1 factor is evaluated through Euler's transformation (Abramowitz &
// Stegun 15.3.3) as (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z), which stays
// moderate for heavy buyers. At a = 1, where the formula has a removable
// singularity, a is moved to 1+1e-7. It is lifetimes'
// conditional_expected_number_of_purchases_up_to_time and BTYD's
// bgnbd.ConditionalExpectedTransactions.
func (m BGNBD) ConditionalExpectedPurchases(t, x, tx, T float64) float64 {
	if t <= 0 {
		return 0
	}
	a := m.A
	if math.Abs(a-1) < 1e-7 {
		a = 1 + 1e-7
	}
	z := t / (m.Alpha + T + t)
	h := math.Exp((a-1)*math.Log1p(-z)) * mathext.Hypergeo(a+m.B-1-m.R, a-1, a+m.B+x-1, z)
	return (a + m.B + x - 1) / (a - 1) * (1 - h) * m.ProbabilityAlive(x, tx, T)
}

// ExpectedPurchases returns E[X(t)], the expected number of repeat purchases
// of a new customer in a period of length t, FHL (2005) eq. 9 (the conditional
// expectation with x = t_x = T = 0). It is lifetimes'
// expected_number_of_purchases_up_to_time and BTYD's bgnbd.Expectation.
func (m BGNBD) ExpectedPurchases(t float64) float64 {
	return m.ConditionalExpectedPurchases(t, 0, 0, 0)
}

// ProbabilityOfPurchases returns P(X(t) = n) for a new customer, FHL (2005)
// eq. 8:
//
//	P(X(t)=n) = B(a,b+n)/B(a,b) Γ(r+n)/(Γ(r)n!) (α/(α+t))^r (t/(α+t))^n
//	          + δ(n>0) B(a+1,b+n-1)/B(a,b) [1 - Σ_{j<n} NB_j],
//
// where NB_j are the negative binomial probabilities; the bracket is computed
// as the regularized incomplete beta I_{t/(α+t)}(n, r). n is rounded to the
// nearest integer. It is lifetimes' probability_of_n_purchases_up_to_time and
// BTYD's bgnbd.pmf.
func (m BGNBD) ProbabilityOfPurchases(t float64, n int) float64 {
	if n < 0 {
		return 0
	}
	if t <= 0 {
		if n == 0 {
			return 1
		}
		return 0
	}
	r, al, a, b := m.R, m.Alpha, m.A, m.B
	nf := float64(n)
	lbab := mathext.Lbeta(a, b)
	l1 := mathext.Lbeta(a, b+nf) - lbab + lgamma(r+nf) - lgamma(r) - lgamma(nf+1) +
		r*math.Log(al/(al+t)) + nf*math.Log(t/(al+t))
	p := math.Exp(l1)
	if n > 0 {
		p += math.Exp(mathext.Lbeta(a+1, b+nf-1)-lbab) * mathext.RegIncBeta(nf, r, t/(al+t))
	}
	return p
}

// ProbabilityNoPurchases returns the probability that a customer with history
// (x, t_x, T) makes no purchase in the next t time units. For both BG/NBD and
// Pareto/NBD the event "history (x, t_x, T) and no purchase in (T, T+t]" is
// the history (x, t_x, T+t), so the probability is the likelihood ratio
// L(x, t_x, T+t) / L(x, t_x, T); for the BG/NBD this equals
// 1 - P(alive) + P(alive) ((α+T)/(α+T+t))^(r+x).
func (m BGNBD) ProbabilityNoPurchases(t, x, tx, T float64) float64 {
	if t <= 0 {
		return 1
	}
	return math.Exp(m.LogLikelihood(x, tx, T+t) - m.LogLikelihood(x, tx, T))
}

// ExpectedTimeToNextPurchase returns the expected waiting time to the next
// purchase of a customer who is alive, taken as 1/E[λ | alive, x, T] =
// (α+T)/(r+x): the reciprocal of the posterior mean purchase rate, since given
// alive λ ~ Gamma(r+x, α+T) (Bayes' rule on the individual-level likelihood of
// FHL 2005). The posterior mean of the
// waiting time itself, E[1/λ] = (α+T)/(r+x-1), is infinite when r+x <= 1,
// which is why it is not used. The value is in model time units and ignores
// the chance of dropping out first.
func (m BGNBD) ExpectedTimeToNextPurchase(x, tx, T float64) float64 {
	return (m.Alpha + T) / (m.R + x)
}
