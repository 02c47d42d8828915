package scoring

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/crmbatch/crmbatch/engine/frame"
	"github.com/crmbatch/crmbatch/models/btyd"
	"github.com/crmbatch/crmbatch/models/logit"
	"github.com/crmbatch/crmbatch/pipelines/batch"
)

// Churn is the churn-risk stage. It trains at cutoff = as-of minus the
// churn window on features computed from data up to the cutoff only,
// labels each customer by what happened in the window, reports holdout
// metrics beside the naive recency rule, and scores every customer with the
// same features computed as of the as-of date. It adds churn_probability,
// churn_risk_tier and churn_reason_1..3 to the customer table (null for
// customers without a purchase or an active subscription).
func Churn(ctx context.Context, b *batch.Batch) error {
	cfg := b.Cfg.Churn
	if cfg.Disabled {
		return batch.Skip("churn.disabled is set")
	}
	if b.Customers == nil || b.Customers.Col("customer_id") == nil {
		return batch.Skip("no customer table")
	}
	hasI, hasS := b.Has("interactions"), b.Has("subscriptions")
	cutoff := b.AsOf.AddDate(0, 0, -cfg.WindowDays)
	if err := b.DB.Exec(ctx, orderDaysSQL); err != nil {
		return err
	}
	defer b.DB.Exec(ctx, "DROP TABLE IF EXISTS "+orderDays)
	tr, err := b.DB.QueryFrame(ctx, churnFeaturesSQL(cutoff, cfg.WindowDays, true, hasI, hasS))
	if err != nil {
		return fmt.Errorf("churn features at the cutoff %s: %w", cutoff.Format("2006-01-02"), err)
	}
	sc, err := b.DB.QueryFrame(ctx, churnFeaturesSQL(b.AsOf, cfg.WindowDays, false, hasI, hasS))
	if err != nil {
		return fmt.Errorf("churn features at the as-of date: %w", err)
	}
	mm := &metrics{}
	// P(alive) is a feature of one definition at both dates: BG/NBD fitted
	// in days on the purchase days up to the feature date (see addPAlive).
	usePA := true
	if err := addPAlive(tr, sc); err != nil {
		mm.warn("churn", "probability_alive", "left out: "+err.Error())
		usePA = false
	}
	names := churnNumeric
	if hasI {
		names = append(append(append([]string{}, names...), churnInteractionCols()...), churnInteraction...)
	}
	if hasS {
		names = append(names, "subscriber")
	}
	if usePA {
		names = append(names, "probability_alive")
	}
	trCols, err := columns(tr, names, churnCategorical)
	if err != nil {
		return err
	}
	y, _ := tr.Floats("churned")
	recency, _ := tr.Floats("days_since_last_purchase")
	baseline := make([]float64, len(recency))
	for i, v := range recency {
		baseline[i] = v
		if math.IsNaN(v) {
			baseline[i] = math.Inf(1) // a subscriber who never bought
		}
	}
	m, err := train("churn", trCols, y, baseline, cfg.Model, mm)
	if err != nil {
		return err
	}
	m.upFirst = true // reasons say what drives the risk up first
	mm.metric("churn", "window_days", float64(cfg.WindowDays), "cutoff "+cutoff.Format("2006-01-02"))
	scCols, err := columns(sc, names, churnCategorical)
	if err != nil {
		return err
	}
	p, reasons, err := m.score(scCols)
	if err != nil {
		return err
	}
	ids := sc.Col("customer_id").Strings
	at := make(map[string]int, len(ids))
	for i, id := range ids {
		at[id] = i
	}
	cust := b.Customers.Col("customer_id").Strings
	n := len(cust)
	prob, pValid := make([]float64, n), make([]bool, n)
	tier, tValid := make([]string, n), make([]bool, n)
	var rs [3][]string
	var rValid [3][]bool
	for k := range rs {
		rs[k], rValid[k] = make([]string, n), make([]bool, n)
	}
	for i, id := range cust {
		j, ok := at[id]
		if !ok || !finite(p[j]) {
			continue
		}
		prob[i], pValid[i] = p[j], true
		tier[i], tValid[i] = cfg.TierOf(p[j]), true
		for k := range rs {
			rs[k][i], rValid[k][i] = reasons[k][j], reasons[k][j] != ""
		}
	}
	b.Customers.Add(&frame.Column{Name: "churn_probability", Kind: frame.Float64, Floats: prob, Valid: pValid})
	b.Customers.Add(frame.NewString("churn_risk_tier", tier, tValid))
	for k := range rs {
		b.Customers.Add(frame.NewString(fmt.Sprintf("churn_reason_%d", k+1), rs[k], rValid[k]))
	}
	return mm.save(ctx, b)
}

func churnInteractionCols() []string {
	var out []string
	for _, t := range churnTypes {
		out = append(out, t+"_90d")
	}
	return out
}

// addPAlive adds probability_alive to the training frame and to the scoring
// frame with one definition: P(alive) under a BG/NBD fitted, in days, on
// the purchase days up to the frame's feature date (bg_x, bg_tx, bg_T), so
// at the cutoff for the training rows and at the as-of date for the scored
// rows, as every other feature is computed. It does not read the customer
// table's probability_alive: that comes from whichever model won the clv
// holdout (Pareto/NBD or BG/NBD, in the configured time unit, with or
// without covariates), and scoring with it would feed the model a feature
// it was not trained on.
func addPAlive(tr, sc *frame.Frame) error {
	for _, f := range []struct {
		frame *frame.Frame
		when  string
	}{{tr, "the cutoff"}, {sc, "the as-of date"}} {
		pa, err := bgnbdPAlive(f.frame)
		if err != nil {
			return fmt.Errorf("BG/NBD at %s: %w", f.when, err)
		}
		f.frame.Add(frame.NewFloat("probability_alive", pa))
	}
	return nil
}

// bgnbdPAlive fits BG/NBD to the buyers of f (bg_x not null) and returns
// every row's P(alive), NaN for rows without a purchase.
func bgnbdPAlive(f *frame.Frame) ([]float64, error) {
	x, _ := f.Floats("bg_x")
	tx, _ := f.Floats("bg_tx")
	T, _ := f.Floats("bg_T")
	var fx, ftx, fT []float64
	for i := range x {
		if !math.IsNaN(x[i]) {
			fx, ftx, fT = append(fx, x[i]), append(ftx, tx[i]), append(fT, T[i])
		}
	}
	if len(fx) == 0 {
		return nil, errors.New("no customer with a purchase day")
	}
	bg, _, err := btyd.FitBGNBD(fx, ftx, fT, nil)
	if err != nil && !errors.Is(err, btyd.ErrNotConverged) {
		return nil, err
	}
	pa := make([]float64, len(x))
	for i := range x {
		pa[i] = math.NaN()
		if !math.IsNaN(x[i]) {
			pa[i] = bg.ProbabilityAlive(x[i], tx[i], T[i])
		}
	}
	return pa, nil
}

// columns returns the named frame columns as model features: numeric ones
// as floats (nulls as NaN) and categorical ones as strings ("" for null).
func columns(f *frame.Frame, numeric, categorical []string) ([]logit.Column, error) {
	var out []logit.Column
	for _, name := range numeric {
		v, err := f.Floats(name)
		if err != nil {
			return nil, err
		}
		clean := make([]float64, len(v))
		for i, x := range v {
			if !finite(x) {
				x = math.NaN()
			}
			clean[i] = x
		}
		out = append(out, logit.Column{Name: name, Numeric: clean})
	}
	for _, name := range categorical {
		c := f.Col(name)
		if c == nil || c.Kind != frame.String {
			return nil, fmt.Errorf("feature %q: not a text column", name)
		}
		s := make([]string, len(c.Strings))
		for i, v := range c.Strings {
			if !c.IsNull(i) {
				s[i] = v
			}
		}
		out = append(out, logit.Column{Name: name, Categorical: s})
	}
	return out, nil
}
