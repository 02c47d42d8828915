package btyd

import "math"

// ProbabilityAlive returns P(alive | x, t_x, T), Fader & Hardie (2005) note,
// eq. 18: the share of the likelihood carried by the "still alive at T"
// term. It is lifetimes' conditional_probability_alive and BTYD's
// pnbd.PAlive.
func (m ParetoNBD) ProbabilityAlive(x, tx, T float64) float64 {
	l1, l2 := m.logBranches(x, m.logTerm(x, tx), m.logTerm(x, T), T)
	return math.Exp(l1 - logSumExp(l1, l2))
}

// ConditionalExpectedPurchases returns E[Y(t) | x, t_x, T], Fader & Hardie
// (2005) note, eq. 21 (Schmittlein et al. 1987, eq. 22):
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
// note, eq. 17: rβ/(α(s-1)) [1 - (β/(β+t))^(s-1)]. It is lifetimes'
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
// λ ~ Gamma(r+x, α+T); Fader & Hardie 2005 note, Sec. 4). As for the BG/NBD,
// the posterior mean of 1/λ, (α+T)/(r+x-1), is avoided because it is
// infinite for r+x <= 1. The chance of dying first is ignored.
func (m ParetoNBD) ExpectedTimeToNextPurchase(x, tx, T float64) float64 {
	return (m.Alpha + T) / (m.R + x)
}
