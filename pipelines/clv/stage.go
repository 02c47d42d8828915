// Package clv is the lifetime-value stage: it fits BG/NBD and/or
// Pareto/NBD (repeat purchases, optionally with time-invariant covariates)
// or, for discrete-time data, BG/BB, and Gamma-Gamma (spend) on the
// customer table every night, picks the purchase model with the lower
// holdout error, and adds probability alive, expected purchases, expected
// spend net of the customer's shrunk return share, and a discounted,
// margin-adjusted CLV to every customer with a purchase day. It also
// publishes the value of new customers by acquisition trait
// (acquisition_value).
//
// Outputs: the customer-table columns listed by Columns, and the tables
// model_params, clv_holdout, clv_tracking and acquisition_value (see
// Tables).
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
	cand  candidate
	model btyd.Model          // a fit without covariates
	cov   btyd.CovariateModel // a fit with covariates
	fit   *btyd.Fit
	err   error
}

func (f *fitted) key() string { return f.cand.key() }

// fitCandidate fits c to the summaries; d holds the covariates of the same
// customers (nil without covariates).
func fitCandidate(c candidate, x, tx, T []float64, d *design) fitted {
	switch {
	case c.cov && c.base == "bgnbd":
		m, f, err := btyd.FitBGNBDCov(x, tx, T, d.purchase, d.dropout, nil)
		return fitted{cand: c, cov: m, fit: f, err: err}
	case c.cov:
		m, f, err := btyd.FitParetoNBDCov(x, tx, T, d.purchase, d.dropout, nil)
		return fitted{cand: c, cov: m, fit: f, err: err}
	case c.base == "bgnbd":
		m, f, err := btyd.FitBGNBD(x, tx, T, nil)
		return fitted{cand: c, model: m, fit: f, err: err}
	default:
		m, f, err := btyd.FitParetoNBD(x, tx, T, nil)
		return fitted{cand: c, model: m, fit: f, err: err}
	}
}

// usable reports whether a fit produced parameters worth scoring with: it
// converged, or it stopped without converging but with finite estimates (the
// manifest then carries a warning). The four model parameters must be
// positive; covariate coefficients only finite.
func (f *fitted) usable() bool {
	if f.fit == nil {
		return false
	}
	for i, v := range f.fit.Estimates {
		if math.IsNaN(v) || math.IsInf(v, 0) || (i < 4 && v <= 0) {
			return false
		}
	}
	return f.err == nil || errors.Is(f.err, btyd.ErrNotConverged)
}

// customer returns the model of customer k of the fitted set: the model
// itself, or with covariates the customer's own parameters.
func (f *fitted) customer(k int, d *design) btyd.Model {
	if f.cov == nil {
		return f.model
	}
	return f.cov.Customer(k, d.purchase, d.dropout)
}

// name is the model's name as published in clv_model.
func (f *fitted) name() string {
	if f.cov != nil {
		return f.cov.Name() + " with covariates"
	}
	return f.model.Name()
}

// buyers are the customers with a purchase day: their rows in the
// customer table, BTYD summary, gross mean repeat value (the Gamma-Gamma
// input) and what the return share needs.
type buyers struct {
	rows                      []int
	x, tx, T, zbar            []float64
	gross, returned, exposure []float64
}

// loadBuyers reads the buyers from the customer table, one column at a
// time.
func loadBuyers(t frame.Table) (*buyers, error) {
	get := func(name string) []float64 {
		v, err := t.Floats(name)
		if err != nil {
			return nil
		}
		return v
	}
	fx, ftx, fT := get("frequency"), get("recency"), get("T")
	fz, fg, fr := get("gross_monetary_value"), get("gross_revenue"), get("returned_revenue")
	lines, rlines := get("order_lines"), get("return_lines")
	if fx == nil || ftx == nil || fT == nil || fz == nil || fg == nil || fr == nil || lines == nil || rlines == nil {
		_, err := t.Floats("frequency")
		return nil, fmt.Errorf("customer table: a BTYD summary column is missing or not numeric (%v)", err)
	}
	in := &buyers{}
	for i := range fx {
		if math.IsNaN(fx[i]) || math.IsNaN(fT[i]) {
			continue
		}
		in.rows = append(in.rows, i)
		in.x, in.tx, in.T, in.zbar = append(in.x, fx[i]), append(in.tx, ftx[i]), append(in.T, fT[i]), append(in.zbar, fz[i])
		in.gross, in.returned = append(in.gross, math.Max(fg[i], 0)), append(in.returned, math.Max(fr[i], 0))
		in.exposure = append(in.exposure, math.Max(lines[i]-rlines[i], 0))
	}
	return in, nil
}

// Stage is the lifetime-value stage.
var Stage = batch.Stage{Name: "clv", Run: run}

// run fits the purchase and spend models on the customer table, evaluates
// the purchase models on a holdout, and adds the lifetime-value columns to
// every buyer.
func run(ctx context.Context, b *batch.Batch) error {
	c := &b.Cfg.CLV
	if c.TimeUnit == "periods" {
		return runPeriods(ctx, b)
	}
	in, err := loadBuyers(b.Customers)
	if err != nil {
		return err
	}
	if len(in.rows) < 50 {
		return batch.Skip(fmt.Sprintf("%d customers with purchases; the lifetime models need at least 50", len(in.rows)))
	}
	cands := candidates(c)
	var d *design
	if c.Covariates.Any() {
		var notes []string
		if d, notes, err = newDesign(b.Customers, c.Covariates, in.rows); err != nil {
			return err
		}
		for _, n := range notes {
			if b.Log != nil {
				b.Log.Info("clv covariates", "note", n)
			}
		}
	}
	var params []paramRow
	// Holdout first: it decides which model is published.
	chosen, heldOut := cands[0], false
	if *c.HoldoutDays > 0 {
		best, prm, err := holdout(ctx, b, cands)
		switch {
		case errors.Is(err, batch.ErrSkipped):
			b.Warn("clv holdout %v", err)
		case err != nil:
			return err
		default:
			chosen, heldOut = best, true
			params = append(params, prm...)
		}
	}
	// On the full data, fit the model the holdout chose; fall back to the
	// plain models in configured order only if it fails. Without a
	// holdout every plain model is fitted (and published in model_params)
	// and the first usable one scores, unless its covariate version has
	// the lower AIC.
	order := []candidate{chosen}
	for _, k := range cands {
		if k != chosen {
			order = append(order, k)
		}
	}
	fits := make([]fitted, 0, len(order)+1) // pointers into it stay valid
	fit := func(k candidate) *fitted {
		f := fitCandidate(k, in.x, in.tx, in.T, d)
		params = append(params, paramRows(f.key(), "full", &f)...)
		if f.err != nil {
			b.Warn("clv: %s fit: %v", f.key(), f.err)
		}
		fits = append(fits, f)
		return &fits[len(fits)-1]
	}
	var use *fitted
	for _, k := range order {
		if f := fit(k); f.usable() && use == nil {
			use = f
			if heldOut {
				break
			}
		}
	}
	if use != nil && !heldOut && d != nil {
		base := use.cand.base
		if f := fit(candidate{base: base, cov: true}); f.usable() && aic(f) < aic(use) {
			use = f
		} else {
			use = &fits[indexOf(fits, base)]
		}
	}
	if use == nil {
		return fmt.Errorf("no lifetime model could be fitted (%v); see model_params", fits[0].err)
	}
	spend, share, prm := spendModel(b, in)
	params = append(params, prm...)
	margin, err := clvMargin(ctx, b)
	if err != nil {
		return err
	}
	set := btyd.CLVSettings{HorizonMonths: c.HorizonMonths, AnnualDiscountRate: *c.AnnualDiscountRate, Margin: margin, UnitDays: b.Cfg.UnitDays()}
	horizon := float64(c.HorizonMonths) * btyd.DaysPerMonth / b.Cfg.UnitDays()
	sc := score(use, d, in.x, in.tx, in.T, spend, horizon, set)
	if err := addColumns(b, in.rows, use.name(), sc, spend, share, b.Cfg.UnitDays()); err != nil {
		return err
	}
	if err := b.Out.WriteFrame("model_params", paramFrame(params)); err != nil {
		return err
	}
	return acquisitionValue(ctx, b)
}

// indexOf returns the index of the plain fit of model base in fits.
func indexOf(fits []fitted, base string) int {
	for i := range fits {
		if fits[i].cand == (candidate{base: base}) {
			return i
		}
	}
	return -1
}

// aic is Akaike's information criterion, 2k - 2 LL.
func aic(f *fitted) float64 {
	return 2*float64(len(f.fit.Estimates)) - 2*f.fit.LogLikelihood
}

// addColumns adds the lifetime-value columns for the buyers at rows; the
// other customers get nulls. unitDays converts the expected time to the
// next purchase (model units) to days.
func addColumns(b *batch.Batch, rows []int, model string, sc scores, spend, share []float64, unitDays float64) error {
	n := b.Customers.Len()
	hist, err := b.Customers.Floats("historic_clv")
	if err != nil {
		return err
	}
	nan := func() []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = math.NaN()
		}
		return v
	}
	alive, expected, none, avgSpend, clv := nan(), nan(), nan(), nan(), nan()
	predicted, total, shareCol := nan(), nan(), nan()
	next := make([]int64, n)
	nextValid := make([]bool, n)
	names := make([]string, n)
	nameValid := make([]bool, n)
	asOfDay := b.AsOf.Unix() / 86400
	for k, i := range rows {
		alive[i], expected[i], none[i], clv[i] = sc.alive[k], sc.expected[k], sc.none[k], sc.clv[k]
		avgSpend[i], shareCol[i] = spend[k], share[k]
		predicted[i] = sc.expected[k] * spend[k]
		total[i] = hist[i] + predicted[i]
		if w := sc.next[k]; w >= 0 && !math.IsInf(w, 0) && w*unitDays < 36500 {
			next[i], nextValid[i] = asOfDay+int64(math.Ceil(w*unitDays)), true
		}
		names[i], nameValid[i] = model, true
	}
	c := b.Cfg
	for _, col := range []struct {
		name string
		v    []float64
	}{
		{"probability_alive", alive}, {expectedPurchasesCol(c), expected}, {noPurchaseCol(c), none},
		{"expected_average_spend", avgSpend}, {"return_share", shareCol}, {"customer_lifetime_value", clv},
		{"predicted_number_of_orders", expected}, {"predicted_clv", predicted}, {"total_clv", total},
	} {
		b.Customers.Add(frame.NewFloat(col.name, finite(col.v)))
	}
	b.Customers.Add(frame.NewDate("expected_next_purchase_date", next, nextValid))
	b.Customers.Add(frame.NewString("clv_model", names, nameValid))
	return nil
}

func expectedPurchasesCol(c *config.Config) string {
	return fmt.Sprintf("expected_purchases_%dm", c.CLV.HorizonMonths)
}

func noPurchaseCol(c *config.Config) string {
	return fmt.Sprintf("probability_no_purchase_%dm", c.CLV.HorizonMonths)
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
