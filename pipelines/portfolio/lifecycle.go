package portfolio

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/pipelines/batch"
)

// StageNames are the lifecycle stages in journey order.
var StageNames = []string{"prospect", "new", "active", "advocate", "reactivated", "at_risk", "lapsed", "churned"}

// Lifecycle adds lifecycle_stage to the customer table by the rules of the
// package documentation, and publishes lifecycle_stages,
// lifecycle_transitions (against the previous published run, if any),
// cohort_retention and monthly_kpis.
func Lifecycle(ctx context.Context, b *batch.Batch) error {
	if err := syncCustomers(ctx, b); err != nil {
		return err
	}
	have, err := tableColumns(ctx, b.DB, "portfolio_customers")
	if err != nil {
		return err
	}
	q, err := stageSQL(ctx, b, have)
	if err != nil {
		return err
	}
	if err := b.DB.Exec(ctx, "CREATE OR REPLACE TEMP TABLE portfolio_stage AS "+q); err != nil {
		return fmt.Errorf("lifecycle: %w", err)
	}
	st, err := aligned(ctx, b, "SELECT customer_id, lifecycle_stage FROM portfolio_stage ORDER BY customer_id")
	if err != nil {
		return err
	}
	b.Customers.Add(st.Col("lifecycle_stage"))
	if err := transitions(ctx, b); err != nil {
		return err
	}
	if err := cohorts(ctx, b); err != nil {
		return err
	}
	return monthlyKPIs(ctx, b, have)
}

// risk returns the SQL of the churn risk from the model columns present,
// or NULL.
func risk(have map[string]string) string {
	switch {
	case have["churn_probability"] != "" && have["probability_alive"] != "":
		return "coalesce(c.churn_probability, 1 - c.probability_alive)"
	case have["churn_probability"] != "":
		return "c.churn_probability"
	case have["probability_alive"] != "":
		return "1 - c.probability_alive"
	}
	return "CAST(NULL AS DOUBLE)"
}

// stageSQL returns the query of every customer's lifecycle stage.
func stageSQL(ctx context.Context, b *batch.Batch, have map[string]string) (string, error) {
	l := b.Cfg.Portfolio.Lifecycle
	d := asOfSQL(b)
	r := risk(have)
	advocate := "false"
	nps := int64(0)
	if have["last_nps"] != "" {
		var err error
		if nps, err = b.DB.Int(ctx, "SELECT count(last_nps) FROM portfolio_customers"); err != nil {
			return "", err
		}
	}
	switch {
	case nps > 0:
		advocate = fmt.Sprintf("c.last_nps >= %g AND c.last_nps_date > %s - INTERVAL 365 DAY", l.AdvocateNPS, d)
	case have["rfm_segment"] != "":
		advocate = "c.rfm_segment = 'Champions'"
	}
	return fmt.Sprintf(`WITH days AS (
	SELECT DISTINCT customer_id, CAST(order_ts AS DATE) AS d FROM orders
), gaps AS (
	SELECT customer_id, arg_max(gap, d) AS last_gap FROM (
		SELECT customer_id, d, date_diff('day', lag(d) OVER (PARTITION BY customer_id ORDER BY d), d) AS gap FROM days)
	GROUP BY customer_id
)
SELECT c.customer_id, CASE
	WHEN coalesce(c.orders, 0) = 0 THEN 'prospect'
	WHEN %[2]s >= %[3]g OR (%[2]s IS NULL AND c.days_since_last_order >= %[4]d) THEN 'churned'
	WHEN c.days_since_last_order >= %[5]d THEN 'lapsed'
	WHEN %[2]s >= %[6]g OR (%[2]s IS NULL AND c.days_since_last_order > greatest(%[7]d, 2 * coalesce(c.mean_days_between_orders, 0))) THEN 'at_risk'
	WHEN date_diff('day', CAST(c.first_order_ts AS DATE), %[1]s) < %[8]d THEN 'new'
	WHEN g.last_gap >= %[5]d THEN 'reactivated'
	WHEN c.frequency >= 1 AND coalesce(%[9]s, false) THEN 'advocate'
	ELSE 'active' END AS lifecycle_stage
FROM portfolio_customers c LEFT JOIN gaps g USING (customer_id)
ORDER BY c.customer_id`, d, r, l.ChurnedScore, l.ChurnedDays, l.LapsedDays, l.AtRiskScore, l.AtRiskDays, l.NewDays, advocate), nil
}

// previousRun returns the customers Parquet file of the latest published
// run before the as-of date, and its date, or "" when there is none.
func previousRun(b *batch.Batch) (path, asOf string) {
	root := b.Cfg.OutputRoot()
	entries, err := os.ReadDir(filepath.Join(root, "runs"))
	if err != nil {
		return "", ""
	}
	cur := b.AsOf.Format(time.DateOnly)
	for _, e := range entries {
		d, ok := strings.CutPrefix(e.Name(), "as_of=")
		if !ok || d >= cur || d <= asOf {
			continue
		}
		if _, err := os.Stat(filepath.Join(root, "runs", e.Name(), "_SUCCESS")); err != nil {
			continue
		}
		p := filepath.Join(root, "customers", e.Name(), "part-0.parquet")
		if _, err := os.Stat(p); err == nil {
			path, asOf = p, d
		}
	}
	return path, asOf
}

// transitions publishes lifecycle_stages and lifecycle_transitions. A
// customer absent from the previous run comes from stage "none"; one absent
// now goes to "none". Without a previous run (or one without
// lifecycle_stage), every customer comes from "none" and previous_as_of is
// null.
func transitions(ctx context.Context, b *batch.Batch) error {
	prevSQL := "SELECT CAST(NULL AS VARCHAR) AS customer_id, CAST(NULL AS VARCHAR) AS lifecycle_stage WHERE false"
	prevDate := "CAST(NULL AS DATE)"
	if p, d := previousRun(b); p != "" {
		cols, err := b.DB.Strings(ctx, "SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet("+engine.Quote(p)+"))")
		if err != nil {
			return fmt.Errorf("lifecycle: reading the previous run %s: %w", p, err)
		}
		for _, c := range cols {
			if c == "lifecycle_stage" {
				prevSQL = "SELECT customer_id, lifecycle_stage FROM read_parquet(" + engine.Quote(p) + ")"
				prevDate = "DATE " + engine.Quote(d)
			}
		}
		if prevDate == "CAST(NULL AS DATE)" {
			b.Warn("lifecycle: the previous run %s has no lifecycle_stage; transitions start from none", d)
		}
	}
	if err := b.DB.Exec(ctx, "CREATE OR REPLACE TEMP TABLE portfolio_prev AS "+prevSQL); err != nil {
		return fmt.Errorf("lifecycle: reading the previous run: %w", err)
	}
	var vals []string
	for i, s := range StageNames {
		vals = append(vals, fmt.Sprintf("(%d, '%s')", i+1, s))
	}
	hasPrev := prevDate != "CAST(NULL AS DATE)"
	prevCount := "CAST(NULL AS BIGINT)"
	if hasPrev {
		prevCount = "coalesce(p.n, 0)"
	}
	stages := fmt.Sprintf(`SELECT s.stage_order, s.stage, coalesce(c.n, 0) AS customers,
	coalesce(c.n, 0) / (SELECT count(*) FROM portfolio_stage) AS share,
	%[2]s AS previous_customers, %[3]s AS previous_as_of
FROM (VALUES %[1]s) s(stage_order, stage)
LEFT JOIN (SELECT lifecycle_stage AS stage, count(*) AS n FROM portfolio_stage GROUP BY 1) c USING (stage)
LEFT JOIN (SELECT lifecycle_stage AS stage, count(*) AS n FROM portfolio_prev GROUP BY 1) p USING (stage)
ORDER BY s.stage_order`, strings.Join(vals, ", "), prevCount, prevDate)
	if err := b.Out.CopyQuery(ctx, b.DB, "lifecycle_stages", stages); err != nil {
		return err
	}
	trans := fmt.Sprintf(`SELECT %[1]s AS previous_as_of, from_stage, to_stage, customers,
	customers / sum(customers) OVER (PARTITION BY from_stage) AS share_of_from
FROM (
	SELECT coalesce(p.lifecycle_stage, 'none') AS from_stage, coalesce(c.lifecycle_stage, 'none') AS to_stage, count(*) AS customers
	FROM portfolio_stage c FULL JOIN portfolio_prev p USING (customer_id)
	GROUP BY ALL)
ORDER BY from_stage, to_stage`, prevDate)
	return b.Out.CopyQuery(ctx, b.DB, "lifecycle_transitions", trans)
}
