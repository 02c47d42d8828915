package btyd

import (
	"fmt"
	"math"
)

// ReturnPrior is the population distribution of customers' return shares
// (returned value / gross value) used to shrink each customer's observed
// share towards the population share, so that a customer with little
// purchase history is not scored with an extreme 0 % or 100 % return rate.
//
// A customer with gross value G, returned value R and exposure m (see
// FitReturnPrior) gets the credibility (empirical Bayes) estimate
//
//	share = Z·R/G + (1-Z)·Share,   Z = m/(m + Weight).
//
// With the gross value as exposure (m = G) this is (R + Weight·Share)/(G +
// Weight), the posterior mean of a beta-binomial model in which each unit
// of value is a trial and the prior is Beta(Weight·Share,
// Weight·(1-Share)). It is the credibility estimator of Bühlmann & Straub
// (1970), "Glaubwürdigkeit für Schadensätze", Mitt. Vereinigung Schweiz.
// Versicherungsmath. 70:111-133, with m as the volume measure. Expected net
// spend per order is then the Gamma-Gamma expected gross spend times
// (1 - share); see NetSpend.
type ReturnPrior struct {
	// Share is the population return share, total returned over total
	// gross value; 0 <= Share <= 1.
	Share float64
	// Weight is the prior weight in units of exposure: a customer's own
	// share counts half once their exposure equals Weight. Zero means no
	// shrinkage; +Inf means every customer gets Share.
	Weight float64
}

// ShrunkShare returns the customer's return share shrunk towards the
// population share, Z·returned/gross + (1-Z)·Share with
// Z = exposure/(exposure + Weight); exposure is in the unit the prior was
// fitted with (the gross value itself when FitReturnPrior had nil
// exposure). A customer without gross value or exposure gets Share.
// returned is clamped to [0, gross] (returns of orders placed before the
// window would otherwise give a share above 1).
func (p ReturnPrior) ShrunkShare(gross, returned, exposure float64) float64 {
	if !(gross > 0) || !(exposure > 0) || math.IsInf(p.Weight, 1) {
		return p.Share
	}
	s := math.Min(math.Max(returned, 0), gross) / gross
	if p.Weight == 0 {
		return s
	}
	z := exposure / (exposure + p.Weight)
	return z*s + (1-z)*p.Share
}

// NetSpend returns the expected net spend per order: grossSpend, the
// Gamma-Gamma expected gross spend per order
// (GammaGamma.ConditionalExpectedAverageSpend fitted on gross order
// values), times 1 - ShrunkShare(gross, returned, exposure).
func (p ReturnPrior) NetSpend(grossSpend, gross, returned, exposure float64) float64 {
	return grossSpend * (1 - p.ShrunkShare(gross, returned, exposure))
}

// FitReturnPrior estimates the ReturnPrior from the customers' gross and
// returned values by the method of moments. exposure is the volume over
// which the customer's share is observed: if nil, the gross value (the
// beta-binomial on value); the number of orders or items fits better when
// customers have few orders of unequal value, because then the noise of a
// share depends on how many orders it averages more than on their value. If
// weights is nil all weights are 1. Customers without gross value or
// exposure count for nothing; returned is clamped to [0, gross] as in
// ShrunkShare.
//
// Share is the value-weighted population share ΣR/ΣG. For the weight, the
// observed share s_i = R_i/G_i of a customer whose true share is π_i is
// taken to have E[s_i | π_i] = π_i and Var(s_i | π_i) ∝ π_i(1-π_i)/m_i for
// exposure m_i (binomial noise). Across customers π_i has mean Share and
// variance τ², so
//
//	E[(s_i - Share)²] = τ² + φ/m_i,
//
// and (τ², φ) are the coefficients of a regression of (s_i - Share)² on
// (1, 1/m_i), fitted by iteratively reweighted least squares with weights
// 1/(τ² + φ/m_i)² (the inverse variance of a squared normal deviate; the
// first pass is unweighted). The credibility weight is Weight = φ/τ², the
// ratio of the within-customer to the between-customer variance. A
// non-positive τ² (no heterogeneity beyond noise) gives Weight = +Inf, a
// non-positive φ gives Weight = 0. The O(1/N) bias of using the estimated
// Share in the residuals is ignored.
//
// The weight is right when the exposure counts the trials over which
// returns are decided: on simulated binomial returns it recovers the prior
// weight to within 10 % at 20,000 customers. When customers have few items
// of unequal value, the noise of a share falls more slowly than 1/m, part
// of it is taken for between-customer variance and the weight comes out
// low, i.e. the shares are shrunk less than would be optimal (a factor of
// about 2 with item counts as exposure, 10 with gross value, in the
// simulations of returns_test.go); the shrunk shares are still far closer
// to the truth than the raw ones.
//
// It returns an error if a value is negative or not finite, if there is no
// gross value, or if fewer than two distinct exposures leave the two
// variances inseparable; it panics if the lengths differ.
func FitReturnPrior(gross, returned, exposure, weights []float64) (ReturnPrior, error) {
	n := len(gross)
	if len(returned) != n || (exposure != nil && len(exposure) != n) || (weights != nil && len(weights) != n) {
		panic("btyd: gross, returned, exposure and weights have different lengths")
	}
	if exposure == nil {
		exposure = gross
	}
	var sumG, sumR float64
	for i, g := range gross {
		r, m, w := returned[i], exposure[i], 1.0
		if weights != nil {
			w = weights[i]
		}
		bad := func(v float64) bool { return !(v >= 0) || math.IsInf(v, 0) }
		if bad(g) || bad(r) || bad(m) || bad(w) {
			return ReturnPrior{}, fmt.Errorf("btyd: customer %d: gross %v, returned %v, exposure %v, weight %v must be finite and non-negative", i, g, r, m, w)
		}
		if m > 0 {
			sumG += w * g
			sumR += w * math.Min(r, g)
		}
	}
	if sumG == 0 {
		return ReturnPrior{}, fmt.Errorf("btyd: return prior: no customer with gross value and exposure")
	}
	p := ReturnPrior{Share: sumR / sumG}
	tau2, phi, ok := momentRegression(gross, returned, exposure, weights, p.Share)
	switch {
	case !ok:
		return p, fmt.Errorf("btyd: return prior: fewer than two distinct exposures; the between-customer and within-customer variances cannot be separated")
	case !(tau2 > 0):
		p.Weight = math.Inf(1)
	case !(phi > 0):
		p.Weight = 0
	default:
		p.Weight = phi / tau2
	}
	return p, nil
}

// momentRegression fits E[(s_i - mu)²] = tau2 + phi/m_i by iteratively
// reweighted least squares (see FitReturnPrior). ok is false when the
// regression is singular (fewer than two distinct exposures).
func momentRegression(gross, returned, exposure, weights []float64, mu float64) (tau2, phi float64, ok bool) {
	for iter := range 50 {
		// Normal equations of the weighted regression on (1, 1/m).
		var s0, s1, s2, t0, t1 float64
		for i, g := range gross {
			w := 1.0
			if weights != nil {
				w = weights[i]
			}
			if !(g > 0) || !(exposure[i] > 0) || w == 0 {
				continue
			}
			s := math.Min(returned[i], g) / g
			d := (s - mu) * (s - mu)
			x := 1 / exposure[i]
			if iter > 0 {
				v := tau2 + phi*x
				w /= v * v
			}
			s0 += w
			s1 += w * x
			s2 += w * x * x
			t0 += w * d
			t1 += w * d * x
		}
		det := s0*s2 - s1*s1
		if !(det > 1e-12*s0*s2) {
			return 0, 0, false
		}
		nt, np := (s2*t0-s1*t1)/det, (s0*t1-s1*t0)/det
		if !(nt > 0) || !(np > 0) {
			// A boundary (no heterogeneity or no noise), where the
			// reweighting would divide by zero.
			return nt, np, true
		}
		done := iter > 0 && math.Abs(nt-tau2) <= 1e-10*nt && math.Abs(np-phi) <= 1e-10*np
		tau2, phi = nt, np
		if done {
			break
		}
	}
	return tau2, phi, true
}
