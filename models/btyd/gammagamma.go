package btyd

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mathext"
)

// ErrUndefinedMean is returned by FitGammaGamma when the fitted q is at most
// 1: the gamma-distributed population of mean spends then has no finite mean
// and ConditionalExpectedAverageSpend is undefined.
var ErrUndefinedMean = errors.New("btyd: Gamma-Gamma q <= 1, mean spend undefined")

// GammaGamma is the Gamma-Gamma model of spend per transaction of Fader &
// Hardie (2013), "The Gamma-Gamma Model of Monetary Value", note 025 (also
// Fader, Hardie & Lee 2005, "RFM and CLV: Using Iso-Value Curves", JMR 42(4)).
// A customer's transaction values are Gamma(P, ν) with ν ~ Gamma(Q, Gamma)
// across customers. It is lifetimes' GammaGammaFitter, whose "v" is Gamma.
type GammaGamma struct {
	P     float64 // shape of the per-transaction spend gamma; P > 0
	Q     float64 // shape of the gamma mixing distribution; Q > 1 for a finite mean
	Gamma float64 // scale of the gamma mixing distribution (lifetimes' v); Gamma > 0
}

// PopulationMean returns the mean spend per transaction in the population,
// E[Z] = p γ/(q-1), or +Inf when q <= 1.
func (m GammaGamma) PopulationMean() float64 {
	if m.Q <= 1 {
		return math.Inf(1)
	}
	return m.P * m.Gamma / (m.Q - 1)
}

// ConditionalExpectedAverageSpend returns E[M | x, zbar] (Fader & Hardie
// 2013, note 025, the conditional expectation of the mean spend), the posterior mean spend per transaction of a customer with x
// repeat transactions of mean value zbar:
//
//	E[M | x, zbar] = p (γ + x zbar) / (p x + q - 1),
//
// a weighted average of the population mean pγ/(q-1) and zbar. Customers
// without positive repeat spend (x <= 0, or zbar <= 0 or NaN after returns
// are netted out) get the population mean. It is lifetimes'
// conditional_expected_average_profit.
func (m GammaGamma) ConditionalExpectedAverageSpend(x, zbar float64) float64 {
	if !(x > 0) || !(zbar > 0) || math.IsInf(zbar, 0) {
		return m.PopulationMean()
	}
	return m.P * (m.Gamma + x*zbar) / (m.P*x + m.Q - 1)
}

// FitGammaGamma fits the Gamma-Gamma model by maximum likelihood (Fader &
// Hardie 2013, note 025, the marginal density of zbar) to the repeat buyers: customers with frequency x > 0 and
// monetary value zbar > 0, where zbar is the mean net spend per repeat
// transaction. Other customers are skipped: the caller passes net spend per
// order, and customers whose returns leave no positive spend are scored with
// the population mean by ConditionalExpectedAverageSpend. The likelihood of
// zbar given x is
//
//	f(zbar | x) = Γ(px+q)/(Γ(px)Γ(q)) γ^q x^(px) zbar^(px-1) / (γ + x zbar)^(px+q),
//
// maximised over log-parameters with L-BFGS and its analytic gradient.
// s.Weights, if set, weights all customers (skipped ones included).
// A fitted q <= 1 returns the estimates with an error wrapping
// ErrUndefinedMean; non-convergence an error wrapping ErrNotConverged.
// It is lifetimes' GammaGammaFitter.fit.
func FitGammaGamma(frequency, monetary []float64, s *Settings) (GammaGamma, *Fit, error) {
	if len(monetary) != len(frequency) {
		panic("btyd: frequency and monetary have different lengths")
	}
	ws := s.weights()
	if ws != nil && len(ws) != len(frequency) {
		panic("btyd: weights and frequency have different lengths")
	}
	var d ggData
	xs := map[float64]int32{}
	small := make([]int32, 1024) // index of integer x below 1024, -1 if unseen
	for i := range small {
		small[i] = -1
	}
	eligible := 0
	for i, x := range frequency {
		if x > 0 && monetary[i] > 0 {
			eligible++
		}
	}
	d.x, d.xz, d.w = make([]float64, 0, eligible), make([]float64, 0, eligible), make([]float64, 0, eligible)
	for i, x := range frequency {
		z := monetary[i]
		w := 1.0
		if ws != nil {
			w = ws[i]
		}
		if !(x > 0) || !(z > 0) || math.IsInf(z, 0) || math.IsInf(x, 0) || !(w > 0) {
			continue
		}
		var k int32
		var ok bool
		if xi := int(x); float64(xi) == x && xi < len(small) {
			k = small[xi]
			ok = k >= 0
			if !ok {
				small[xi] = int32(len(d.xv))
			}
		} else {
			k, ok = xs[x]
		}
		if !ok {
			k = int32(len(d.xv))
			xs[x] = k
			d.xv = append(d.xv, x)
			d.sumW = append(d.sumW, 0)
			d.sumLogZ = append(d.sumLogZ, 0)
		}
		d.x = append(d.x, x)
		d.xz = append(d.xz, x*z)
		d.w = append(d.w, w)
		d.sumW[k] += w
		d.sumLogZ[k] += w * math.Log(z)
		d.n += w
		d.meanZ += w * z
	}
	if d.n == 0 {
		return GammaGamma{}, nil, fmt.Errorf("btyd: Gamma-Gamma fit: no customer with frequency > 0 and monetary value > 0")
	}
	d.meanZ /= d.n
	workers := s.workers()
	obj := func(lp, grad []float64) float64 { return d.nll(lp, grad, workers) }
	x0 := []float64{0, math.Log(2), math.Log(d.meanZ)}
	if init := s.initial(); init != nil {
		for i := range x0 {
			x0[i] = math.Log(init[i])
		}
	}
	_, fit, err := maximize("Gamma-Gamma", []string{"p", "q", "gamma"}, obj, x0, d.n, len(d.w), s, 1e-4)
	if fit == nil {
		return GammaGamma{}, nil, err
	}
	m := GammaGamma{P: fit.Estimates[0], Q: fit.Estimates[1], Gamma: fit.Estimates[2]}
	if err == nil && m.Q <= 1 {
		err = fmt.Errorf("%w (q = %.4g)", ErrUndefinedMean, m.Q)
	}
	return m, fit, err
}

// ggData holds the repeat buyers: per customer x and x*zbar;
// per distinct x the total weight and weighted sum of log zbar, so that the
// zbar^(px-1) factor costs nothing per evaluation.
type ggData struct {
	x, xz, w      []float64
	xv            []float64
	sumW, sumLogZ []float64
	n, meanZ      float64
}

// nll returns the weighted negative log-likelihood at log-parameters lp and,
// if grad is not nil, its gradient.
func (d *ggData) nll(lp, grad []float64, workers int) float64 {
	p, q, g := math.Exp(lp[0]), math.Exp(lp[1]), math.Exp(lp[2])
	lg := math.Log(g)
	// Terms depending on x only.
	var ll, dp, dq, dg float64
	psiQ := mathext.Digamma(q)
	for k, x := range d.xv {
		w, slz := d.sumW[k], d.sumLogZ[k]
		px := p * x
		ll += w*(lgamma(px+q)-lgamma(px)-lgamma(q)+q*lg+px*math.Log(x)) + (px-1)*slz
		if grad != nil {
			psiPXQ := mathext.Digamma(px + q)
			dp += w*x*(psiPXQ-mathext.Digamma(px)+math.Log(x)) + x*slz
			dq += w * (psiPXQ - psiQ + lg)
			dg += w * q / g
		}
	}
	// Terms -(px+q) log(γ + x zbar), one log per customer.
	acc := parallelSum(len(d.w), 4, workers, func(lo, hi int, acc []float64) {
		var l, a, b, c float64
		for i := lo; i < hi; i++ {
			x, w := d.x[i], d.w[i]
			e := p*x + q
			den := g + d.xz[i]
			lden := math.Log(den)
			l -= w * e * lden
			a -= w * x * lden
			b -= w * lden
			c -= w * e / den
		}
		acc[0] += l
		acc[1] += a
		acc[2] += b
		acc[3] += c
	})
	ll += acc[0]
	if grad != nil {
		grad[0] = -(dp + acc[1]) * p
		grad[1] = -(dq + acc[2]) * q
		grad[2] = -(dg + acc[3]) * g
	}
	return -ll
}
