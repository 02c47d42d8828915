package clv

import (
	"fmt"
	"math"

	"github.com/crmbatch/crmbatch/engine/frame"
	"github.com/crmbatch/crmbatch/models/btyd"
)

// paramRow is one row of the model_params output.
type paramRow struct {
	model, fittedOn, parameter string
	estimate, stdError, ll     float64
	customers                  float64
	converged                  bool
	status                     string
	iterations                 int64
}

func paramRows(key, fittedOn string, f *fitted) []paramRow {
	if f.fit == nil {
		status := "failed"
		if f.err != nil {
			status = f.err.Error()
		}
		return []paramRow{{model: key, fittedOn: fittedOn, parameter: "", estimate: math.NaN(), stdError: math.NaN(), ll: math.NaN(), status: status}}
	}
	status := f.fit.Status.String()
	if f.err != nil {
		status = fmt.Sprintf("%s: %v", status, f.err)
	}
	var out []paramRow
	for i, name := range f.fit.Names {
		out = append(out, paramRow{model: key, fittedOn: fittedOn, parameter: name,
			estimate: f.fit.Estimates[i], stdError: f.fit.StdErrors[i], ll: f.fit.LogLikelihood,
			customers: f.fit.Customers, converged: f.fit.Converged, status: status, iterations: int64(f.fit.Iterations)})
	}
	return out
}

func paramFrame(rows []paramRow) *frame.Frame {
	n := len(rows)
	model, fitted, param, status := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	est, se, ll, cust := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	conv := make([]bool, n)
	iters := make([]int64, n)
	for i, r := range rows {
		model[i], fitted[i], param[i], status[i] = r.model, r.fittedOn, r.parameter, r.status
		est[i], se[i], ll[i], cust[i] = r.estimate, r.stdError, r.ll, r.customers
		conv[i], iters[i] = r.converged, r.iterations
	}
	return &frame.Frame{Cols: []*frame.Column{
		frame.NewString("model", model, nil),
		frame.NewString("fitted_on", fitted, nil),
		frame.NewString("parameter", param, nil),
		frame.NewFloat("estimate", finite(est)),
		frame.NewFloat("std_error", finite(se)),
		frame.NewFloat("log_likelihood", finite(ll)),
		frame.NewFloat("customers", cust),
		frame.NewBool("converged", conv, nil),
		frame.NewString("status", status, nil),
		frame.NewInt("iterations", iters, nil),
	}}
}

var _ btyd.Model = btyd.BGNBD{}
