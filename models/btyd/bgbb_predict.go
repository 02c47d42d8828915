package btyd

import (
	"math"

	"gonum.org/v1/gonum/mathext"
)

// ProbabilityAlive returns the probability that a customer with history
// (x, t_x, n) is alive at the next transaction opportunity, n+1, Fader,
// Hardie & Shang (2010) eq. (A10) as numbered in lifetimes:
//
//	P(alive at n+1) = B(α+x, β+n-x)/B(α,β) B(γ, δ+n+1)/B(γ,δ) / L(x, t_x, n).
//
// It is lifetimes' conditional_probability_alive(m_periods_in_future=1) and
// BTYD's bgbb.PAlive. x, t_x and n are rounded to integers.
func (m BGBB) ProbabilityAlive(x, tx, n float64) float64 {
	xi, ti, ni := roundHistory(x, tx, n)
	fx, fn := float64(xi), float64(ni)
	l := mathext.Lbeta(m.Alpha+fx, m.Beta+fn-fx) - mathext.Lbeta(m.Alpha, m.Beta) +
		mathext.Lbeta(m.Gamma, m.Delta+fn+1) - mathext.Lbeta(m.Gamma, m.Delta)
	return math.Exp(l - m.logLik(xi, ti, ni))
}

// ConditionalExpectedPurchases returns E[X(n, n+n*) | x, t_x, n], the
// expected number of transactions in the next nStar opportunities of a
// customer with history (x, t_x, n), Fader, Hardie & Shang (2010) eq. (13):
//
//	E = 1/L(x,t_x,n) B(α+x+1, β+n-x)/B(α,β) δ/(γ-1) Γ(γ+δ)/Γ(1+δ)
//	    [Γ(1+δ+n)/Γ(γ+δ+n) - Γ(1+δ+n+n*)/Γ(γ+δ+n+n*)].
//
// For whole nStar the bracket is summed period by period (see remaining),
// which is exact at γ = 1 where the closed form is 0/0. A non-integer nStar
// is evaluated by the closed form, which interpolates smoothly between
// whole periods. It is lifetimes' conditional_expected_number_of_purchases_up_to_time
// and BTYD's bgbb.ConditionalExpectedTransactions.
func (m BGBB) ConditionalExpectedPurchases(nStar, x, tx, n float64) float64 {
	if nStar <= 0 {
		return 0
	}
	xi, ti, ni := roundHistory(x, tx, n)
	fx, fn := float64(xi), float64(ni)
	lead := mathext.Lbeta(m.Alpha+fx+1, m.Beta+fn-fx) - mathext.Lbeta(m.Alpha, m.Beta) - m.logLik(xi, ti, ni)
	return math.Exp(lead) * m.remaining(fn, nStar)
}

// remaining returns the expected number of the opportunities n+1..n+n* at
// which a customer alive at opportunity n is still alive, before the
// posterior weighting of the transaction probability:
//
//	Σ_{k=n+1}^{n+n*} B(γ, δ+k)/B(γ, δ)
//	  = δ/(γ-1) Γ(γ+δ)/Γ(1+δ) [Γ(1+δ+n)/Γ(γ+δ+n) - Γ(1+δ+n+n*)/Γ(γ+δ+n+n*)],
//
// the factor of Fader, Hardie & Shang (2010) eq. (13). For whole n* up to
// 1e5 the sum is taken directly, its terms by the recursion
// B(γ, δ+k)/B(γ, δ+k-1) = (δ+k-1)/(γ+δ+k-1), which is exact at γ = 1 where the
// closed form is 0/0. Otherwise the closed form is used with the gamma
// ratios in logs and their difference through expm1, and at |γ-1| < 1e-7 γ
// is moved to 1+1e-7 (as BGNBD.ConditionalExpectedPurchases does with a).
func (m BGBB) remaining(n, nStar float64) float64 {
	g, d := m.Gamma, m.Delta
	if nStar == math.Trunc(nStar) && nStar <= 1e5 {
		t := math.Exp(mathext.Lbeta(g, d+n) - mathext.Lbeta(g, d))
		var sum float64
		for k := n + 1; k <= n+nStar; k++ {
			t *= (d + k - 1) / (g + d + k - 1)
			sum += t
		}
		return sum
	}
	if math.Abs(g-1) < 1e-7 {
		g = 1 + 1e-7
	}
	c := lgamma(g+d) - lgamma(1+d)
	e1 := c + lgamma(1+d+n) - lgamma(g+d+n)
	e2 := c + lgamma(1+d+n+nStar) - lgamma(g+d+n+nStar)
	return d / (g - 1) * math.Exp(e1) * -math.Expm1(e2-e1)
}

// ExpectedPurchases returns E[X(n)], the expected number of repeat
// transactions of a new customer in n opportunities, Fader, Hardie & Shang
// (2010), Sec. 3:
//
//	E[X(n)] = α/(α+β) δ/(γ-1) [1 - Γ(γ+δ)/Γ(γ+δ+n) Γ(1+δ+n)/Γ(1+δ)].
//
// It is BTYD's bgbb.Expectation.
func (m BGBB) ExpectedPurchases(n float64) float64 {
	if n <= 0 {
		return 0
	}
	return m.Alpha / (m.Alpha + m.Beta) * m.remaining(0, n)
}

// ProbabilityOfPurchases returns P(X(n) = x), the probability that a new
// customer makes x repeat transactions in n opportunities, Fader, Hardie &
// Shang (2010) eq. (7) as numbered in lifetimes:
//
//	P(X(n)=x) = C(n,x) B(α+x, β+n-x)/B(α,β) B(γ, δ+n)/B(γ,δ)
//	          + Σ_{i=x}^{n-1} C(i,x) B(α+x, β+i-x)/B(α,β) B(γ+1, δ+i)/B(γ,δ).
//
// Multiplied by the cohort size it gives the expected number of customers
// with x repeat transactions, the histogram of the paper's Figure 3. It is
// lifetimes' expected_number_of_transactions_in_first_n_periods (divided by
// the cohort size) and BTYD's bgbb.pmf.
func (m BGBB) ProbabilityOfPurchases(n, x int) float64 {
	if x < 0 || x > n {
		return 0
	}
	al, be, ga, de := m.Alpha, m.Beta, m.Gamma, m.Delta
	lab, lgd := mathext.Lbeta(al, be), mathext.Lbeta(ga, de)
	fx, fn := float64(x), float64(n)
	p := math.Exp(lchoose(n, x) + mathext.Lbeta(al+fx, be+fn-fx) - lab + mathext.Lbeta(ga, de+fn) - lgd)
	for i := x; i < n; i++ {
		fi := float64(i)
		p += math.Exp(lchoose(i, x) + mathext.Lbeta(al+fx, be+fi-fx) - lab + mathext.Lbeta(ga+1, de+fi) - lgd)
	}
	return p
}

// lchoose returns log C(n, k).
func lchoose(n, k int) float64 {
	return lgamma(float64(n+1)) - lgamma(float64(k+1)) - lgamma(float64(n-k+1))
}
