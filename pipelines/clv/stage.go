// Package clv is the lifetime-value stage: it fits BG/NBD and/or
// Pareto/NBD (repeat purchases) and Gamma-Gamma (spend) on the customer
// table every night, picks the purchase model with the lower holdout error,
// and adds probability alive, expected purchases, expected spend and a
// discounted, margin-adjusted CLV to every customer with a purchase.
//
// Outputs: the customer-table columns listed by Columns, and the tables
// model_params, clv_holdout and clv_tracking (see Tables).
package clv

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/crmbatch/crmbatch/engine/frame"
	"github.com/crmbatch/crmbatch/models/btyd"
	"github.com/crmbatch/crmbatch/pipelines/batch"
	"github.com/crmbatch/crmbatch/pipelines/config"
)

// fitted is one fitted repeat-purchase model.
type fitted struct {
	key   string // bgnbd or paretonbd
	model btyd.Model
	fit   *btyd.Fit
	err   error
}

func fitModel(key string, x, tx, T []float64) fitted {
	switch key {
	case "bgnbd":
		m, f, err := btyd.FitBGNBD(x, tx, T, nil)
		return fitted{key, m, f, err}
	default:
		m, f, err := btyd.FitParetoNBD(x, tx, T, nil)
		return fitted{key, m, f, err}
	}
}

// usable reports whether a fit produced parameters worth scoring with: it
// converged, or it stopped without converging but with finite estimates (the
// manifest then carries a warning).
func (f fitted) usable() bool {
	if f.fit == nil {
		return false
	}
	for _, v := range f.fit.Estimates {
		if math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 {
			return false
		}
	}
	return f.err == nil || errors.Is(f.err, btyd.ErrNotConverged)
}

// buyers returns the rows of customers with at least one purchase and their
// frequency, recency, T and monetary value.
func buyers(f frame.Table) (rows []int, x, tx, T, zbar []float64, err error) {
	fx, err := f.Floats("frequency")
	if err != nil {
		return
	}
	ftx, _ := f.Floats("recency")
	fT, _ := f.Floats("T")
	fm, _ := f.Floats("monetary_value")
	for i := range fx {
		if math.IsNaN(fx[i]) || math.IsNaN(fT[i]) {
			continue
		}
		rows = append(rows, i)
		x, tx, T, zbar = append(x, fx[i]), append(tx, ftx[i]), append(T, fT[i]), append(zbar, fm[i])
	}
	return
}

// Stage is the lifetime-value stage.
var Stage = batch.Stage{Name: "clv", Run: run}

// run fits BG/NBD and/or Pareto/NBD and Gamma-Gamma on the customer
// table, evaluates the models on a holdout, and adds probability_alive,
// expected purchases, expected spend and CLV to every buyer.
func run(ctx context.Context, b *batch.Batch) error {
	c := b.Cfg.CLV
	rows, x, tx, T, zbar, err := buyers(b.Customers)
	if err != nil {
		return err
	}
	if len(rows) < 50 {
		return batch.Skip(fmt.Sprintf("%d customers with purchases; the lifetime models need at least 50", len(rows)))
	}
	var params []paramRow
	// Holdout first: it decides which model is published.
	chosen, heldOut := c.Models[0], false
	if *c.HoldoutDays > 0 && len(c.Models) > 0 {
		key, prm, err := holdout(ctx, b)
		switch {
		case errors.Is(err, batch.ErrSkipped):
			b.Warn("clv holdout %v", err)
		case err != nil:
			return err
		default:
			chosen, heldOut = key, true
			params = append(params, prm...)
		}
	}
	// On the full data, fit the model the holdout chose; fall back to the
	// others in configured order only if it fails. Without a holdout, every
	// configured model is fitted (and published in model_params) and the
	// first usable one scores.
	order := []string{chosen}
	for _, key := range c.Models {
		if key != chosen {
			order = append(order, key)
		}
	}
	var fits []fitted
	var use *fitted
	for _, key := range order {
		fits = append(fits, fitModel(key, x, tx, T))
		f := &fits[len(fits)-1]
		params = append(params, paramRows(f.key, "full", f)...)
		if f.err != nil {
			b.Warn("clv: %s fit: %v", f.key, f.err)
		}
		if f.usable() && use == nil {
			use = f
			if heldOut {
				break
			}
		}
	}
	if use == nil {
		return fmt.Errorf("no lifetime model could be fitted (%v); see model_params", fits[0].err)
	}
	gg, ggFit, ggErr := btyd.FitGammaGamma(x, zbar, nil)
	params = append(params, paramRows("gammagamma", "full", &fitted{"gammagamma", nil, ggFit, ggErr})...)
	spend := make([]float64, len(x))
	if ggErr != nil && !errors.Is(ggErr, btyd.ErrNotConverged) {
		// No spend model: fall back to the customer's own mean order value
		// and say so.
		b.Warn("clv: Gamma-Gamma fit: %v; expected_average_spend is the observed mean repeat spend", ggErr)
		copy(spend, zbar)
	} else {
		for i := range x {
			spend[i] = gg.ConditionalExpectedAverageSpend(x[i], zbar[i])
		}
	}
	margin, err := clvMargin(ctx, b)
	if err != nil {
		return err
	}
	set := btyd.CLVSettings{HorizonMonths: c.HorizonMonths, AnnualDiscountRate: *c.AnnualDiscountRate, Margin: margin, UnitDays: b.Cfg.UnitDays()}
	horizon := float64(c.HorizonMonths) * btyd.DaysPerMonth / b.Cfg.UnitDays()
	alive, expected := btyd.Score(use.model, horizon, x, tx, T, nil, nil, 0)
	clv := btyd.CLVs(use.model, x, tx, T, spend, nil, set, 0)
	n := b.Customers.Len()
	cols := map[string][]float64{}
	names := []string{"probability_alive", expectedPurchasesCol(b.Cfg), noPurchaseCol(b.Cfg), "expected_average_spend", "customer_lifetime_value"}
	for _, nm := range names {
		v := make([]float64, n)
		for i := range v {
			v[i] = math.NaN()
		}
		cols[nm] = v
	}
	next := make([]int64, n)
	nextValid := make([]bool, n)
	model := make([]string, n)
	modelValid := make([]bool, n)
	asOfDay := b.AsOf.Unix() / 86400
	// Customers with the same (x, t_x, T) share these values: compute each once.
	type key struct{ x, tx, T float64 }
	type pair struct{ none, next float64 }
	cache := make(map[key]pair, len(rows)/4+16)
	for k, i := range rows {
		cols["probability_alive"][i] = alive[k]
		cols[expectedPurchasesCol(b.Cfg)][i] = expected[k]
		kk := key{x[k], tx[k], T[k]}
		v, ok := cache[kk]
		if !ok {
			v = pair{noPurchase(use.model, horizon, x[k], tx[k], T[k]), nextPurchase(use.model, x[k], tx[k], T[k])}
			cache[kk] = v
		}
		cols[noPurchaseCol(b.Cfg)][i] = v.none
		cols["expected_average_spend"][i] = spend[k]
		cols["customer_lifetime_value"][i] = clv[k]
		if w := v.next; w >= 0 && !math.IsInf(w, 0) && w*b.Cfg.UnitDays() < 36500 {
			next[i], nextValid[i] = asOfDay+int64(math.Ceil(w*b.Cfg.UnitDays())), true
		}
		model[i], modelValid[i] = use.model.Name(), true
	}
	for _, nm := range names {
		b.Customers.Add(frame.NewFloat(nm, finite(cols[nm])))
	}
	b.Customers.Add(frame.NewDate("expected_next_purchase_date", next, nextValid))
	b.Customers.Add(frame.NewString("clv_model", model, modelValid))
	return b.Out.WriteFrame("model_params", paramFrame(params))
}

func expectedPurchasesCol(c *config.Config) string {
	return fmt.Sprintf("expected_purchases_%dm", c.CLV.HorizonMonths)
}

func noPurchaseCol(c *config.Config) string {
	return fmt.Sprintf("probability_no_purchase_%dm", c.CLV.HorizonMonths)
}

// noPurchase is P(no purchase in the next t | x, t_x, T).
func noPurchase(m btyd.Model, t, x, tx, T float64) float64 {
	switch mm := m.(type) {
	case btyd.BGNBD:
		return mm.ProbabilityNoPurchases(t, x, tx, T)
	case btyd.ParetoNBD:
		return mm.ProbabilityNoPurchases(t, x, tx, T)
	}
	return math.NaN()
}

// nextPurchase is the expected time to the next purchase of a customer who
// is alive, in model time units.
func nextPurchase(m btyd.Model, x, tx, T float64) float64 {
	switch mm := m.(type) {
	case btyd.BGNBD:
		return mm.ExpectedTimeToNextPurchase(x, tx, T)
	case btyd.ParetoNBD:
		return mm.ExpectedTimeToNextPurchase(x, tx, T)
	}
	return math.NaN()
}

// finite turns NaN and infinities into nulls (NaN), so none reaches an output.
func finite(v []float64) []float64 {
	for i, f := range v {
		if math.IsInf(f, 0) {
			v[i] = math.NaN()
		}
	}
	return v
}

// clvMargin is the configured margin, else the observed gross margin share
// of revenue where cost is known, else 1.
func clvMargin(ctx context.Context, b *batch.Batch) (float64, error) {
	if m := b.Cfg.CLV.Margin; m != nil {
		return *m, nil
	}
	f, err := b.DB.QueryFrame(ctx, "SELECT CAST(sum(revenue) FILTER (WHERE cost IS NOT NULL) AS DOUBLE) AS r, CAST(sum(revenue - cost) AS DOUBLE) AS m FROM orders")
	if err != nil {
		return 0, err
	}
	r, m := f.Col("r"), f.Col("m")
	if r.IsNull(0) || m.IsNull(0) || r.Floats[0] <= 0 {
		return 1, nil
	}
	return math.Max(0.01, math.Min(1, m.Floats[0]/r.Floats[0])), nil
}
