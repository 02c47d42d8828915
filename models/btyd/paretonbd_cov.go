package btyd

import (
	"math"
)

// ParetoNBDCov is the Pareto/NBD model with time-invariant covariates of
// Fader & Hardie (2007), "Incorporating Time-Invariant Covariates into the
// Pareto/NBD and BG/NBD Models", brucehardie.com/notes/019, in the
// parametrisation of CLVTools' pnbd with static covariates (Bachmann,
// Meierer & Naef) and PyMC-Marketing's ParetoNBDModel. Customer i with
// purchase covariates z_i and dropout covariates d_i follows the
// Pareto/NBD with
//
//	alpha_i = Alpha exp(-z_i'Purchase)   (mean purchase rate r/alpha_i scales by exp(z_i'Purchase)),
//	beta_i  = Beta exp(-d_i'Dropout)     (mean dropout rate s/beta_i scales by exp(d_i'Dropout)),
//
// with r and s shared. CLVTools calls Purchase and Dropout the
// transaction and life coefficients (gamma_1, gamma_2).
type ParetoNBDCov struct {
	// Base holds r, s and the parameters of a customer whose covariates are
	// all zero.
	Base ParetoNBD
	// PurchaseNames and Purchase are the purchase covariates and their
	// coefficients; exp(Purchase[j]) is the factor on the mean purchase rate
	// per unit of covariate j.
	PurchaseNames []string
	Purchase      []float64
	// DropoutNames and Dropout are the dropout covariates and their
	// coefficients; exp(Dropout[j]) is the factor on the mean dropout rate.
	DropoutNames []string
	Dropout      []float64
}

// Name returns "Pareto/NBD".
func (ParetoNBDCov) Name() string { return "Pareto/NBD" }

// Params returns r, alpha, s, beta and the coefficients, named
// "purchase:<name>" and "dropout:<name>", in the order of Fit.Names from
// FitParetoNBDCov.
func (m ParetoNBDCov) Params() ([]string, []float64) {
	names, vals := m.Base.Params()
	names = append(names, coefNames("purchase:", m.PurchaseNames)...)
	names = append(names, coefNames("dropout:", m.DropoutNames)...)
	vals = append(vals, m.Purchase...)
	vals = append(vals, m.Dropout...)
	return names, vals
}

// CustomerParams returns the Pareto/NBD of a customer with purchase
// covariates z and dropout covariates d (in the order of PurchaseNames and
// DropoutNames). Its methods are the customer's predictions. It panics if
// the lengths differ from the coefficients.
func (m ParetoNBDCov) CustomerParams(z, d []float64) ParetoNBD {
	if len(z) != len(m.Purchase) || len(d) != len(m.Dropout) {
		panic("btyd: covariate row lengths differ from the coefficients")
	}
	c := m.Base
	c.Alpha *= math.Exp(-dot(z, m.Purchase))
	c.Beta *= math.Exp(-dot(d, m.Dropout))
	return c
}

// Customer returns the Pareto/NBD of customer i, row i of purchase and
// dropout.
func (m ParetoNBDCov) Customer(i int, purchase, dropout Covariates) Model {
	c := m.Base
	c.Alpha *= math.Exp(-purchase.dot(i, m.Purchase))
	c.Beta *= math.Exp(-dropout.dot(i, m.Dropout))
	return c
}

// FitParetoNBDCov fits the Pareto/NBD with time-invariant covariates (see
// ParetoNBDCov) by maximum likelihood, the likelihood of Fader & Hardie
// (2005, note 009, Sec. 3) with each customer's alpha_i and beta_i. It is
// CLVTools' pnbd(data, ...) on static covariates and PyMC-Marketing's
// ParetoNBDModel with covariates.
//
// The parameters are optimised as (log r, log alpha, log s, log beta,
// Purchase, Dropout) with L-BFGS. As in FitParetoNBD the gradient is not
// analytic in r and s (it would need derivatives of 2F1 with respect to its
// parameters); here each customer's log-likelihood is differenced centrally
// (step 1e-5) in log r, log alpha_i, log s and log beta_i, and the
// coefficients' gradient follows by the chain rule, summed by covariate
// pattern. The cost of a gradient is nine likelihood evaluations whatever
// the number of covariates, as for the plain fit. Fit.Names are r, alpha,
// s, beta, "purchase:<name>", "dropout:<name>"; Estimates and StdErrors
// give r, alpha, s, beta on the natural scale (baseline: covariates zero)
// and the coefficients as they are.
//
// Customers with identical (x, t_x, T) and covariates are evaluated once,
// and each hypergeometric term once per distinct (pattern, x, age). Unless
// s.Initial is set the fit starts from FitParetoNBD's estimates with zero
// coefficients. With no covariate columns at all it is FitParetoNBD, and
// returns exactly its estimates and Fit.
func FitParetoNBDCov(frequency, recency, T []float64, purchase, dropout Covariates, s *Settings) (ParetoNBDCov, *Fit, error) {
	m := ParetoNBDCov{PurchaseNames: purchase.Names, DropoutNames: dropout.Names}
	if purchase.Len() == 0 && dropout.Len() == 0 {
		purchase.check("purchase", len(frequency))
		dropout.check("dropout", len(frequency))
		base, fit, err := FitParetoNBD(frequency, recency, T, s)
		m.Base = base
		return m, fit, err
	}
	cs, err := newCovSummary(frequency, recency, T, s.weights(), purchase, dropout)
	if err != nil {
		return m, nil, err
	}
	kp, kd := cs.kp, cs.kd
	x0 := make([]float64, 4+kp+kd)
	if init := s.initial(); init != nil {
		copy(x0, init)
		for i := range 4 {
			x0[i] = math.Log(init[i])
		}
	} else {
		rate := cs.meanRate()
		x0[0], x0[1], x0[2], x0[3] = 0, math.Log(1/rate), 0, math.Log(1/rate)
		if base, _, _ := FitParetoNBD(frequency, recency, T, plainSettings(s)); base.R > 0 {
			x0[0], x0[1], x0[2], x0[3] = math.Log(base.R), math.Log(base.Alpha), math.Log(base.S), math.Log(base.Beta)
		}
	}
	pr := newCovPairs(cs)
	workers := s.workers()
	obj := func(lp, grad []float64) float64 { return pnbdCovNLL(cs, pr, lp, grad, workers) }
	names, _ := ParetoNBDCov{PurchaseNames: purchase.Names, DropoutNames: dropout.Names,
		Purchase: make([]float64, kp), Dropout: make([]float64, kd)}.Params()
	_, fit, err := maximizeMixed("Pareto/NBD with covariates", names, obj, x0, 4, cs.n, len(cs.x), s, 1e-3)
	if fit == nil {
		return m, nil, err
	}
	e := fit.Estimates
	m.Base = ParetoNBD{R: e[0], Alpha: e[1], S: e[2], Beta: e[3]}
	m.Purchase = append([]float64(nil), e[4:4+kp]...)
	m.Dropout = append([]float64(nil), e[4+kp:]...)
	return m, fit, err
}

// covPairs indexes the distinct (pattern, x, age) at which the
// hypergeometric term logTerm is needed: for every row, (x, t_x) and (x, T)
// under the row's pattern.
type covPairs struct {
	pat     []int32
	x, u    []float64
	ptx, pT []int32 // per row
}

func newCovPairs(cs *covSummary) *covPairs {
	p := &covPairs{ptx: make([]int32, len(cs.x)), pT: make([]int32, len(cs.x))}
	type key struct {
		p    int32
		x, u float64
	}
	seen := map[key]int32{}
	get := func(pat int32, x, u float64) int32 {
		k := key{pat, x, u}
		j, ok := seen[k]
		if !ok {
			j = int32(len(p.x))
			seen[k] = j
			p.pat, p.x, p.u = append(p.pat, pat), append(p.x, x), append(p.u, u)
		}
		return j
	}
	for i := range cs.x {
		p.ptx[i] = get(cs.pat[i], cs.x[i], cs.tx[i])
		p.pT[i] = get(cs.pat[i], cs.x[i], cs.T[i])
	}
	return p
}

// pnbdCovStep is the step in the log-parameters of the central
// differences, as in FitParetoNBD.
const pnbdCovStep = 1e-5

// pnbdCovNLL returns the weighted negative log-likelihood of the
// Pareto/NBD with covariates at lp = (log r, log alpha, log s, log beta,
// Purchase, Dropout) and, if grad is not nil, its gradient.
func pnbdCovNLL(cs *covSummary, pr *covPairs, lp, grad []float64, workers int) float64 {
	kp, kd := cs.kp, cs.kd
	ep, ed := linear(cs.zp, lp[4:4+kp]), linear(cs.zd, lp[4+kp:4+kp+kd])
	np := len(cs.zp)
	// Variant 0 is lp; variants 2j+1 and 2j+2 move log-parameter j of
	// (r, alpha_p, s, beta_p) by +h and -h.
	nv := 1
	if grad != nil {
		nv = 9
	}
	models := make([][]ParetoNBD, nv)
	for v := range nv {
		var shift [4]float64
		if v > 0 {
			shift[(v-1)/2] = pnbdCovStep * float64(1-2*((v-1)%2))
		}
		models[v] = make([]ParetoNBD, np)
		for p := range np {
			models[v][p] = ParetoNBD{
				R:     math.Exp(lp[0] + shift[0]),
				Alpha: math.Exp(lp[1] - ep[p] + shift[1]),
				S:     math.Exp(lp[2] + shift[2]),
				Beta:  math.Exp(lp[3] - ed[p] + shift[3]),
			}
		}
	}
	npair := len(pr.x)
	terms := make([]float64, nv*npair)
	parallelFor(npair, workers, func(lo, hi int) {
		for j := lo; j < hi; j++ {
			for v := range nv {
				terms[v*npair+j] = models[v][pr.pat[j]].logTerm(pr.x[j], pr.u[j])
			}
		}
	})
	rowLL := func(v int, i int) float64 {
		m := models[v][cs.pat[i]]
		x := cs.x[i]
		c := lgamma(m.R+x) - lgamma(m.R) + m.R*math.Log(m.Alpha) + m.S*math.Log(m.Beta)
		l1, l2 := m.logBranches(x, terms[v*npair+int(pr.ptx[i])], terms[v*npair+int(pr.pT[i])], cs.T[i])
		return c + logSumExp(l1, l2)
	}
	n := len(cs.x)
	var dAl, dBe []float64 // per row: d LL / d log alpha_p, d log beta_p
	if grad != nil {
		dAl, dBe = make([]float64, n), make([]float64, n)
	}
	acc := parallelSum(n, 3, workers, func(lo, hi int, acc []float64) {
		var ll, dr, ds float64
		for i := lo; i < hi; i++ {
			w := cs.w[i]
			ll += w * rowLL(0, i)
			if grad != nil {
				d := func(j int) float64 { return w * (rowLL(2*j+1, i) - rowLL(2*j+2, i)) / (2 * pnbdCovStep) }
				dr += d(0)
				dAl[i] = d(1)
				ds += d(2)
				dBe[i] = d(3)
			}
		}
		acc[0] += ll
		acc[1] += dr
		acc[2] += ds
	})
	if grad != nil {
		for i := range grad {
			grad[i] = 0
		}
		grad[0], grad[2] = acc[1], acc[2]
		chain(grad, 1, 4, -1, cs.zp, cs.byPattern(dAl))
		chain(grad, 3, 4+kp, -1, cs.zd, cs.byPattern(dBe))
		for i := range grad {
			grad[i] = -grad[i]
		}
	}
	v := -acc[0]
	if math.IsNaN(v) {
		return math.Inf(1)
	}
	return v
}
