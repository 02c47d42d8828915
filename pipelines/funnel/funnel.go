// Package funnel is the sales-funnel stage: from the opportunity stage log
// (and the leads, when loaded) it publishes counts by stage, stage-to-stage
// conversion, median days in stage, the weighted pipeline value and win
// rates by source, owner and partner.
//
// The opportunities input is a stage log: one row per stage an opportunity
// entered. A snapshot (one row per opportunity with its current stage, as
// most CRM exports give) is a log with one row each and works the same way.
// Definitions, per opportunity:
//
//   - its rows are ordered by stage_ts, then by funnel order; its latest
//     row gives its current stage;
//   - a row's outcome is won or lost when its outcome column says so, or
//     else when its stage is named so ("Won", "Closed Won", "closedlost":
//     see OutcomeSQL), and open otherwise; the opportunity's outcome is won
//     if any row is won, else lost if any row is lost, else open;
//   - amount, owner, source and partner_id are the latest non-null values
//     (source falls back to the lead's source through lead_id);
//   - a stage is a closing stage when most of its rows carry outcome won or
//     lost (Won, Lost, Closed); the others are open stages, in the order of
//     config funnel.stages, else by the mean position at which they are
//     entered, then (in a snapshot, where every position is 1) by how many
//     of the dates stage_ts and close_ts their rows carry, fewer first
//     (a prospect has no engagement date yet), then by name; a snapshot
//     whose order was guessed so says it in a warning;
//   - the opportunity reached every open stage up to the furthest open
//     stage in its log. A won opportunity reached every open stage, and so
//     did a closed one whose log holds no open stage (a snapshot).
//
// Stage probability, the chance that an open opportunity now in a stage is
// won, is read from history: won / (won + lost) over the closed
// opportunities that reached the stage. Weighted pipeline value is the open
// amount in a stage times that probability. Win rate is won / (won + lost);
// open opportunities do not count.
package funnel

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/pipelines/batch"
)

// Stage is the funnel stage of a run.
var Stage = batch.Stage{Name: "funnel", Run: run}

// stageInfo is one distinct stage of the log.
type stageInfo struct {
	key, name string // lower-cased key and the most common spelling
	meanPos   float64
	dates     float64 // mean count of the dates (stage_ts, close_ts) its rows carry
	closing   bool
	listed    int // position in config funnel.stages, -1 when not listed
}

func run(ctx context.Context, b *batch.Batch) error {
	if !b.Has("opportunities") {
		return batch.Skip("no opportunities input")
	}
	db := b.DB
	if err := db.Exec(ctx, `CREATE OR REPLACE TEMP TABLE fn_log AS
SELECT opportunity_id, stage, lower(trim(stage)) AS stage_key, stage_ts, amount, close_ts,
	`+OutcomeSQL("outcome", "stage")+` AS outcome,
	owner, source, partner_id, lead_id
FROM opportunities WHERE stage IS NOT NULL AND trim(stage) <> ''`); err != nil {
		return err
	}
	stages, err := order(ctx, b)
	if err != nil {
		return err
	}
	if len(stages) == 0 {
		return batch.Skip("no opportunity row names a stage")
	}
	var values []string
	for i, s := range stages {
		kind, next := "open", "NULL"
		if s.closing {
			kind = "closed"
		} else if i+1 < len(stages) && !stages[i+1].closing {
			next = fmt.Sprint(i + 2)
		}
		values = append(values, fmt.Sprintf("(%d, %s, %s, %s, %s)", i+1, engine.Quote(s.key), engine.Quote(s.name), engine.Quote(kind), next))
	}
	if err := db.Exec(ctx, "CREATE OR REPLACE TEMP TABLE fn_order (ord BIGINT, stage_key VARCHAR, stage VARCHAR, kind VARCHAR, next_open BIGINT); INSERT INTO fn_order VALUES "+strings.Join(values, ", ")); err != nil {
		return err
	}
	leadSource := "NULL"
	leadJoin := ""
	if b.Has("leads") {
		leadSource = "l.source"
		leadJoin = "LEFT JOIN (SELECT lead_id, any_value(source) AS source FROM leads GROUP BY lead_id) l ON l.lead_id = p.lead_id"
	}
	if err := db.Exec(ctx, fmt.Sprintf(oppSQL, leadSource, leadJoin)); err != nil {
		return err
	}
	leads := ""
	if b.Has("leads") {
		leads = leadStepSQL
	}
	if err := b.Out.CopyQuery(ctx, db, "sales_funnel", fmt.Sprintf(funnelSQL, leads)); err != nil {
		return err
	}
	return b.Out.CopyQuery(ctx, db, "win_rates", winRatesSQL)
}

// order reads the distinct stages of the log and puts them in funnel order.
func order(ctx context.Context, b *batch.Batch) ([]stageInfo, error) {
	f, err := b.DB.QueryFrame(ctx, `SELECT stage_key, mode(stage) AS name, avg(pos)::DOUBLE AS mean_pos,
	avg(CASE WHEN outcome <> 'open' THEN 1 ELSE 0 END)::DOUBLE AS closing_share,
	avg((stage_ts IS NOT NULL)::INT + (close_ts IS NOT NULL)::INT)::DOUBLE AS dates,
	max(rows) AS max_rows
FROM (SELECT *, row_number() OVER (PARTITION BY opportunity_id ORDER BY stage_ts NULLS FIRST, stage_key) AS pos,
	count(*) OVER (PARTITION BY opportunity_id) AS rows FROM fn_log)
GROUP BY stage_key ORDER BY stage_key`)
	if err != nil {
		return nil, err
	}
	snapshot := true
	listed := map[string]int{}
	for i, s := range b.Cfg.Funnel.Stages {
		listed[strings.ToLower(strings.TrimSpace(s))] = i
	}
	var out []stageInfo
	for i := 0; i < f.Len(); i++ {
		s := stageInfo{key: f.Col("stage_key").Strings[i], name: f.Col("name").Strings[i],
			meanPos: f.Col("mean_pos").Floats[i], dates: f.Col("dates").Floats[i], closing: f.Col("closing_share").Floats[i] > 0.5, listed: -1}
		if k, ok := listed[s.key]; ok {
			s.listed = k
		}
		snapshot = snapshot && f.Col("max_rows").Ints[i] == 1
		out = append(out, s)
	}
	seen := map[string]bool{}
	for _, s := range out {
		seen[s.key] = true
	}
	for _, s := range b.Cfg.Funnel.Stages {
		if k := strings.ToLower(strings.TrimSpace(s)); !seen[k] {
			b.Warn("funnel: stage %q of funnel.stages does not occur in the opportunities; it is left out", s)
		}
	}
	slices.SortStableFunc(out, func(x, y stageInfo) int {
		switch {
		case x.closing != y.closing:
			if x.closing {
				return 1
			}
			return -1
		case x.closing:
			return strings.Compare(x.key, y.key)
		case (x.listed >= 0) != (y.listed >= 0):
			if x.listed >= 0 {
				return -1
			}
			return 1
		case x.listed >= 0:
			return x.listed - y.listed
		case x.meanPos != y.meanPos:
			if x.meanPos < y.meanPos {
				return -1
			}
			return 1
		case x.dates != y.dates:
			if x.dates < y.dates {
				return -1
			}
			return 1
		}
		return strings.Compare(x.key, y.key)
	})
	var guessed []string
	for _, s := range out {
		if !s.closing && s.listed < 0 {
			guessed = append(guessed, s.name)
		}
	}
	if snapshot && len(guessed) > 1 {
		b.Warn("funnel: every opportunity has one row (a deal snapshot), so the order of the open stages %s was read from the dates their deals carry (fewer dates = earlier); if it is wrong, list them in order under funnel.stages",
			strings.Join(guessed, ", then "))
	}
	return out, nil
}

// oppSQL builds fn_rows (the log with funnel order and days in stage) and
// fn_opp (one row per opportunity). %[1]s is the lead's source, %[2]s the
// join to the leads.
const oppSQL = `CREATE OR REPLACE TEMP TABLE fn_rows AS
SELECT l.*, o.ord, o.kind,
	row_number() OVER (PARTITION BY l.opportunity_id ORDER BY l.stage_ts NULLS FIRST, o.ord) AS pos,
	(epoch(lead(l.stage_ts) OVER (PARTITION BY l.opportunity_id ORDER BY l.stage_ts NULLS FIRST, o.ord)) - epoch(l.stage_ts)) / 86400.0 AS days_in_stage
FROM fn_log l JOIN fn_order o USING (stage_key);
CREATE OR REPLACE TEMP TABLE fn_opp AS
SELECT p.*, coalesce(p.opp_source, %[1]s) AS source,
	CASE WHEN p.outcome = 'won' OR p.furthest_open IS NULL THEN (SELECT max(ord) FROM fn_order WHERE kind = 'open') ELSE p.furthest_open END AS reached
FROM (SELECT opportunity_id,
	arg_max(stage_key, pos) AS current_key,
	CASE WHEN bool_or(outcome = 'won') THEN 'won' WHEN bool_or(outcome = 'lost') THEN 'lost' ELSE 'open' END AS outcome,
	max(ord) FILTER (WHERE kind = 'open') AS furthest_open,
	arg_max(amount, pos) FILTER (WHERE amount IS NOT NULL AND isfinite(amount)) AS amount,
	arg_max(owner, pos) FILTER (WHERE owner IS NOT NULL) AS owner,
	arg_max(source, pos) FILTER (WHERE source IS NOT NULL) AS opp_source,
	arg_max(partner_id, pos) FILTER (WHERE partner_id IS NOT NULL) AS partner_id,
	arg_max(lead_id, pos) FILTER (WHERE lead_id IS NOT NULL) AS lead_id,
	min(stage_ts) AS first_ts,
	coalesce(max(close_ts), max(stage_ts) FILTER (WHERE outcome <> 'open')) AS close_ts
FROM fn_rows GROUP BY opportunity_id) p %[2]s`

// leadStepSQL is the lead step of the funnel, ahead of the first stage.
const leadStepSQL = `SELECT 0 AS step, 'lead' AS stage, 'lead' AS kind,
	count(*) FILTER (WHERE o.lead_id IS NULL) AS current,
	count(*) AS reached,
	count(o.lead_id) / nullif(count(*), 0)::DOUBLE AS conversion_to_next,
	median((epoch(o.first_ts) - epoch(l.created_ts)) / 86400.0) FILTER (WHERE o.first_ts >= l.created_ts) AS median_days_in_stage,
	count(*) FILTER (WHERE o.outcome = 'won') AS won,
	count(*) FILTER (WHERE o.outcome = 'lost') AS lost,
	0::BIGINT AS open_opportunities, 0::DOUBLE AS open_amount
FROM (SELECT lead_id, min(created_ts) AS created_ts FROM leads GROUP BY lead_id) l
LEFT JOIN (SELECT lead_id, min(first_ts) AS first_ts, CASE WHEN bool_or(outcome = 'won') THEN 'won' WHEN bool_or(outcome = 'lost') THEN 'lost' ELSE 'open' END AS outcome
	FROM fn_opp WHERE lead_id IS NOT NULL GROUP BY lead_id) o USING (lead_id)
UNION ALL `

// funnelSQL is the sales_funnel table; %s is the lead step or empty.
const funnelSQL = `WITH steps AS (
%sSELECT s.ord AS step, s.stage, s.kind,
	(SELECT count(*) FROM fn_opp p WHERE p.current_key = s.stage_key) AS current,
	CASE WHEN s.kind = 'open' THEN (SELECT count(*) FROM fn_opp p WHERE p.reached >= s.ord)
		ELSE (SELECT count(DISTINCT opportunity_id) FROM fn_rows r WHERE r.stage_key = s.stage_key) END AS reached,
	CASE WHEN s.kind <> 'open' THEN NULL
		WHEN s.next_open IS NOT NULL THEN (SELECT count(*) FROM fn_opp p WHERE p.reached >= s.next_open)
		ELSE (SELECT count(*) FROM fn_opp p WHERE p.outcome = 'won' AND p.reached >= s.ord) END::DOUBLE
		/ nullif(CASE WHEN s.kind = 'open' THEN (SELECT count(*) FROM fn_opp p WHERE p.reached >= s.ord) END, 0) AS conversion_to_next,
	(SELECT median(days_in_stage) FROM fn_rows r WHERE r.stage_key = s.stage_key AND s.kind = 'open' AND r.days_in_stage >= 0) AS median_days_in_stage,
	CASE WHEN s.kind = 'open' THEN (SELECT count(*) FROM fn_opp p WHERE p.reached >= s.ord AND p.outcome = 'won')
		ELSE (SELECT count(DISTINCT opportunity_id) FROM fn_rows r WHERE r.stage_key = s.stage_key AND r.outcome = 'won') END AS won,
	CASE WHEN s.kind = 'open' THEN (SELECT count(*) FROM fn_opp p WHERE p.reached >= s.ord AND p.outcome = 'lost')
		ELSE (SELECT count(DISTINCT opportunity_id) FROM fn_rows r WHERE r.stage_key = s.stage_key AND r.outcome = 'lost') END AS lost,
	(SELECT count(*) FROM fn_opp p WHERE p.current_key = s.stage_key AND p.outcome = 'open') AS open_opportunities,
	(SELECT coalesce(sum(amount), 0) FROM fn_opp p WHERE p.current_key = s.stage_key AND p.outcome = 'open')::DOUBLE AS open_amount
FROM fn_order s)
SELECT step, stage, kind, current AS opportunities_current, reached AS opportunities_reached,
	conversion_to_next, median_days_in_stage, won, lost,
	won / nullif(won + lost, 0)::DOUBLE AS win_probability,
	open_opportunities, open_amount,
	open_amount * (won / nullif(won + lost, 0)::DOUBLE) AS weighted_value
FROM steps ORDER BY step`

// winRatesSQL is the win_rates table.
const winRatesSQL = `SELECT dimension, value, count(*) AS opportunities,
	count(*) FILTER (WHERE outcome = 'won') AS won,
	count(*) FILTER (WHERE outcome = 'lost') AS lost,
	count(*) FILTER (WHERE outcome = 'open') AS open,
	count(*) FILTER (WHERE outcome = 'won') / nullif(count(*) FILTER (WHERE outcome <> 'open'), 0)::DOUBLE AS win_rate,
	coalesce(sum(amount) FILTER (WHERE outcome = 'won'), 0)::DOUBLE AS won_amount,
	coalesce(sum(amount) FILTER (WHERE outcome = 'open'), 0)::DOUBLE AS open_amount,
	median((epoch(close_ts) - epoch(first_ts)) / 86400.0) FILTER (WHERE outcome <> 'open' AND close_ts >= first_ts) AS median_days_to_close
FROM (SELECT 'overall' AS dimension, NULL::VARCHAR AS value, * FROM fn_opp
	UNION ALL BY NAME SELECT 'source' AS dimension, source AS value, * FROM fn_opp
	UNION ALL BY NAME SELECT 'owner' AS dimension, owner AS value, * FROM fn_opp
	UNION ALL BY NAME SELECT 'partner' AS dimension, partner_id AS value, * FROM fn_opp)
GROUP BY dimension, value
ORDER BY CASE dimension WHEN 'overall' THEN 0 WHEN 'source' THEN 1 WHEN 'owner' THEN 2 ELSE 3 END, value NULLS LAST`
