package sbg

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mathext"
	"gonum.org/v1/gonum/optimize"
)

// Problem holds the data for Fit. Set exactly one of Survivors or Lifetimes.
type Problem struct {
	// Survivors is the survivor curve of one cohort: Survivors[t] is the
	// number of subscribers still active after t renewal opportunities
	// (S_0 = cohort size, then S_1..S_n). It must be non-negative and
	// non-increasing with at least three elements (two renewal periods).
	Survivors []float64

	// Lifetimes and Censored describe subscribers one by one. When
	// Censored[i] is false subscriber i churned in period Lifetimes[i]
	// (T = Lifetimes[i] >= 1, i.e. made Lifetimes[i]-1 renewals). When
	// Censored[i] is true the subscriber is still active after Lifetimes[i]
	// renewal opportunities (T > Lifetimes[i] >= 0). Censored must have the
	// length of Lifetimes.
	Lifetimes []int
	Censored  []bool
	// Weights are per-subscriber weights (e.g. counts); if Weights is nil all
	// weights are 1. Otherwise it must have the length of Lifetimes and be
	// non-negative.
	Weights []float64
}

// Settings controls Fit. A nil *Settings means the defaults.
type Settings struct {
	// Initial is the starting point (alpha, beta). Zero values mean 1.
	Initial Model
	// MajorIterations is the iteration limit of the optimiser; zero means 500.
	MajorIterations int
	// GradientThreshold stops the optimiser when the infinity norm of the
	// gradient of the mean negative log-likelihood with respect to
	// (log alpha, log beta) falls below it; zero means 1e-9.
	GradientThreshold float64
}

// Result is the outcome of Fit.
type Result struct {
	Model
	// LogLikelihood is the log-likelihood at Model (sum over subscribers,
	// weighted), eq. (10) of Fader & Hardie (2007) for survivor counts.
	LogLikelihood float64
	// AlphaSE and BetaSE are asymptotic standard errors from the inverse of
	// the observed information (the negative Hessian of the log-likelihood
	// in (alpha, beta), by central differences of the analytic gradient).
	// They are NaN when the information matrix is not positive definite.
	AlphaSE, BetaSE float64
	// N is the number (total weight) of subscribers.
	N float64
	// Iterations is the number of major iterations of the optimiser.
	Iterations int
	// Status is the termination status: the optimiser's, or
	// StationaryAfterFailure when the optimiser stopped with an error at a
	// point the gradient check of Fit accepts as the maximum.
	Status optimize.Status
	// GradNorm is the infinity norm of the gradient of the mean
	// log-likelihood per subscriber with respect to (log alpha, log beta) at
	// Model.
	GradNorm float64
	// Distance is the distance from Model to the maximum of the quadratic
	// approximation of the log-likelihood, in standard errors: the square
	// root of g' I^-1 g with g the gradient and I the observed information
	// of the summed log-likelihood in (log alpha, log beta). It is NaN when
	// the information is not positive definite.
	Distance float64
	// OptimizerErr is the error the optimiser stopped with, if any. It is
	// kept for diagnostics when the gradient check still accepted the point
	// (Status StationaryAfterFailure).
	OptimizerErr error
}

// Converged reports whether the fit stopped at the maximum: the optimiser
// met its convergence criterion, or it stopped with an error at a point that
// passed the gradient check (StationaryAfterFailure).
func (r *Result) Converged() bool {
	return r.Status == optimize.GradientThreshold || r.Status == optimize.FunctionConvergence ||
		r.Status == optimize.Success || r.Status == optimize.StepConvergence ||
		r.Status == StationaryAfterFailure
}

// Err returns nil when the fit converged and an error naming the status,
// the gradient at the returned point and the optimiser's error otherwise.
func (r *Result) Err() error {
	if r.Converged() {
		return nil
	}
	msg := fmt.Sprintf("sbg: optimiser stopped with status %v after %d iterations (alpha=%g, beta=%g; gradient norm %.3g, %.3g standard errors from the maximum)",
		r.Status, r.Iterations, r.Alpha, r.Beta, r.GradNorm, r.Distance)
	if r.OptimizerErr != nil {
		return fmt.Errorf("%s: %w", msg, r.OptimizerErr)
	}
	return errors.New(msg)
}

// Errors returned by Fit for data that do not identify alpha and beta.
var (
	ErrNoSubscribers = errors.New("sbg: no subscribers")
	ErrNoChurn       = errors.New("sbg: no subscriber churned; alpha and beta are not identified (retention is 100%)")
	ErrAllChurned    = errors.New("sbg: every subscriber churned in period 1; alpha and beta are not identified")
	ErrOnePeriod     = errors.New("sbg: data span only one renewal period; alpha and beta are not separately identified")
)

// Fit estimates alpha and beta by maximum likelihood (Fader & Hardie 2007,
// eq. (10), extended to right-censored per-subscriber data with weights). It
// minimises the negative log-likelihood over (log alpha, log beta) with
// L-BFGS and analytic gradients. s may be nil.
//
// Near the maximum the decrease of the mean log-likelihood, about g²/2 for a
// gradient g, reaches the rounding of the value (1e-16 of it) when g is about
// 1e-8, so L-BFGS may end in a line-search failure just above
// GradientThreshold although it stands at the maximum. When the optimiser
// stops with an error, Fit therefore judges the returned point itself (see
// Result.Distance): it is accepted, with Status StationaryAfterFailure, when
// the log-likelihood and its gradient are finite, the observed information
// is positive definite, the standard errors of log alpha and log beta are at
// most 2 (the parameters are identified; see maxLogSE) and the point lies
// within StationaryTol standard errors of the maximum of the local quadratic
// approximation. Otherwise the optimiser's status stands and Result.Err
// names it.
//
// Fit panics on malformed input (mismatched lengths) and returns an error
// for data that cannot identify the parameters (ErrNoSubscribers,
// ErrNoChurn, ErrAllChurned, ErrOnePeriod) or are invalid (negative or
// increasing counts). A fit that stops without converging is returned with
// a non-nil Result.Err. Data without heterogeneity (an exactly geometric
// curve) have their supremum at alpha, beta -> infinity; Fit then stops at
// large values, usually with a non-converged Status.
func Fit(p Problem, s *Settings) (*Result, error) {
	d, err := p.tally()
	if err != nil {
		return nil, err
	}
	if err := d.identifiable(); err != nil {
		return nil, err
	}
	var set Settings
	if s != nil {
		set = *s
	}
	init := set.Initial
	if init.Alpha == 0 {
		init.Alpha = 1
	}
	if init.Beta == 0 {
		init.Beta = 1
	}
	init.check()
	if set.MajorIterations == 0 {
		set.MajorIterations = 500
	}
	if set.GradientThreshold == 0 {
		set.GradientThreshold = 1e-9
	}

	var g [2]float64
	prob := optimize.Problem{
		Func: func(x []float64) float64 {
			ll := d.logLik(math.Exp(x[0]), math.Exp(x[1]), nil)
			if math.IsNaN(ll) {
				return math.Inf(1)
			}
			return -ll / d.total
		},
		Grad: func(grad, x []float64) {
			a, b := math.Exp(x[0]), math.Exp(x[1])
			d.logLik(a, b, g[:])
			grad[0] = -g[0] * a / d.total
			grad[1] = -g[1] * b / d.total
		},
	}
	x0 := []float64{math.Log(init.Alpha), math.Log(init.Beta)}
	res, err := optimize.Minimize(prob, x0, &optimize.Settings{
		GradientThreshold: set.GradientThreshold,
		MajorIterations:   set.MajorIterations,
		Converger:         &optimize.FunctionConverge{Absolute: 1e-14, Relative: 1e-14, Iterations: 50},
	}, &optimize.LBFGS{})
	if res == nil {
		return nil, fmt.Errorf("sbg: optimiser failed: %w", err)
	}
	out := &Result{
		Model:        Model{Alpha: math.Exp(res.X[0]), Beta: math.Exp(res.X[1])},
		N:            d.total,
		Iterations:   res.Stats.MajorIterations,
		Status:       res.Status,
		OptimizerErr: err,
	}
	var stationary bool
	out.GradNorm, out.Distance, stationary = d.check(res.X[0], res.X[1])
	if err != nil {
		switch {
		case stationary:
			out.Status = StationaryAfterFailure
		case out.Converged():
			out.Status = optimize.Failure
		}
	}
	out.LogLikelihood = d.logLik(out.Alpha, out.Beta, nil)
	out.AlphaSE, out.BetaSE = d.stdErr(out.Alpha, out.Beta)
	return out, nil
}

// tally holds weighted counts: churned[t] churned in period t (t >= 1) and
// alive[t] censored after t renewal opportunities.
type tally struct {
	churned, alive []float64
	total          float64
}

func (p Problem) tally() (*tally, error) {
	if p.Survivors != nil && p.Lifetimes != nil {
		panic("sbg: set either Survivors or Lifetimes, not both")
	}
	if p.Survivors != nil {
		return survivorTally(p.Survivors)
	}
	if len(p.Censored) != len(p.Lifetimes) {
		panic("sbg: Censored and Lifetimes have different lengths")
	}
	if p.Weights != nil && len(p.Weights) != len(p.Lifetimes) {
		panic("sbg: Weights and Lifetimes have different lengths")
	}
	maxT := 0
	for i, t := range p.Lifetimes {
		if t < 0 || (t == 0 && !p.Censored[i]) {
			return nil, fmt.Errorf("sbg: subscriber %d: lifetime %d is invalid (churn needs period >= 1, censoring >= 0)", i, t)
		}
		maxT = max(maxT, t)
	}
	d := &tally{churned: make([]float64, maxT+1), alive: make([]float64, maxT+1)}
	for i, t := range p.Lifetimes {
		w := 1.0
		if p.Weights != nil {
			w = p.Weights[i]
			if !(w >= 0) || math.IsInf(w, 0) {
				return nil, fmt.Errorf("sbg: subscriber %d: weight %v is not a non-negative number", i, w)
			}
		}
		if p.Censored[i] {
			d.alive[t] += w
		} else {
			d.churned[t] += w
		}
		d.total += w
	}
	if d.total == 0 {
		return nil, ErrNoSubscribers
	}
	return d, nil
}

func survivorTally(s []float64) (*tally, error) {
	if len(s) == 0 || s[0] == 0 {
		return nil, ErrNoSubscribers
	}
	n := len(s) - 1
	d := &tally{churned: make([]float64, n+1), alive: make([]float64, n+1), total: s[0]}
	for t, v := range s {
		if !(v >= 0) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("sbg: survivors[%d] = %v is not a non-negative number", t, v)
		}
		if t > 0 {
			if v > s[t-1] {
				return nil, fmt.Errorf("sbg: survivors[%d] = %v exceeds survivors[%d] = %v; a survivor curve cannot increase", t, v, t-1, s[t-1])
			}
			d.churned[t] = s[t-1] - v
		}
	}
	d.alive[n] = s[n]
	return d, nil
}

// identifiable rejects data whose likelihood has no finite interior maximum.
func (d *tally) identifiable() error {
	var churn, churn1, later float64
	for t := range d.churned {
		churn += d.churned[t]
		if t == 1 {
			churn1 += d.churned[t]
		}
		if t >= 2 {
			later += d.churned[t] + d.alive[t]
		}
	}
	switch {
	case churn == 0:
		return ErrNoChurn
	case churn1 == d.total:
		return ErrAllChurned
	case later == 0:
		// Only period-1 outcomes (and censoring at 0 or 1) are observed.
		return ErrOnePeriod
	}
	return nil
}

// logLik returns the log-likelihood at (a, b); if grad is not nil it is set
// to the gradient with respect to (a, b).
func (d *tally) logLik(a, b float64, grad []float64) float64 {
	lb0 := lbeta(a, b)
	var ll, ga, gb float64
	var psiA, psiA1, psiB, psiAB float64
	if grad != nil {
		psiA, psiA1 = mathext.Digamma(a), mathext.Digamma(a+1)
		psiB, psiAB = mathext.Digamma(b), mathext.Digamma(a+b)
	}
	for t := range d.churned {
		ft := float64(t)
		if c := d.churned[t]; c > 0 {
			// log P(T=t) = log B(a+1, b+t-1) - log B(a, b)
			ll += c * (lbeta(a+1, b+ft-1) - lb0)
			if grad != nil {
				p := mathext.Digamma(a + b + ft)
				ga += c * (psiA1 - p - psiA + psiAB)
				gb += c * (mathext.Digamma(b+ft-1) - p - psiB + psiAB)
			}
		}
		if c := d.alive[t]; c > 0 && t > 0 {
			// log S(t) = log B(a, b+t) - log B(a, b)
			ll += c * (lbeta(a, b+ft) - lb0)
			if grad != nil {
				p := mathext.Digamma(a + b + ft)
				ga += c * (psiA - p - psiA + psiAB)
				gb += c * (mathext.Digamma(b+ft) - p - psiB + psiAB)
			}
		}
	}
	if grad != nil {
		grad[0], grad[1] = ga, gb
	}
	return ll
}

// stdErr returns standard errors from the inverse observed information,
// differentiating the analytic gradient numerically.
func (d *tally) stdErr(a, b float64) (float64, float64) {
	var h [2][2]float64
	var gp, gm [2]float64
	x := [2]float64{a, b}
	for j := 0; j < 2; j++ {
		step := 1e-5 * x[j]
		xp, xm := x, x
		xp[j] += step
		xm[j] -= step
		d.logLik(xp[0], xp[1], gp[:])
		d.logLik(xm[0], xm[1], gm[:])
		for i := 0; i < 2; i++ {
			h[i][j] = -(gp[i] - gm[i]) / (2 * step)
		}
	}
	off := (h[0][1] + h[1][0]) / 2
	det := h[0][0]*h[1][1] - off*off
	if !(det > 0) || !(h[0][0] > 0) {
		return math.NaN(), math.NaN()
	}
	return math.Sqrt(h[1][1] / det), math.Sqrt(h[0][0] / det)
}
