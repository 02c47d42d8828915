package sbg

import (
	"math"
)

// Model is a shifted-beta-geometric retention model. The churn probability
// theta of a subscriber is distributed Beta(Alpha, Beta).
type Model struct {
	// Alpha is the first shape parameter of the beta mixing distribution; it
	// must be positive.
	Alpha float64
	// Beta is the second shape parameter of the beta mixing distribution; it
	// must be positive.
	Beta float64
}

func (m Model) check() {
	if !(m.Alpha > 0) || !(m.Beta > 0) || math.IsInf(m.Alpha, 0) || math.IsInf(m.Beta, 0) {
		panic("sbg: alpha and beta must be positive and finite")
	}
}

// ChurnProb returns P(T = t), the probability that a new subscriber churns in
// period t (does not renew at the end of period t), t >= 1; it returns 0 for
// t < 1. Fader & Hardie (2007) eq. (7):
//
//	P(T=1) = alpha/(alpha+beta)
//	P(T=t) = (beta+t-2)/(alpha+beta+t-1) * P(T=t-1)
func (m Model) ChurnProb(t int) float64 {
	m.check()
	if t < 1 {
		return 0
	}
	return math.Exp(lbeta(m.Alpha+1, m.Beta+float64(t)-1) - lbeta(m.Alpha, m.Beta))
}

// Survival returns S(t) = P(T > t), the probability that a new subscriber is
// still active after t renewal opportunities (at the start of period t+1, or
// "year t" in Fader & Hardie's tables). S(0) = 1. Fader & Hardie (2007) eq. (8):
//
//	S(t) = B(alpha, beta+t) / B(alpha, beta)
func (m Model) Survival(t int) float64 {
	m.check()
	if t <= 0 {
		return 1
	}
	return math.Exp(lbeta(m.Alpha, m.Beta+float64(t)) - lbeta(m.Alpha, m.Beta))
}

// Retention returns the retention rate r(t) = S(t)/S(t-1) =
// (beta+t-1)/(alpha+beta+t-1), the share of the subscribers active in period
// t who renew at its end, t >= 1. Fader & Hardie (2007) eq. (9). It returns
// NaN for t < 1.
func (m Model) Retention(t int) float64 {
	m.check()
	if t < 1 {
		return math.NaN()
	}
	ft := float64(t)
	return (m.Beta + ft - 1) / (m.Alpha + m.Beta + ft - 1)
}

// Survivors returns the expected number of active subscribers n0*S(t) for
// t = 0..periods of a cohort of n0 subscribers acquired at time 0; the
// result has periods+1 elements and its first element is n0. It is the
// projection of Fader & Hardie (2007), Figure 4 and Table 2.
func (m Model) Survivors(n0 float64, periods int) []float64 {
	m.check()
	if periods < 0 {
		panic("sbg: negative number of periods")
	}
	out := make([]float64, periods+1)
	s := 1.0
	out[0] = n0
	for t := 1; t <= periods; t++ {
		s *= m.Retention(t)
		out[t] = n0 * s
	}
	return out
}

// DERL returns the discounted expected residual lifetime of a subscriber who
// has made n renewals (is active in period n+1), Fader & Hardie (2010) eq. (6)
// written for n renewals rather than n-1:
//
//	DERL(d | alpha, beta, n) = (beta+n)/(alpha+beta+n) *
//	        2F1(1, beta+n+1; alpha+beta+n+1; 1/(1+d))
//
// Convention: the value is taken at the end of the current period, just
// before the subscriber's next renewal decision; every payment is made at a
// renewal (at the start of the period it pays for), the next renewal is
// counted undiscounted and the k-th one after it is discounted by
// 1/(1+d)^k; the payment for the current period is excluded. This is the
// convention of jdmaturen/shifted_beta_geometric_py, whose DERL(d=0.10, n=7)
// for the high-end cohort (7.530) is the paper's expression with n-1 = 7.
//
// d is the discount rate per period and must be positive. The series is
// summed directly (its terms fall at least as fast as 1/(1+d)^k), which is
// accurate for any d > 0; the 2F1 form is mathext.Hypergeo.
func (m Model) DERL(d float64, n int) float64 {
	m.check()
	if !(d > 0) || math.IsInf(d, 0) {
		panic("sbg: discount rate must be positive and finite")
	}
	if n < 0 {
		panic("sbg: negative number of renewals")
	}
	z := 1 / (1 + d)
	bn := m.Beta + float64(n)
	abn := m.Alpha + bn
	// term_k = prod_{j=0..k} (bn+j)/(abn+j) * z^k
	term := bn / abn
	sum := term
	tail := z / (1 - z)
	for k := 1; k < 100_000_000; k++ {
		fk := float64(k)
		term *= (bn + fk) / (abn + fk) * z
		sum += term
		// The remaining terms are bounded by term*z/(1-z).
		if term*tail <= 1e-15*sum {
			break
		}
	}
	return sum
}

// Timing says when a recurring payment is received within a period.
type Timing int

const (
	// AtRenewal is the Fader & Hardie (2010) convention used by DERL: a
	// payment is received at each renewal, at the start of the period it
	// pays for, and the next renewal is valued undiscounted.
	AtRenewal Timing = iota
	// EndOfPeriod receives each payment one period later than AtRenewal, at
	// the end of the period it pays for; values are DERL/(1+d).
	EndOfPeriod
)

// ResidualValue returns the expected discounted residual lifetime value of a
// subscriber who has made n renewals and pays revenue per period:
// revenue*DERL(d, n) when timing is AtRenewal and revenue*DERL(d, n)/(1+d)
// when timing is EndOfPeriod. The payment for the current period is not
// included; add it for a value "including this period".
func (m Model) ResidualValue(revenue, d float64, n int, timing Timing) float64 {
	v := revenue * m.DERL(d, n)
	switch timing {
	case AtRenewal:
		return v
	case EndOfPeriod:
		return v / (1 + d)
	default:
		panic("sbg: unknown timing")
	}
}

// lbeta returns log B(a, b).
func lbeta(a, b float64) float64 {
	la, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	lab, _ := math.Lgamma(a + b)
	return la + lb - lab
}
