package scoring

import (
	"context"
	"fmt"
	"time"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/engine/frame"
	"github.com/crmbatch/crmbatch/models/logit"
	"github.com/crmbatch/crmbatch/pipelines/batch"
)

// Opportunities is the win-probability stage. The opportunities table logs
// one row per stage entered; an opportunity is closed when a row has outcome
// won or lost. Every open stage row of a closed opportunity is a training
// row (features: stage, days spent in the stage, days from the first stage
// to this one, log amount, owner, source; label: won). Each open
// opportunity is scored in its latest stage, with the days in that stage so
// far. It publishes opportunity_scores.
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
	numeric := []string{"age_in_stage_days", "days_to_stage", "log1p(amount)"}
	categorical := []string{"stage", "owner", "source"}
	all, err := columns(f, numeric, categorical)
	if err != nil {
		return fmt.Errorf("opportunities: %w", err)
	}
	isTrain, _ := f.Floats("_train")
	won, _ := f.Floats("_won")
	var trainRows, openRows []int
	for i := range isTrain {
		if isTrain[i] == 1 {
			trainRows = append(trainRows, i)
		} else {
			openRows = append(openRows, i)
		}
	}
	mm := &metrics{}
	m, err := train("opportunities", logit.Subset(all, trainRows), logit.Pick(won, trainRows), nil, cfg.Model, mm)
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

// opportunitySQL returns the training rows (_train = 1, _won the label) and
// the current row of every open opportunity (_train = 0).
func opportunitySQL(asOf time.Time) string {
	d := "TIMESTAMP " + engine.Quote(asOf.Format(time.DateOnly))
	return fmt.Sprintf(`WITH r AS (
	SELECT opportunity_id, customer_id, stage, stage_ts, amount, owner, source,
		lower(coalesce(outcome, 'open')) IN ('won', 'lost') AS closing,
		lower(outcome) AS outcome,
		lead(stage_ts) OVER w AS next_ts,
		min(stage_ts) OVER (PARTITION BY opportunity_id) AS first_ts
	FROM opportunities
	WINDOW w AS (PARTITION BY opportunity_id ORDER BY stage_ts NULLS LAST)
), fin AS (
	SELECT opportunity_id, first(outcome ORDER BY coalesce(stage_ts, TIMESTAMP '1970-01-01') DESC, outcome) FILTER (WHERE closing) AS final
	FROM r GROUP BY opportunity_id
), rows AS (
	SELECT r.*, f.final,
		row_number() OVER (PARTITION BY r.opportunity_id ORDER BY r.stage_ts DESC NULLS LAST) AS latest
	FROM r JOIN fin f USING (opportunity_id)
	WHERE NOT r.closing
)
SELECT opportunity_id, customer_id, stage, stage_ts, amount, owner, source,
	CAST(final IS NOT NULL AS DOUBLE) AS _train,
	CAST(final = 'won' AS DOUBLE) AS _won,
	CAST(greatest(0, date_diff('day', stage_ts, CASE WHEN final IS NOT NULL THEN coalesce(next_ts, stage_ts) ELSE %[1]s END)) AS DOUBLE) AS age_in_stage_days,
	CAST(greatest(0, date_diff('day', first_ts, stage_ts)) AS DOUBLE) AS days_to_stage,
	CASE WHEN amount >= 0 THEN ln(1 + amount) END AS "log1p(amount)"
FROM rows
WHERE final IS NOT NULL OR latest = 1
ORDER BY opportunity_id, stage_ts`, d)
}
