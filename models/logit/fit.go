package logit

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
)

// Problem is the data for Fit.
type Problem struct {
	// X is the n x p design matrix, one row per observation, without an
	// intercept column (Fit adds one). Standardised columns (Encoder) make
	// the penalty scale-free.
	X *mat.Dense
	// Y holds the labels, 0 or 1.
	Y []float64
	// Weights are sample weights; if Weights is nil all weights are 1.
	Weights []float64
	// Names are the column names; if Names is nil they are "x0", "x1", ....
	Names []string
}

// ClassWeight selects how the two classes are weighted.
type ClassWeight int

const (
	// Unweighted gives every row its sample weight.
	Unweighted ClassWeight = iota
	// Balanced multiplies sample weights by n/(2*n_class), as
	// scikit-learn's class_weight="balanced" (n and n_class count rows).
	Balanced
)

// Settings controls Fit. A nil *Settings means the defaults.
type Settings struct {
	// C is the inverse regularisation strength, as scikit-learn's C. Zero
	// means 1; math.Inf(1) means no penalty.
	C float64
	// ClassWeight weights the classes; the zero value is Unweighted.
	ClassWeight ClassWeight
	// MajorIterations limits L-BFGS iterations; zero means 1000.
	MajorIterations int
	// GradientThreshold stops the optimiser when the infinity norm of the
	// gradient of the objective divided by the total weight falls below it;
	// zero means 1e-7.
	GradientThreshold float64
	// Workers is the number of goroutines over row blocks; zero means
	// GOMAXPROCS.
	Workers int
	// NoStdErr skips the standard errors (an O(n p^2) pass).
	NoStdErr bool
}

// Result is a fitted model.
type Result struct {
	// Intercept and Coef are the fitted coefficients on the scale of X.
	Intercept float64
	Coef      []float64
	// Names are the column names of X.
	Names []string
	// InterceptSE and StdErr are standard errors from the inverse of the
	// penalised Hessian [1 X]'W[1 X] + diag(0, 1/C, ..., 1/C), W =
	// diag(w_i p_i (1-p_i)) (Hosmer, Lemeshow & Sturdivant 2013, sec. 2.3,
	// with the ridge term). They are NaN when that matrix is singular (e.g.
	// collinear columns without a penalty) or when NoStdErr was set.
	InterceptSE float64
	StdErr      []float64
	// Objective is the minimised objective divided by the total weight.
	Objective float64
	// Iterations is the number of L-BFGS major iterations.
	Iterations int
	// Status is the optimiser's termination status.
	Status optimize.Status
	// Separated is set when an unpenalised fit found the classes perfectly
	// separated: the maximum-likelihood coefficients are infinite and the
	// reported ones are only where the optimiser stopped.
	Separated bool
	// Notes explain decisions and problems (dropped constant columns,
	// singular Hessian, separation).
	Notes []string
}

// Converged reports whether the optimiser stopped at a stationary point
// (and the classes are not separated).
func (r *Result) Converged() bool {
	ok := r.Status == optimize.GradientThreshold || r.Status == optimize.FunctionConvergence ||
		r.Status == optimize.Success || r.Status == optimize.StepConvergence
	return ok && !r.Separated
}

// Err returns nil for a converged fit and otherwise an error that says why.
func (r *Result) Err() error {
	switch {
	case r.Separated:
		return errors.New("logit: classes are perfectly separable; unpenalised coefficients diverge (use a finite C)")
	case !r.Converged():
		return fmt.Errorf("logit: optimiser stopped with status %v after %d iterations", r.Status, r.Iterations)
	}
	return nil
}

// Fit fits an L2-regularised logistic regression by minimising
//
//	sum_i w_i * [log(1+exp(eta_i)) - y_i*eta_i] + ||beta||^2/(2C),
//	eta_i = b0 + x_i'beta,
//
// exactly scikit-learn's LogisticRegression(C=C) objective (the intercept
// b0 is not penalised), with gonum's L-BFGS and an analytic gradient. s may
// be nil.
//
// Fit returns a "logit: ..." error for zero rows, an empty feature set,
// labels other than 0/1 (including NaN), a single class, non-finite X and
// invalid weights. Constant columns are left out of the fit (coefficient 0)
// and named in Notes. Non-convergence and separation are reported through
// Result.Err, not as an error.
func Fit(p Problem, s *Settings) (*Result, error) {
	var set Settings
	if s != nil {
		set = *s
	}
	if set.C == 0 {
		set.C = 1
	}
	if !(set.C > 0) {
		return nil, fmt.Errorf("logit: C = %v; want a positive number or +Inf", set.C)
	}
	if set.MajorIterations == 0 {
		set.MajorIterations = 1000
	}
	if set.GradientThreshold == 0 {
		set.GradientThreshold = 1e-7
	}
	if p.X == nil || p.X.IsEmpty() {
		if len(p.Y) == 0 {
			return nil, ErrNoRows
		}
		return nil, errors.New("logit: empty feature set")
	}
	n, np := p.X.Dims()
	if len(p.Y) != n {
		panic(fmt.Sprintf("logit: X has %d rows and Y has %d", n, len(p.Y)))
	}
	if p.Weights != nil && len(p.Weights) != n {
		panic(fmt.Sprintf("logit: X has %d rows and Weights has %d", n, len(p.Weights)))
	}
	if p.Names != nil && len(p.Names) != np {
		panic(fmt.Sprintf("logit: X has %d columns and Names has %d", np, len(p.Names)))
	}
	x := contiguous(p.X)
	w, err := weights(p.Y, p.Weights, set.ClassWeight)
	if err != nil {
		return nil, err
	}
	names := p.Names
	if names == nil {
		names = make([]string, np)
		for j := range names {
			names[j] = fmt.Sprintf("x%d", j)
		}
	}
	res := &Result{Names: append([]string(nil), names...)}
	active, err := activeColumns(x, n, np, names, &res.Notes)
	if err != nil {
		return nil, err
	}

	lambda := 1 / set.C
	obj := newObjective(x, n, np, p.Y, w, active, lambda, set.Workers)
	prob := optimize.Problem{
		Func: obj.eval,
		Grad: func(g, b []float64) {
			obj.eval(b)
			copy(g, obj.lastGrad)
		},
	}
	beta0 := make([]float64, np+1)
	beta0[0] = initialIntercept(p.Y, w)
	opt, err := optimize.Minimize(prob, beta0, &optimize.Settings{
		GradientThreshold: set.GradientThreshold,
		MajorIterations:   set.MajorIterations,
		Converger:         &optimize.FunctionConverge{Absolute: 1e-13, Relative: 1e-13, Iterations: 20},
	}, &optimize.LBFGS{})
	if opt == nil {
		return nil, fmt.Errorf("logit: optimiser failed: %w", err)
	}
	res.Intercept = opt.X[0]
	res.Coef = append([]float64(nil), opt.X[1:]...)
	res.Objective = obj.eval(opt.X)
	res.Iterations = opt.Stats.MajorIterations
	res.Status = opt.Status
	if err != nil && res.Converged() {
		res.Status = optimize.Failure
	}
	if math.IsInf(set.C, 1) && separated(x, n, np, p.Y, w, opt.X) {
		res.Separated = true
		res.Notes = append(res.Notes, "classes are perfectly separated by the fitted linear predictor; unpenalised coefficients diverge")
	}
	res.InterceptSE = math.NaN()
	res.StdErr = make([]float64, np)
	for j := range res.StdErr {
		res.StdErr[j] = math.NaN()
	}
	if !set.NoStdErr {
		stdErrors(res, x, n, np, w, active, lambda, obj.workers)
	}
	return res, nil
}

// contiguous returns the row-major data of x, copying only when x is a view
// with a stride wider than its columns.
func contiguous(x *mat.Dense) []float64 {
	raw := x.RawMatrix()
	if raw.Stride == raw.Cols {
		return raw.Data[:raw.Rows*raw.Cols]
	}
	out := make([]float64, raw.Rows*raw.Cols)
	for i := 0; i < raw.Rows; i++ {
		copy(out[i*raw.Cols:], raw.Data[i*raw.Stride:i*raw.Stride+raw.Cols])
	}
	return out
}

// weights validates labels and weights and applies the class weighting.
func weights(y, sw []float64, cw ClassWeight) ([]float64, error) {
	n := len(y)
	w := make([]float64, n)
	var cnt [2]float64
	for i, v := range y {
		if v != 0 && v != 1 {
			return nil, fmt.Errorf("logit: label %d is %v; labels must be 0 or 1", i, v)
		}
		w[i] = 1
		if sw != nil {
			w[i] = sw[i]
			if !(w[i] >= 0) || math.IsInf(w[i], 0) {
				return nil, fmt.Errorf("logit: weight %d is %v; weights must be finite and non-negative", i, w[i])
			}
		}
		if w[i] > 0 {
			cnt[int(v)]++
		}
	}
	if cnt[0] == 0 || cnt[1] == 0 {
		return nil, fmt.Errorf("logit: only one class present (%v rows labelled 0, %v labelled 1 with positive weight)", cnt[0], cnt[1])
	}
	if cw == Balanced {
		f := [2]float64{float64(n) / (2 * cnt[0]), float64(n) / (2 * cnt[1])}
		for i, v := range y {
			w[i] *= f[int(v)]
		}
	}
	return w, nil
}

// activeColumns rejects non-finite values and leaves constant columns out.
func activeColumns(x []float64, n, p int, names []string, notes *[]string) ([]bool, error) {
	active := make([]bool, p)
	first := x[:p]
	for i := 0; i < n; i++ {
		row := x[i*p : i*p+p]
		for j, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("logit: X[%d, %d] (%s) is %v; encode missing values first", i, j, names[j], v)
			}
			if v != first[j] {
				active[j] = true
			}
		}
	}
	any := false
	for j, a := range active {
		if !a {
			*notes = append(*notes, fmt.Sprintf("%s: constant column left out of the fit (coefficient 0)", names[j]))
		}
		any = any || a
	}
	if !any {
		*notes = append(*notes, "every column is constant: intercept-only model")
	}
	return active, nil
}

// initialIntercept is the log-odds of the weighted base rate.
func initialIntercept(y, w []float64) float64 {
	var s1, s float64
	for i, v := range y {
		s1 += w[i] * v
		s += w[i]
	}
	return math.Log(s1 / (s - s1))
}

// separated reports whether the linear predictor at beta classifies every
// weighted row correctly with a positive margin.
func separated(x []float64, n, p int, y, w, beta []float64) bool {
	for i := 0; i < n; i++ {
		if w[i] == 0 {
			continue
		}
		eta := beta[0]
		for j, v := range x[i*p : i*p+p] {
			eta += v * beta[j+1]
		}
		if (y[i] == 1) != (eta > 0) || eta == 0 {
			return false
		}
	}
	return true
}
