package btyd

import (
	"math"

	"gonum.org/v1/gonum/mathext"
)

// BGNBDCov is the BG/NBD model with time-invariant covariates in the
// parametrisation of PyMC-Marketing's BetaGeoModel (purchase_covariate_cols,
// dropout_covariate_cols), after Fader & Hardie (2007), "Incorporating
// Time-Invariant Covariates into the Pareto/NBD and BG/NBD Models",
// brucehardie.com/notes/019. Customer i with purchase covariates z_i and
// dropout covariates d_i follows the BG/NBD with
//
//	alpha_i = Alpha exp(-z_i'Purchase)   (mean purchase rate r/alpha_i scales by exp(z_i'Purchase)),
//	a_i     = A exp(d_i'DropoutA),
//	b_i     = B exp(d_i'DropoutB),
//
// and r shared. CLVTools' bgnbd with static covariates (Bachmann, Meierer &
// Naef) is the special case DropoutA = DropoutB: one life coefficient that
// scales a and b together, which leaves the mean dropout probability
// a/(a+b) unchanged and moves only its concentration. Separate coefficients
// let a covariate change the mean dropout probability, which is what a
// "churn driver" usually means.
type BGNBDCov struct {
	// Base holds r and the parameters of a customer whose covariates are all
	// zero.
	Base BGNBD
	// PurchaseNames and Purchase are the purchase covariates and their
	// coefficients; exp(Purchase[j]) is the factor on the mean purchase rate
	// per unit of covariate j.
	PurchaseNames []string
	Purchase      []float64
	// DropoutNames name the dropout covariates; DropoutA and DropoutB are
	// their coefficients on a and b.
	DropoutNames []string
	DropoutA     []float64
	DropoutB     []float64
}

// Name returns "BG/NBD".
func (BGNBDCov) Name() string { return "BG/NBD" }

// Params returns r, alpha, a, b and the coefficients, named
// "purchase:<name>", "dropout_a:<name>" and "dropout_b:<name>", in the order
// of Fit.Names from FitBGNBDCov.
func (m BGNBDCov) Params() ([]string, []float64) {
	names, vals := m.Base.Params()
	names = append(names, coefNames("purchase:", m.PurchaseNames)...)
	names = append(names, coefNames("dropout_a:", m.DropoutNames)...)
	names = append(names, coefNames("dropout_b:", m.DropoutNames)...)
	vals = append(vals, m.Purchase...)
	vals = append(vals, m.DropoutA...)
	vals = append(vals, m.DropoutB...)
	return names, vals
}

// CustomerParams returns the BG/NBD of a customer with purchase covariates
// z and dropout covariates d (in the order of PurchaseNames and
// DropoutNames). Its methods (ProbabilityAlive,
// ConditionalExpectedPurchases, ExpectedPurchases, ...) are the customer's
// predictions. It panics if the lengths differ from the coefficients.
func (m BGNBDCov) CustomerParams(z, d []float64) BGNBD {
	if len(z) != len(m.Purchase) || len(d) != len(m.DropoutA) || len(d) != len(m.DropoutB) {
		panic("btyd: covariate row lengths differ from the coefficients")
	}
	c := m.Base
	c.Alpha *= math.Exp(-dot(z, m.Purchase))
	c.A *= math.Exp(dot(d, m.DropoutA))
	c.B *= math.Exp(dot(d, m.DropoutB))
	return c
}

// Customer returns the BG/NBD of customer i, row i of purchase and dropout.
func (m BGNBDCov) Customer(i int, purchase, dropout Covariates) Model {
	c := m.Base
	c.Alpha *= math.Exp(-purchase.dot(i, m.Purchase))
	c.A *= math.Exp(dropout.dot(i, m.DropoutA))
	c.B *= math.Exp(dropout.dot(i, m.DropoutB))
	return c
}

func dot(a, b []float64) float64 {
	var s float64
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

// FitBGNBDCov fits the BG/NBD with time-invariant covariates (see BGNBDCov)
// by maximum likelihood: the likelihood of FHL (2005) eq. 6 with each
// customer's alpha_i, a_i, b_i, summed over customers. It is
// PyMC-Marketing's BetaGeoModel with covariates (fitted by MAP with flat
// priors) and, with DropoutA = DropoutB, CLVTools' bgnbd(data, ...) on
// static covariates.
//
// The parameters are optimised as (log r, log alpha, log a, log b,
// Purchase, DropoutA, DropoutB) with L-BFGS and the analytic gradient:
// the derivatives of each customer's log-likelihood with respect to
// log alpha_i, log a_i and log b_i, summed by covariate pattern and
// carried to the coefficients by the chain rule. Fit.Names are r, alpha,
// a, b, "purchase:<name>", "dropout_a:<name>", "dropout_b:<name>";
// Estimates and StdErrors give r, alpha, a, b on the natural scale
// (baseline: covariates zero) and the coefficients as they are.
//
// Customers with identical (x, t_x, T) and covariates are evaluated once.
// Unless s.Initial is set the fit starts from FitBGNBD's estimates with zero
// coefficients. With no covariate columns at all it is FitBGNBD, and returns
// exactly its estimates and Fit.
func FitBGNBDCov(frequency, recency, T []float64, purchase, dropout Covariates, s *Settings) (BGNBDCov, *Fit, error) {
	m := BGNBDCov{PurchaseNames: purchase.Names, DropoutNames: dropout.Names}
	if purchase.Len() == 0 && dropout.Len() == 0 {
		purchase.check("purchase", len(frequency))
		dropout.check("dropout", len(frequency))
		base, fit, err := FitBGNBD(frequency, recency, T, s)
		m.Base = base
		return m, fit, err
	}
	cs, err := newCovSummary(frequency, recency, T, s.weights(), purchase, dropout)
	if err != nil {
		return m, nil, err
	}
	kp, kd := cs.kp, cs.kd
	x0 := make([]float64, 4+kp+2*kd)
	if init := s.initial(); init != nil {
		copy(x0, init)
		for i := range 4 {
			x0[i] = math.Log(init[i])
		}
	} else {
		x0[0], x0[1], x0[2], x0[3] = 0, math.Log(1/cs.meanRate()), 0, 0
		if base, _, _ := FitBGNBD(frequency, recency, T, plainSettings(s)); base.R > 0 {
			x0[0], x0[1], x0[2], x0[3] = math.Log(base.R), math.Log(base.Alpha), math.Log(base.A), math.Log(base.B)
		}
	}
	pairs := newXPairs(cs)
	workers := s.workers()
	obj := func(lp, grad []float64) float64 { return bgnbdCovNLL(cs, pairs, lp, grad, workers) }
	names, _ := BGNBDCov{PurchaseNames: purchase.Names, DropoutNames: dropout.Names,
		Purchase: make([]float64, kp), DropoutA: make([]float64, kd), DropoutB: make([]float64, kd)}.Params()
	_, fit, err := maximizeMixed("BG/NBD with covariates", names, obj, x0, 4, cs.n, len(cs.x), s, 1e-4)
	if fit == nil {
		return m, nil, err
	}
	e := fit.Estimates
	m.Base = BGNBD{R: e[0], Alpha: e[1], A: e[2], B: e[3]}
	m.Purchase = append([]float64(nil), e[4:4+kp]...)
	m.DropoutA = append([]float64(nil), e[4+kp:4+kp+kd]...)
	m.DropoutB = append([]float64(nil), e[4+kp+kd:]...)
	return m, fit, err
}

// plainSettings returns s without Initial, for the starting fit.
func plainSettings(s *Settings) *Settings {
	if s == nil {
		return nil
	}
	c := *s
	c.Initial = nil
	return &c
}

// xPairs indexes the distinct (pattern, x) of a covSummary, at which the
// beta-function terms of the BG/NBD likelihood are computed.
type xPairs struct {
	pat, xi []int32 // per pair
	row     []int32 // pair of each row
}

func newXPairs(cs *covSummary) *xPairs {
	p := &xPairs{row: make([]int32, len(cs.x))}
	seen := map[[2]int32]int32{}
	for i := range cs.x {
		k := [2]int32{cs.pat[i], cs.xi[i]}
		j, ok := seen[k]
		if !ok {
			j = int32(len(p.pat))
			seen[k] = j
			p.pat, p.xi = append(p.pat, k[0]), append(p.xi, k[1])
		}
		p.row[i] = j
	}
	return p
}

// bgnbdCovNLL returns the weighted negative log-likelihood of the BG/NBD
// with covariates at lp = (log r, log alpha, log a, log b, Purchase,
// DropoutA, DropoutB) and, if grad is not nil, its gradient.
func bgnbdCovNLL(cs *covSummary, pr *xPairs, lp, grad []float64, workers int) float64 {
	kp, kd := cs.kp, cs.kd
	r := math.Exp(lp[0])
	// Per pattern: alpha_p, a_p, b_p.
	ep, ea, eb := linear(cs.zp, lp[4:4+kp]), linear(cs.zd, lp[4+kp:4+kp+kd]), linear(cs.zd, lp[4+kp+kd:])
	np := len(cs.zp)
	alP, lalP, aP, bP := make([]float64, np), make([]float64, np), make([]float64, np), make([]float64, np)
	for p := range np {
		lalP[p] = lp[1] - ep[p]
		alP[p] = math.Exp(lalP[p])
		aP[p] = math.Exp(lp[2] + ea[p])
		bP[p] = math.Exp(lp[3] + eb[p])
	}
	// Per (pattern, x): the beta and gamma terms of eq. 6 and their
	// derivatives with respect to r, a_p and b_p.
	npair := len(pr.pat)
	c1, c4, ib := make([]float64, npair), make([]float64, npair), make([]float64, npair)
	var gr, ga, gb []float64
	lgR, psiR := lgamma(r), 0.0
	if grad != nil {
		gr, ga, gb = make([]float64, npair), make([]float64, npair), make([]float64, npair)
		psiR = mathext.Digamma(r)
	}
	for k := range npair {
		p, x := pr.pat[k], cs.xv[pr.xi[k]]
		a, b := aP[p], bP[p]
		c1[k] = lgamma(r+x) - lgR + lgamma(a+b) + lgamma(b+x) - lgamma(b) - lgamma(a+b+x)
		if x > 0 {
			c4[k] = math.Log(a) - math.Log(b+x-1)
			ib[k] = 1 / (b + x - 1)
		}
		if grad != nil {
			psiAB, psiABX := mathext.Digamma(a+b), mathext.Digamma(a+b+x)
			gr[k] = mathext.Digamma(r+x) - psiR
			ga[k] = psiAB - psiABX
			gb[k] = psiAB + mathext.Digamma(b+x) - mathext.Digamma(b) - psiABX
		}
	}
	// log(alpha_p + T) and 1/(alpha_p + T), and the same at t_x, by pattern
	// and distinct value, as FitBGNBD's logShift tables, when the tables
	// are smaller than the rows (categorical covariates); per row
	// otherwise (continuous covariates, one pattern per customer).
	n := len(cs.x)
	nT, nt := len(cs.Tv), len(cs.tv)
	tab := np*(nT+nt) <= n
	var lTt, iTt, ltt, itt []float64
	if tab {
		lTt, iTt, ltt, itt = make([]float64, np*nT), make([]float64, np*nT), make([]float64, np*nt), make([]float64, np*nt)
		for p := range np {
			for j, v := range cs.Tv {
				lTt[p*nT+j], iTt[p*nT+j] = math.Log(alP[p]+v), 1/(alP[p]+v)
			}
			for j, v := range cs.tv {
				ltt[p*nt+j], itt[p*nt+j] = math.Log(alP[p]+v), 1/(alP[p]+v)
			}
		}
	}
	var dAl, dA, dB []float64 // per row: d LL / d log alpha_p, log a_p, log b_p
	if grad != nil {
		dAl, dA, dB = make([]float64, n), make([]float64, n), make([]float64, n)
	}
	acc := parallelSum(n, 2, workers, func(lo, hi int, acc []float64) {
		var ll, dr float64
		for i := lo; i < hi; i++ {
			k, p, w := pr.row[i], cs.pat[i], cs.w[i]
			x, al := cs.x[i], alP[p]
			rx := r + x
			var lT, iT, lt, it float64
			if tab {
				lT, iT = lTt[int(p)*nT+int(cs.Ti[i])], iTt[int(p)*nT+int(cs.Ti[i])]
				lt, it = ltt[int(p)*nt+int(cs.ti[i])], itt[int(p)*nt+int(cs.ti[i])]
			} else {
				lT, iT = math.Log(al+cs.T[i]), 1/(al+cs.T[i])
				lt, it = math.Log(al+cs.tx[i]), 1/(al+cs.tx[i])
			}
			l3 := -rx * lT
			lse, w3, w4 := l3, 1.0, 0.0
			if x > 0 {
				l4 := c4[k] - rx*lt
				if l3 >= l4 {
					e := math.Exp(l4 - l3)
					lse, w3, w4 = l3+math.Log1p(e), 1/(1+e), e/(1+e)
				} else {
					e := math.Exp(l3 - l4)
					lse, w3, w4 = l4+math.Log1p(e), e/(1+e), 1/(1+e)
				}
			}
			ll += w * (c1[k] + r*lalP[p] + lse)
			if grad != nil {
				dr += w * (gr[k] + lalP[p] - w3*lT - w4*lt)
				dAl[i] = w * (r - rx*al*(w3*iT+w4*it))
				dA[i] = w * aP[p] * (ga[k] + w4/aP[p])
				dB[i] = w * bP[p] * (gb[k] - w4*ib[k])
			}
		}
		acc[0] += ll
		acc[1] += dr
	})
	if grad != nil {
		for i := range grad {
			grad[i] = 0
		}
		grad[0] = acc[1] * r
		chain(grad, 1, 4, -1, cs.zp, cs.byPattern(dAl))
		chain(grad, 2, 4+kp, 1, cs.zd, cs.byPattern(dA))
		chain(grad, 3, 4+kp+kd, 1, cs.zd, cs.byPattern(dB))
		for i := range grad {
			grad[i] = -grad[i]
		}
	}
	return -acc[0]
}
