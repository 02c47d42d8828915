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
	// Training and scoring run one after the other, each frame dropped
	// when done with, so that Go holds one date's features at a time.
	tr, err := b.DB.QueryFrame(ctx, "SELECT * EXCLUDE (customer_id) FROM ("+churnFeaturesSQL(cutoff, cfg.WindowDays, true, hasI, hasS)+")")
	if err != nil {
		return fmt.Errorf("churn features at the cutoff %s: %w", cutoff.Format("2006-01-02"), err)
	}
	mm := &metrics{}
	// P(alive) is a feature of one definition at both dates: BG/NBD fitted
	// in days on the purchase days up to the feature date (see addPAlive).
	usePA := true
	if err := addPAlive(tr, "the cutoff"); err != nil {
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
	trCols, err := takeColumns(tr, names, churnCategorical)
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
	tr = nil
	m, err := train("churn", trCols, y, baseline, cfg.Model, mm)
	if err != nil {
		return err
	}
	trCols, y, baseline = nil, nil, nil
	batch.ReturnMemory()
	m.upFirst = true // reasons say what drives the risk up first
	mm.metric("churn", "window_days", float64(cfg.WindowDays), "cutoff "+cutoff.Format("2006-01-02"))

	// The scored rows come with their row in the customer table, not with
	// their customer_id, in customer_id order as at the cutoff: BG/NBD's
	// fit for P(alive) sums over them in that order.
	sc, err := b.DB.QueryFrame(ctx, "SELECT r.rowid AS customer_row, f.* EXCLUDE (customer_id) FROM ("+churnFeaturesSQL(b.AsOf, cfg.WindowDays, false, hasI, hasS)+
		") f JOIN "+batch.CustomerRows+" r USING (customer_id) ORDER BY f.customer_id")
	if err != nil {
		return fmt.Errorf("churn features at the as-of date: %w", err)
	}
	if usePA {
		if err := addPAlive(sc, "the as-of date"); err != nil {
			// The model was trained with it: score with it missing, which
			// the encoder fills with its training mean.
			mm.warn("churn", "probability_alive", "missing when scoring, filled with its training mean: "+err.Error())
			pa := make([]float64, sc.Len())
			for i := range pa {
				pa[i] = math.NaN()
			}
			sc.Add(frame.NewFloat("probability_alive", pa))
		}
	}
	scCols, err := takeColumns(sc, names, churnCategorical)
	if err != nil {
		return err
	}
	p, reasons, err := m.score(scCols)
	if err != nil {
		return err
	}
	scCols = nil
	n := b.Customers.Len()
	prob, pValid := make([]float64, n), make([]bool, n)
	tier, tValid := make([]string, n), make([]bool, n)
	var rs [3][]string
	var rValid [3][]bool
	for k := range rs {
		rs[k], rValid[k] = make([]string, n), make([]bool, n)
	}
	for j, r := range sc.Col("customer_row").Ints {
		i := int(r)
		if i < 0 || i >= n || !finite(p[j]) {
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

// addPAlive adds probability_alive to a feature frame (when names the
// feature date, for errors): P(alive) under a BG/NBD fitted, in days, on the
// purchase days up to the frame's feature date (bg_x, bg_tx, bg_T), so at
// the cutoff for the training rows and at the as-of date for the scored
// rows, as every other feature is computed. It does not read the customer
// table's probability_alive: that comes from whichever model won the clv
// holdout (Pareto/NBD or BG/NBD, in the configured time unit, with or
// without covariates), and scoring with it would feed the model a feature
// it was not trained on.
func addPAlive(f *frame.Frame, when string) error {
	pa, err := bgnbdPAlive(f)
	if err != nil {
		return fmt.Errorf("BG/NBD at %s: %w", when, err)
	}
	f.Add(frame.NewFloat("probability_alive", pa))
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
// as floats (nulls and infinities as NaN) and categorical ones as strings
// ("" for null). They are copies: the caller may transform them (ln(1+x))
// and still use the frame.
func columns(f *frame.Frame, numeric, categorical []string) ([]logit.Column, error) {
	return featureColumns(f, numeric, categorical, true)
}

// takeColumns is columns without the copies: the features are the frame's
// own slices, cleaned in place, for a frame the caller gives up (at 1M
// customers, about 200 MB less).
func takeColumns(f *frame.Frame, numeric, categorical []string) ([]logit.Column, error) {
	return featureColumns(f, numeric, categorical, false)
}

func featureColumns(f *frame.Frame, numeric, categorical []string, copied bool) ([]logit.Column, error) {
	var out []logit.Column
	for _, name := range numeric {
		v, err := f.Floats(name)
		if err != nil {
			return nil, err
		}
		if copied {
			v = append([]float64(nil), v...)
		}
		for i, x := range v {
			if !finite(x) {
				v[i] = math.NaN()
			}
		}
		out = append(out, logit.Column{Name: name, Numeric: v})
	}
	for _, name := range categorical {
		c := f.Col(name)
		if c == nil || c.Kind != frame.String {
			return nil, fmt.Errorf("feature %q: not a text column", name)
		}
		s := c.Strings
		if copied {
			s = append([]string(nil), s...)
		}
		for i := range s {
			if c.IsNull(i) {
				s[i] = ""
			}
		}
		out = append(out, logit.Column{Name: name, Categorical: s})
	}
	return out, nil
}
