package clv

import (
	"errors"
	"math"

	"github.com/crmbatch/crmbatch/models/btyd"
	"github.com/crmbatch/crmbatch/pipelines/batch"
)

// Spend per purchase day is modelled in two parts, so that returns neither
// bias the Gamma-Gamma nor go missing:
//
//  1. Gamma-Gamma (Fader & Hardie 2013, note 025) is fitted on the gross
//     value of the repeat purchase days (their positive lines,
//     gross_monetary_value), which is what the model's Gamma(p, nu) order
//     values describe. Netting return lines into those values makes the
//     spread of order values look larger than it is and biases p down (by
//     a quarter on the generated data); a day of returns only is no order
//     at all.
//  2. Returns enter through each customer's return share, returned value
//     over gross value, shrunk towards the population share by the
//     credibility weight of btyd.FitReturnPrior (method of moments; the
//     exposure is the customer's number of non-return lines). A customer
//     with few lines keeps close to the population share; one with a long
//     history keeps their own.
//
// expected_average_spend is then E[gross spend | x, zbar] x (1 - shrunk
// share) (btyd.ReturnPrior.NetSpend), and CLV follows it. Without any
// return line the share is 0 and the spend is the Gamma-Gamma's.

// spendModel fits the spend model of the buyers and returns each buyer's
// expected net spend per purchase day, their shrunk return share and the
// model_params rows of gammagamma and returns.
func spendModel(b *batch.Batch, in *buyers) (spend, share []float64, params []paramRow) {
	n := len(in.x)
	spend, share = make([]float64, n), make([]float64, n)
	gg, ggFit, ggErr := btyd.FitGammaGamma(in.x, in.zbar, nil)
	params = append(params, paramRows("gammagamma", "full", &fitted{fit: ggFit, err: ggErr})...)
	prior, prm := returnPrior(b, in)
	params = append(params, prm...)
	noModel := ggErr != nil && !errors.Is(ggErr, btyd.ErrNotConverged)
	if noModel {
		// No spend model: fall back to the customer's own mean repeat
		// value and say so.
		b.Warn("clv: Gamma-Gamma fit: %v; expected_average_spend is the observed mean gross repeat value net of the return share", ggErr)
	}
	for k := range in.x {
		g := in.zbar[k]
		if !noModel {
			g = gg.ConditionalExpectedAverageSpend(in.x[k], in.zbar[k])
		}
		share[k] = prior.ShrunkShare(in.gross[k], in.returned[k], in.exposure[k])
		spend[k] = g * (1 - share[k])
	}
	return spend, share, params
}

// returnPrior fits the population return share and its credibility weight
// to the buyers and returns the model_params rows (model "returns":
// parameters share and weight).
func returnPrior(b *batch.Batch, in *buyers) (btyd.ReturnPrior, []paramRow) {
	var returned float64
	for _, r := range in.returned {
		returned += r
	}
	status, converged := "method of moments", true
	var p btyd.ReturnPrior
	if returned == 0 {
		p = btyd.ReturnPrior{Share: 0, Weight: math.Inf(1)}
		status = "no return lines: share 0"
	} else {
		var err error
		p, err = btyd.FitReturnPrior(in.gross, in.returned, in.exposure, nil)
		if err != nil {
			// Every customer then gets the population share.
			b.Warn("clv: return share prior: %v; every customer gets the population return share", err)
			p.Weight = math.Inf(1)
			status, converged = err.Error(), false
		}
	}
	row := func(name string, v float64) paramRow {
		return paramRow{model: "returns", fittedOn: "full", parameter: name, estimate: v, stdError: math.NaN(), ll: math.NaN(),
			customers: float64(len(in.x)), converged: converged, status: status}
	}
	return p, []paramRow{row("share", p.Share), row("weight", p.Weight)}
}
