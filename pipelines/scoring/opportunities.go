package scoring

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/engine/frame"
	"github.com/crmbatch/crmbatch/models/logit"
	"github.com/crmbatch/crmbatch/pipelines/batch"
	"github.com/crmbatch/crmbatch/pipelines/funnel"
)

// Opportunities is the win-probability stage. The opportunities table logs
// one row per stage entered; an opportunity is closed when a row is won or
// lost (its outcome column, or else a stage named Won, Lost, Closed Won,
// ...: see funnel.OutcomeSQL). Every open stage row of a closed opportunity
// is a training row (features: stage, days spent in the stage, days from
// the first stage to this one, log amount, owner, source; label: won). A
// closed deal of a snapshot export (one row per deal, no open stage row) is
// one training row without a stage, its days in stage running to close_ts.
// Each open opportunity is scored in its latest stage, with the days in
// that stage so far. A feature whose solo AUC exceeds
// opportunities.leak_auc is left out with a warning (a lost deal's close
// value of 0 would otherwise decide every score). It publishes
// opportunity_scores.
//
// The days in a closed opportunity's stage are the whole stay, while an
// open one's are the stay so far; long stays thus read as slightly worse
// (or better) than they are. A survival model would remove that bias.
func Opportunities(ctx context.Context, b *batch.Batch) error {
	cfg := b.Cfg.Opportunities
	if cfg.Disabled {
		return batch.Skip("opportunities.disabled is set")
	}
	if !b.Has("opportunities") {
		return batch.Skip("no opportunities table")
	}
	f, err := b.DB.QueryFrame(ctx, opportunitySQL(b.AsOf))
	if err != nil {
		return fmt.Errorf("opportunities: %w", err)
	}
	isTrain, _ := f.Floats("_train")
	won, _ := f.Floats("_won")
	snap, _ := f.Floats("_snapshot")
	var trainRows, openRows []int
	snapRows := 0
	for i := range isTrain {
		if isTrain[i] == 1 {
			trainRows = append(trainRows, i)
			snapRows += int(snap[i])
		} else {
			openRows = append(openRows, i)
		}
	}
	if len(trainRows) == 0 {
		return noHistory(len(openRows))
	}
	numeric := []string{"age_in_stage_days", "days_to_stage", "log1p(amount)"}
	categorical := []string{"owner", "source"}
	mm := &metrics{}
	if snapRows < len(trainRows) {
		categorical = append([]string{"stage"}, categorical...)
	} else {
		mm.add(row{model: "opportunities", kind: "note", name: "snapshot", value: float64(snapRows), se: math.NaN(),
			detail: "every closed opportunity is a deal snapshot (one row, no open stage): stage is not a feature"})
	}
	all, err := columns(f, numeric, categorical)
	if err != nil {
		return fmt.Errorf("opportunities: %w", err)
	}
	y := logit.Pick(won, trainRows)
	var keep []logit.Column
	solo, err := logit.LeakageCheck(logit.Subset(all, trainRows), y, cfg.LeakAUC)
	for i, c := range all {
		if err == nil && solo[i].Flagged {
			msg := fmt.Sprintf("opportunities: feature %q alone has AUC %.3f on the closed deals (over opportunities.leak_auc %.2f): it is filled in at the close and would decide every score, so it was left out", c.Name, solo[i].Strength, cfg.LeakAUC)
			b.Warn("%s", msg)
			mm.warn("opportunities", "leakage:"+c.Name, msg)
			continue
		}
		if err == nil {
			mm.metric("opportunities", "solo_auc:"+c.Name, solo[i].AUC, "ROC AUC of the feature alone")
		}
		keep = append(keep, c)
	}
	all = keep
	clipToTraining(all, trainRows, openRows)
	m, err := train("opportunities", logit.Subset(all, trainRows), y, nil, cfg.Model, mm)
	if err != nil {
		return err
	}
	if len(openRows) == 0 {
		mm.warn("opportunities", "open", "no open opportunity to score")
	}
	p, reasons, err := m.score(logit.Subset(all, openRows))
	if err != nil && len(openRows) > 0 {
		return err
	}
	n := len(openRows)
	id, prob := make([]string, n), make([]float64, n)
	var rs [3][]string
	var rValid [3][]bool
	for k := range rs {
		rs[k], rValid[k] = make([]string, n), make([]bool, n)
	}
	ids := f.Col("opportunity_id").Strings
	for k, i := range openRows {
		id[k], prob[k] = ids[i], p[k]
		if !finite(prob[k]) {
			prob[k] = 0.5
		}
		for r := range rs {
			rs[r][k], rValid[r][k] = reasons[r][k], reasons[r][k] != ""
		}
	}
	out := &frame.Frame{}
	out.Add(frame.NewString("opportunity_id", id, nil))
	out.Add(frame.NewFloat("win_probability", prob))
	for r := range rs {
		out.Add(frame.NewString(fmt.Sprintf("reason_%d", r+1), rs[r], rValid[r]))
	}
	if err := b.DB.CreateTable(ctx, "scoring_opportunity_model", out); err != nil {
		return err
	}
	defer b.DB.Exec(ctx, "DROP TABLE IF EXISTS scoring_opportunity_model")
	q := `SELECT s.opportunity_id, o.customer_id, o.stage, o.stage_ts, CAST(o.age_in_stage_days AS BIGINT) AS age_in_stage_days,
	o.amount, o.owner, o.source, s.win_probability,
	CASE WHEN isfinite(o.amount) THEN s.win_probability * o.amount END AS expected_amount,
	s.reason_1, s.reason_2, s.reason_3
FROM scoring_opportunity_model s JOIN (` + opportunitySQL(b.AsOf) + `) o USING (opportunity_id)
WHERE o._train = 0
ORDER BY s.win_probability DESC, s.opportunity_id`
	if err := b.Out.CopyQuery(ctx, b.DB, "opportunity_scores", q); err != nil {
		return err
	}
	return mm.save(ctx, b)
}

// opportunitySQL returns the training rows (_train = 1, _won the label)
// and the current row of every open opportunity (_train = 0). A closed
// opportunity with no open stage row (a deal snapshot) gives its last row,
// with _snapshot = 1 and no stage.
func opportunitySQL(asOf time.Time) string {
	d := "TIMESTAMP " + engine.Quote(asOf.Format(time.DateOnly))
	return fmt.Sprintf(`WITH o AS (
	SELECT *, %[2]s AS outcome_ FROM opportunities
), r AS (
	SELECT opportunity_id, customer_id, stage, stage_ts, close_ts, amount, owner, source,
		outcome_ <> 'open' AS closing,
		outcome_ AS outcome,
		lead(stage_ts) OVER w AS next_ts,
		min(stage_ts) OVER (PARTITION BY opportunity_id) AS first_ts,
		row_number() OVER (PARTITION BY opportunity_id ORDER BY stage_ts DESC NULLS LAST, outcome_ <> 'open' DESC) AS latest
	FROM o
	WINDOW w AS (PARTITION BY opportunity_id ORDER BY stage_ts NULLS LAST)
), fin AS (
	SELECT opportunity_id,
		first(outcome ORDER BY coalesce(stage_ts, TIMESTAMP '1970-01-01') DESC, outcome) FILTER (WHERE closing) AS final,
		bool_or(NOT closing) AS has_open
	FROM r GROUP BY opportunity_id
), rows AS (
	SELECT r.*, f.final, f.final IS NOT NULL AND NOT f.has_open AS snapshot,
		row_number() OVER (PARTITION BY r.opportunity_id ORDER BY r.stage_ts DESC NULLS LAST) AS latest_open
	FROM r JOIN fin f USING (opportunity_id)
	WHERE NOT r.closing OR (NOT f.has_open AND r.latest = 1)
)
SELECT opportunity_id, customer_id, CASE WHEN NOT snapshot THEN stage END AS stage, stage_ts, amount, owner, source,
	CAST(final IS NOT NULL AS DOUBLE) AS _train,
	CAST(final = 'won' AS DOUBLE) AS _won,
	CAST(snapshot AS DOUBLE) AS _snapshot,
	CAST(greatest(0, date_diff('day', stage_ts, CASE WHEN snapshot THEN coalesce(close_ts, stage_ts)
		WHEN final IS NOT NULL THEN coalesce(next_ts, stage_ts) ELSE %[1]s END)) AS DOUBLE) AS age_in_stage_days,
	CAST(greatest(0, date_diff('day', first_ts, stage_ts)) AS DOUBLE) AS days_to_stage,
	CASE WHEN amount >= 0 THEN ln(1 + amount) END AS "log1p(amount)"
FROM rows
WHERE final IS NOT NULL OR latest_open = 1
ORDER BY opportunity_id, stage_ts`, d, funnel.OutcomeSQL("outcome", "stage"))
}

// clipToTraining limits the numeric features of the scored rows to the
// range seen in training, so that an open deal older than any closed one
// is not extrapolated to a certainty.
func clipToTraining(cols []logit.Column, train, scored []int) {
	for _, c := range cols {
		if c.Numeric == nil {
			continue
		}
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, i := range train {
			if v := c.Numeric[i]; !math.IsNaN(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
		if lo > hi {
			continue
		}
		for _, i := range scored {
			if v := c.Numeric[i]; !math.IsNaN(v) {
				c.Numeric[i] = math.Min(hi, math.Max(lo, v))
			}
		}
	}
}

// CheckOpportunities says, before a run, whether the opportunities stage
// will have a history to learn from: nil when it will run, else the
// batch.Skip error the stage would return. validate calls it.
func CheckOpportunities(ctx context.Context, b *batch.Batch) error {
	cfg := b.Cfg.Opportunities
	if cfg.Disabled || !b.Has("opportunities") {
		return nil
	}
	f, err := b.DB.QueryFrame(ctx, `SELECT count(*) FILTER (WHERE _train = 1) AS n, count(*) FILTER (WHERE _won = 1) AS won, count(*) FILTER (WHERE _train = 0) AS open
FROM (`+opportunitySQL(b.AsOf)+`)`)
	if err != nil {
		return fmt.Errorf("opportunities: %w", err)
	}
	n, pos, open := int(f.Col("n").Ints[0]), int(f.Col("won").Ints[0]), int(f.Col("open").Ints[0])
	switch {
	case n == 0:
		return noHistory(open)
	case n < cfg.MinRows:
		return batch.Skip(fmt.Sprintf("opportunities: %d labelled rows, fewer than min_rows %d", n, cfg.MinRows))
	case pos < cfg.MinClass || n-pos < cfg.MinClass:
		return batch.Skip(fmt.Sprintf("opportunities: %d positive and %d negative labelled rows; each class needs at least min_class %d", pos, n-pos, cfg.MinClass))
	}
	return nil
}

func noHistory(open int) error {
	return batch.Skip(fmt.Sprintf("opportunities: none of the %d opportunities is closed, so there is no history to learn win probabilities from; map an outcome column (won, lost or open) or name the closing stages Won and Lost", open))
}
