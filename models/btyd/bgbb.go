package btyd

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mathext"
)

// BGBB is the beta-geometric/beta-Bernoulli model of Fader, Hardie & Shang
// (2010), "Customer-Base Analysis in a Discrete-Time Noncontractual
// Setting", Marketing Science 29(6):1086-1108, for customers who can buy (or
// donate) at most once per period. While alive a customer transacts at each
// opportunity with probability p ~ Beta(Alpha, Beta); at the start of each
// opportunity after the first an alive customer dies with probability
// theta ~ Beta(Gamma, Delta). It is lifetimes' BetaGeoBetaBinomFitter and
// BTYD's bgbb.* family.
//
// A customer's history is (x, t_x, n): x repeat transactions in the n
// transaction opportunities after the first, the last at opportunity t_x
// (t_x = 0 when x = 0), with 0 <= x <= t_x <= n. Times are whole periods;
// the methods that satisfy Model round x, t_x and n to the nearest integer
// and return NaN for histories outside those bounds.
type BGBB struct {
	Alpha float64 // first shape of the transaction-probability beta; Alpha > 0
	Beta  float64 // second shape of the transaction-probability beta; Beta > 0
	Gamma float64 // first shape of the dropout-probability beta; Gamma > 0
	Delta float64 // second shape of the dropout-probability beta; Delta > 0
}

var _ Model = BGBB{}

// Name returns "BG/BB".
func (BGBB) Name() string { return "BG/BB" }

// Params returns the parameter names alpha, beta, gamma, delta and their
// values.
func (m BGBB) Params() ([]string, []float64) {
	return []string{"alpha", "beta", "gamma", "delta"}, []float64{m.Alpha, m.Beta, m.Gamma, m.Delta}
}

// LogLikelihood returns the log of the likelihood of a history (x, t_x, n),
// Fader, Hardie & Shang (2010), Sec. 3:
//
//	L = B(α+x, β+n-x)/B(α,β) B(γ, δ+n)/B(γ,δ)
//	  + Σ_{i=0}^{n-t_x-1} B(α+x, β+t_x-x+i)/B(α,β) B(γ+1, δ+t_x+i)/B(γ,δ),
//
// the first term for a customer alive through opportunity n, the others for
// one who died after opportunity t_x+i. It is evaluated as a log-sum-exp.
// x, t_x and n are rounded to integers; t_x is taken as 0 when x = 0.
func (m BGBB) LogLikelihood(x, tx, n float64) float64 {
	xi, ti, ni := roundHistory(x, tx, n)
	return m.logLik(xi, ti, ni)
}

func (m BGBB) logLik(x, tx, n int) float64 {
	al, be, ga, de := m.Alpha, m.Beta, m.Gamma, m.Delta
	lab, lgd := mathext.Lbeta(al, be), mathext.Lbeta(ga, de)
	fx := float64(x)
	ll := mathext.Lbeta(al+fx, be+float64(n-x)) + mathext.Lbeta(ga, de+float64(n))
	for i := 0; i < n-tx; i++ {
		f := float64(tx + i)
		ll = logSumExp(ll, mathext.Lbeta(al+fx, be+f-fx)+mathext.Lbeta(ga+1, de+f))
	}
	return ll - lab - lgd
}

// roundHistory rounds a discrete-time history to integers and sets t_x to 0
// when x is 0.
func roundHistory(x, tx, n float64) (int, int, int) {
	xi, ti, ni := int(math.Round(x)), int(math.Round(tx)), int(math.Round(n))
	if xi <= 0 {
		xi, ti = 0, 0
	}
	return xi, ti, ni
}

// FitBGBB fits the BG/BB model by maximum likelihood (Fader, Hardie & Shang
// 2010, Sec. 3) to the customers' frequency x (repeat transactions), recency
// t_x (opportunity of the last one, 0 if none) and periods n (transaction
// opportunities after the first), all whole numbers with
// 0 <= x <= t_x <= n. s.Weights, if set, holds the number of customers per
// row, as in the recency-frequency matrices of the paper (lifetimes'
// weights, BTYD's custs). It is lifetimes' BetaGeoBetaBinomFitter.fit and
// BTYD's bgbb.EstimateParameters.
//
// The likelihood is maximised over the log-parameters with L-BFGS and its
// analytic gradient (digamma terms of the beta functions, weighted by each
// term's share of the likelihood). Identical (x, t_x, n) are evaluated once,
// and the log-gamma and digamma values once per evaluation in tables over
// 0..max n, so the cost does not grow with the number of customers.
//
// On non-convergence the last iterate is returned with an error wrapping
// ErrNotConverged.
func FitBGBB(frequency, recency, periods []float64, s *Settings) (BGBB, *Fit, error) {
	d, err := newBGBBData(frequency, recency, periods, s.weights())
	if err != nil {
		return BGBB{}, nil, err
	}
	obj := func(lp, grad []float64) float64 { return d.nll(lp, grad) }
	x0 := make([]float64, 4)
	if init := s.initial(); init != nil {
		for i := range x0 {
			x0[i] = math.Log(init[i])
		}
	}
	_, fit, err := maximize("BG/BB", []string{"alpha", "beta", "gamma", "delta"}, obj, x0, d.total, len(d.x), s, 1e-4)
	if fit == nil {
		return BGBB{}, nil, err
	}
	e := fit.Estimates
	return BGBB{Alpha: e[0], Beta: e[1], Gamma: e[2], Delta: e[3]}, fit, err
}

// bgbbData is a deduplicated discrete-time summary.
type bgbbData struct {
	x, tx, n []int
	w        []float64
	nmax     int
	total    float64
}

func newBGBBData(frequency, recency, periods, weights []float64) (*bgbbData, error) {
	if len(recency) != len(frequency) || len(periods) != len(frequency) {
		panic("btyd: frequency, recency and periods have different lengths")
	}
	if weights != nil && len(weights) != len(frequency) {
		panic("btyd: weights and frequency have different lengths")
	}
	d := &bgbbData{}
	rows := map[[3]int]int{}
	for i, x := range frequency {
		tx, n := recency[i], periods[i]
		w := 1.0
		if weights != nil {
			w = weights[i]
		}
		whole := func(v float64) bool { return v >= 0 && v == math.Trunc(v) && v < 1<<20 }
		if !whole(x) || !whole(tx) || !whole(n) || !(w >= 0) || math.IsInf(w, 0) {
			return nil, fmt.Errorf("btyd: customer %d: frequency %v, recency %v, periods %v must be whole numbers below 2^20 and weight %v finite and non-negative", i, x, tx, n, w)
		}
		if x == 0 {
			tx = 0
		}
		if x > tx || tx > n {
			return nil, fmt.Errorf("btyd: customer %d: frequency %v, recency %v, periods %v must satisfy frequency <= recency <= periods", i, x, tx, n)
		}
		if w == 0 {
			continue
		}
		k := [3]int{int(x), int(tx), int(n)}
		j, ok := rows[k]
		if !ok {
			j = len(d.x)
			rows[k] = j
			d.x, d.tx, d.n = append(d.x, k[0]), append(d.tx, k[1]), append(d.n, k[2])
			d.w = append(d.w, 0)
			d.nmax = max(d.nmax, k[2])
		}
		d.w[j] += w
		d.total += w
	}
	if d.total == 0 {
		return nil, fmt.Errorf("btyd: no customers with positive weight to fit")
	}
	return d, nil
}

// shifted holds lgamma(v+k) and, if wanted, digamma(v+k) for k = 0..len-1.
type shifted struct{ lg, psi []float64 }

func newShifted(v float64, n int, grad bool) shifted {
	s := shifted{lg: make([]float64, n)}
	for k := range n {
		s.lg[k] = lgamma(v + float64(k))
	}
	if grad {
		s.psi = make([]float64, n)
		for k := range n {
			s.psi[k] = mathext.Digamma(v + float64(k))
		}
	}
	return s
}

// nll returns the weighted negative log-likelihood at log-parameters lp
// and, if grad is not nil, its gradient with respect to them.
func (d *bgbbData) nll(lp, grad []float64) float64 {
	al, be, ga, de := math.Exp(lp[0]), math.Exp(lp[1]), math.Exp(lp[2]), math.Exp(lp[3])
	g := grad != nil
	m := d.nmax + 2
	A, B, AB := newShifted(al, m, g), newShifted(be, m, g), newShifted(al+be, m, g)
	G, D, GD := newShifted(ga, 2, g), newShifted(de, m, g), newShifted(ga+de, m, g)
	lab := A.lg[0] + B.lg[0] - AB.lg[0]
	lgd := G.lg[0] + D.lg[0] - GD.lg[0]
	var ll float64
	var acc [4]float64
	var terms []float64
	var dterm [][4]float64
	for r, x := range d.x {
		tx, n := d.tx[r], d.n[r]
		terms = terms[:0]
		dterm = dterm[:0]
		// Alive through n: B(α+x, β+n-x) B(γ, δ+n).
		terms = append(terms, A.lg[x]+B.lg[n-x]-AB.lg[n]+G.lg[0]+D.lg[n]-GD.lg[n])
		if g {
			dterm = append(dterm, [4]float64{
				A.psi[x] - AB.psi[n], B.psi[n-x] - AB.psi[n],
				G.psi[0] - GD.psi[n], D.psi[n] - GD.psi[n],
			})
		}
		// Died after opportunity tx+i: B(α+x, β+tx-x+i) B(γ+1, δ+tx+i).
		for i := 0; i < n-tx; i++ {
			f := tx + i
			terms = append(terms, A.lg[x]+B.lg[f-x]-AB.lg[f]+G.lg[1]+D.lg[f]-GD.lg[f+1])
			if g {
				dterm = append(dterm, [4]float64{
					A.psi[x] - AB.psi[f], B.psi[f-x] - AB.psi[f],
					G.psi[1] - GD.psi[f+1], D.psi[f] - GD.psi[f+1],
				})
			}
		}
		top := terms[0]
		for _, t := range terms[1:] {
			top = math.Max(top, t)
		}
		var sum float64
		for k, t := range terms {
			terms[k] = math.Exp(t - top)
			sum += terms[k]
		}
		w := d.w[r]
		ll += w * (top + math.Log(sum) - lab - lgd)
		if g {
			for k, t := range terms {
				share := w * t / sum
				for j := range acc {
					acc[j] += share * dterm[k][j]
				}
			}
		}
	}
	if g {
		// The normalising constants -log B(α,β) - log B(γ,δ).
		acc[0] -= d.total * (A.psi[0] - AB.psi[0])
		acc[1] -= d.total * (B.psi[0] - AB.psi[0])
		acc[2] -= d.total * (G.psi[0] - GD.psi[0])
		acc[3] -= d.total * (D.psi[0] - GD.psi[0])
		for j, v := range [4]float64{al, be, ga, de} {
			grad[j] = -acc[j] * v
		}
	}
	return -ll
}
