package btyd

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
)

// ErrNotConverged is wrapped by the error returned from a fit whose optimizer
// stopped without meeting its convergence criterion. The returned model and
// Fit then hold the last iterate.
var ErrNotConverged = errors.New("btyd: maximum likelihood fit did not converge")

// Settings controls a maximum-likelihood fit. A nil *Settings means the
// defaults described on each field.
type Settings struct {
	// Weights holds one non-negative weight per customer, for callers that
	// have already aggregated identical customers. If Weights is nil all
	// weights are 1.
	Weights []float64

	// Initial holds starting values of the parameters on their natural
	// scale, in the order of Fit.Names. If nil a data-based start is used.
	Initial []float64

	// MaxIterations bounds the optimizer's major iterations. Zero means 1000.
	MaxIterations int

	// GradientThreshold stops the fit when the infinity norm of the gradient
	// of the mean negative log-likelihood per customer, with respect to the
	// log-parameters, falls below it. Zero means 1e-6: near the optimum the
	// decrease of the mean log-likelihood, about g²/2, reaches double
	// precision rounding (1e-16 of the value) when g is about 1e-8, and a
	// tighter threshold ends in a line-search failure instead of
	// convergence. 1e-6 moves log-parameters by about 1e-6 relative.
	GradientThreshold float64

	// Concurrency is the number of goroutines used to evaluate the
	// likelihood. Zero means runtime.GOMAXPROCS(0).
	Concurrency int
}

func (s *Settings) weights() []float64 {
	if s == nil {
		return nil
	}
	return s.Weights
}

func (s *Settings) initial() []float64 {
	if s == nil {
		return nil
	}
	return s.Initial
}

func (s *Settings) workers() int {
	if s == nil || s.Concurrency <= 0 {
		return runtime.GOMAXPROCS(0)
	}
	return s.Concurrency
}

// Fit describes a maximum-likelihood fit.
type Fit struct {
	// Names are the parameter names, e.g. r, alpha, a, b.
	Names []string
	// Estimates are the maximum-likelihood estimates on the natural scale;
	// covariate coefficients (fits with covariates) as they are.
	Estimates []float64
	// StdErrors are asymptotic standard errors on the natural scale: the
	// inverse Hessian of the negative log-likelihood with respect to the
	// log-parameters, mapped back by the delta method,
	// se(theta) = theta * sqrt(Cov[log theta]); for covariate
	// coefficients, which enter the optimiser as they are, sqrt of the
	// diagonal of the inverse Hessian. They are NaN when the Hessian is not
	// positive definite.
	StdErrors []float64
	// LogLikelihood is the maximised log-likelihood summed over customers.
	LogLikelihood float64
	// Customers is the number of customers (sum of weights) fitted.
	Customers float64
	// Distinct is the number of distinct customer summaries evaluated.
	Distinct int
	// Iterations and FuncEvaluations are the optimizer's counts.
	Iterations      int
	FuncEvaluations int
	// Status is the optimizer's termination status.
	Status optimize.Status
	// Converged reports whether Status is a convergence status.
	Converged bool
}

// String formats the fit as a small table of estimates and standard errors.
func (f *Fit) String() string {
	s := ""
	for i, n := range f.Names {
		s += fmt.Sprintf("%-6s %12.6g (se %.6g)\n", n, f.Estimates[i], f.StdErrors[i])
	}
	return s + fmt.Sprintf("LL %.4f, %g customers (%d distinct), %d iterations, %v",
		f.LogLikelihood, f.Customers, f.Distinct, f.Iterations, f.Status)
}

// objective is a negative log-likelihood summed over customers as a function
// of the log-parameters. grad may be nil.
type objective func(logp, grad []float64) float64

// maximize minimises obj, a negative log-likelihood summed over customers of
// total weight n, divided by n, from the log-parameters x0 with L-BFGS and
// fills a Fit. hessStep is the step of the central differences of obj's
// gradient that give the Hessian for the standard errors.
func maximize(name string, names []string, obj objective, x0 []float64, n float64, distinct int, s *Settings, hessStep float64) ([]float64, *Fit, error) {
	return maximizeMixed(name, names, obj, x0, len(x0), n, distinct, s, hessStep)
}

// maximizeMixed is maximize for a parameter vector whose first nLog
// elements are log-parameters (reported as exp(x) with delta-method
// standard errors) and whose others are reported as they are, such as
// covariate coefficients.
func maximizeMixed(name string, names []string, obj objective, x0 []float64, nLog int, n float64, distinct int, s *Settings, hessStep float64) ([]float64, *Fit, error) {
	maxIter, gtol := 1000, 1e-6
	if s != nil && s.MaxIterations > 0 {
		maxIter = s.MaxIterations
	}
	if s != nil && s.GradientThreshold > 0 {
		gtol = s.GradientThreshold
	}
	p := optimize.Problem{
		Func: func(x []float64) float64 { return obj(x, nil) / n },
		Grad: func(grad, x []float64) {
			obj(x, grad)
			for i := range grad {
				grad[i] /= n
			}
		},
	}
	set := &optimize.Settings{
		GradientThreshold: gtol,
		MajorIterations:   maxIter,
		Converger:         &optimize.FunctionConverge{Absolute: 1e-13, Relative: 1e-13, Iterations: 20},
	}
	res, err := optimize.Minimize(p, x0, set, &optimize.LBFGS{})
	if res == nil {
		return nil, nil, fmt.Errorf("btyd: %s fit: %w", name, err)
	}
	lp := res.X
	fit := &Fit{
		Names:           names,
		Estimates:       make([]float64, len(lp)),
		LogLikelihood:   -obj(lp, nil),
		Customers:       n,
		Distinct:        distinct,
		Iterations:      res.Stats.MajorIterations,
		FuncEvaluations: res.Stats.FuncEvaluations,
		Status:          res.Status,
	}
	for i, v := range lp {
		fit.Estimates[i] = v
		if i < nLog {
			fit.Estimates[i] = math.Exp(v)
		}
	}
	fit.StdErrors = stdErrors(obj, lp, hessStep, nLog)
	switch res.Status {
	case optimize.GradientThreshold, optimize.FunctionConvergence, optimize.Success:
		fit.Converged = true
	}
	bad := false
	for i, v := range fit.Estimates {
		if math.IsNaN(v) || math.IsInf(v, 0) || (v == 0 && i < nLog) {
			bad = true
		}
	}
	if bad || math.IsNaN(fit.LogLikelihood) {
		fit.Converged = false
	}
	if !fit.Converged {
		e := fmt.Errorf("%w: %s stopped with status %v after %d iterations", ErrNotConverged, name, res.Status, fit.Iterations)
		if err != nil {
			e = fmt.Errorf("%w: %s stopped with status %v after %d iterations: %v", ErrNotConverged, name, res.Status, fit.Iterations, err)
		}
		return lp, fit, e
	}
	return lp, fit, nil
}

// stdErrors returns standard errors from a central-difference Hessian of
// the gradient of obj at lp: on the natural scale (delta method) for the
// first nLog elements, which are log-parameters, and as they are for the
// others.
func stdErrors(obj objective, lp []float64, h float64, nLog int) []float64 {
	k := len(lp)
	se := make([]float64, k)
	hess := mat.NewSymDense(k, nil)
	gp, gm := make([]float64, k), make([]float64, k)
	x := make([]float64, k)
	rows := make([][]float64, k)
	for i := range k {
		copy(x, lp)
		x[i] = lp[i] + h
		obj(x, gp)
		x[i] = lp[i] - h
		obj(x, gm)
		rows[i] = make([]float64, k)
		for j := range k {
			rows[i][j] = (gp[j] - gm[j]) / (2 * h)
		}
	}
	for i := range k {
		for j := i; j < k; j++ {
			hess.SetSym(i, j, (rows[i][j]+rows[j][i])/2)
		}
	}
	var chol mat.Cholesky
	if !chol.Factorize(hess) {
		for i := range se {
			se[i] = math.NaN()
		}
		return se
	}
	var cov mat.SymDense
	if err := chol.InverseTo(&cov); err != nil {
		for i := range se {
			se[i] = math.NaN()
		}
		return se
	}
	for i := range k {
		se[i] = math.Sqrt(cov.At(i, i))
		if i < nLog {
			se[i] *= math.Exp(lp[i])
		}
	}
	return se
}

// parallelSum splits [0, n) into chunks over workers goroutines, calls
// f(lo, hi, acc) with a private accumulator of length m per goroutine and
// returns the element-wise sum of the accumulators.
func parallelSum(n, m, workers int, f func(lo, hi int, acc []float64)) []float64 {
	if workers > n/2048+1 {
		workers = n/2048 + 1
	}
	accs := make([][]float64, workers)
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for w := range workers {
		accs[w] = make([]float64, m)
		lo, hi := w*chunk, min((w+1)*chunk, n)
		if lo >= hi {
			continue
		}
		wg.Add(1)
		go func(acc []float64) {
			defer wg.Done()
			f(lo, hi, acc)
		}(accs[w])
	}
	wg.Wait()
	out := accs[0]
	for _, a := range accs[1:] {
		for i := range out {
			out[i] += a[i]
		}
	}
	return out
}

// logSumExp returns log(exp(a) + exp(b)) without overflow.
func logSumExp(a, b float64) float64 {
	if math.IsInf(a, -1) {
		return b
	}
	if math.IsInf(b, -1) {
		return a
	}
	if a < b {
		a, b = b, a
	}
	return a + math.Log1p(math.Exp(b-a))
}
