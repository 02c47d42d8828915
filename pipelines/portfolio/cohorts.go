package portfolio

import (
	"context"
	"fmt"

	"github.com/crmbatch/crmbatch/pipelines/batch"
)

// activity creates portfolio_cm (one row per customer and calendar month
// with an order: orders, revenue) and portfolio_first (each customer's
// cohort, the month of the first order).
func activity(ctx context.Context, b *batch.Batch) error {
	return b.DB.Exec(ctx, `CREATE OR REPLACE TEMP TABLE portfolio_cm AS
SELECT customer_id, CAST(date_trunc('month', order_ts) AS DATE) AS month,
	count(DISTINCT coalesce(order_id, CAST(order_ts AS VARCHAR))) AS orders, sum(revenue) AS revenue
FROM orders GROUP BY ALL;
CREATE OR REPLACE TEMP TABLE portfolio_first AS
SELECT customer_id, min(month) AS cohort FROM portfolio_cm GROUP BY customer_id`)
}

// cohorts publishes cohort_retention: for every acquisition cohort and every
// month since its first order up to the as-of month, the customers active
// and their revenue.
func cohorts(ctx context.Context, b *batch.Batch) error {
	if err := activity(ctx, b); err != nil {
		return fmt.Errorf("lifecycle: monthly activity: %w", err)
	}
	q := fmt.Sprintf(`WITH s AS (
	SELECT cohort, count(*) AS size FROM portfolio_first GROUP BY cohort
), grid AS (
	SELECT cohort, size, unnest(range(0, date_diff('month', cohort, CAST(date_trunc('month', %[1]s) AS DATE)) + 1)) AS k FROM s
), a AS (
	SELECT f.cohort, date_diff('month', f.cohort, m.month) AS k, count(*) AS active, sum(m.revenue) AS revenue
	FROM portfolio_cm m JOIN portfolio_first f USING (customer_id) GROUP BY ALL
)
SELECT g.cohort AS cohort_month, CAST(g.k AS BIGINT) AS months_since_first, g.size AS cohort_customers,
	coalesce(a.active, 0) AS active_customers,
	coalesce(a.active, 0) / g.size AS retention_rate,
	coalesce(a.revenue, 0) AS revenue,
	coalesce(a.revenue, 0) / g.size AS revenue_per_cohort_customer,
	coalesce(a.revenue, 0) / nullif(max(CASE WHEN g.k = 0 AND a.revenue > 0 THEN a.revenue END) OVER (PARTITION BY g.cohort), 0) AS revenue_retention
FROM grid g LEFT JOIN a ON a.cohort = g.cohort AND a.k = g.k
ORDER BY cohort_month, months_since_first`, asOfSQL(b))
	return b.Out.CopyQuery(ctx, b.DB, "cohort_retention", q)
}

// monthlyKPIs publishes monthly_kpis for the last kpi_months calendar months
// (not before the first order); see the package documentation for the
// definitions.
func monthlyKPIs(ctx context.Context, b *batch.Batch, have map[string]string) error {
	d := asOfSQL(b)
	k := b.Cfg.Portfolio.Lifecycle.KPIMonths
	clv := "CAST(NULL AS DOUBLE)"
	if have["customer_lifetime_value"] != "" {
		clv = exactAvg("c.customer_lifetime_value")
	}
	acq := "CAST(NULL AS DOUBLE)"
	if have["acquisition_cost"] != "" {
		acq = "sum(c.acquisition_cost)"
	}
	subs := "SELECT CAST(NULL AS DATE) AS month, CAST(NULL AS DOUBLE) AS mrr_start, CAST(NULL AS DOUBLE) AS nrr WHERE false"
	if b.Has("subscriptions") {
		subs = fmt.Sprintf(`SELECT month, sum(mrr0) AS mrr_start, sum(mrr1) / nullif(sum(mrr0), 0) AS nrr FROM (
		SELECT customer_id, month,
			sum(CASE WHEN start_date <= month AND (end_date IS NULL OR end_date > month) THEN coalesce(recurring_revenue, 0) ELSE 0 END) AS mrr0,
			sum(CASE WHEN start_date <= mend AND (end_date IS NULL OR end_date > mend) THEN coalesce(recurring_revenue, 0) ELSE 0 END) AS mrr1
		FROM (
			SELECT *, least(CAST(month + INTERVAL 1 MONTH - INTERVAL 1 DAY AS DATE), %[1]s) AS mend FROM (
				SELECT s.customer_id, s.start_date, s.end_date, s.recurring_revenue,
					CAST(unnest(generate_series(date_trunc('month', s.start_date),
						date_trunc('month', least(coalesce(s.end_date, %[1]s), %[1]s)), INTERVAL 1 MONTH)) AS DATE) AS month
				FROM subscriptions s WHERE s.start_date <= %[1]s AND (s.end_date IS NULL OR s.end_date >= (SELECT min(month) FROM months))))
		WHERE month >= (SELECT min(month) FROM months)
		GROUP BY ALL)
	WHERE mrr0 > 0 GROUP BY month`, d)
	}
	q := fmt.Sprintf(`WITH months AS (
	SELECT CAST(date_trunc('month', %[1]s) - to_months(CAST(i AS INTEGER)) AS DATE) AS month FROM range(0, %[2]d) t(i)
	WHERE CAST(date_trunc('month', %[1]s) - to_months(CAST(i AS INTEGER)) AS DATE) >= (SELECT min(cohort) FROM portfolio_first)
), act AS (
	SELECT month, count(*) AS active, CAST(sum(orders) AS BIGINT) AS orders, sum(revenue) AS revenue FROM portfolio_cm GROUP BY month
), prev AS (
	SELECT month, count(*) AS active_prev FROM (SELECT customer_id, CAST(month + INTERVAL 1 MONTH AS DATE) AS month FROM portfolio_cm) GROUP BY month
), ret AS (
	SELECT m.month, count(*) AS retained FROM portfolio_cm m
	JOIN portfolio_cm p ON p.customer_id = m.customer_id AND p.month = CAST(m.month - INTERVAL 1 MONTH AS DATE)
	GROUP BY m.month
), nw AS (
	SELECT f.cohort AS month, count(*) AS new_customers, %[3]s AS acq, %[4]s AS clv
	FROM portfolio_first f JOIN portfolio_customers c USING (customer_id) GROUP BY f.cohort
), subs AS (%[5]s)
SELECT mo.month,
	CAST(mo.month + INTERVAL 1 MONTH - INTERVAL 1 DAY AS DATE) <= %[1]s AS complete,
	coalesce(a.active, 0) AS active_customers,
	coalesce(nw.new_customers, 0) AS new_customers,
	coalesce(a.active, 0) - coalesce(nw.new_customers, 0) AS returning_customers,
	coalesce(r.retained, 0) AS retained_customers,
	%[6]s AS retention_rate,
	1 - %[6]s AS churn_rate,
	%[7]s AS repeat_rate,
	coalesce(a.orders, 0) AS orders,
	coalesce(a.revenue, 0) AS revenue,
	%[8]s AS average_order_value,
	nw.acq AS acquisition_cost,
	%[9]s AS cac,
	nw.clv / nullif(%[9]s, 0) AS clv_cac_ratio,
	s.mrr_start AS recurring_revenue_start,
	s.nrr AS net_revenue_retention
FROM months mo
LEFT JOIN act a USING (month) LEFT JOIN prev p USING (month) LEFT JOIN ret r USING (month)
LEFT JOIN nw USING (month) LEFT JOIN subs s USING (month)
ORDER BY mo.month`, d, k, acq, clv, subs,
		ratio("coalesce(r.retained, 0)", "p.active_prev"),
		ratio("coalesce(a.active, 0) - coalesce(nw.new_customers, 0)", "a.active"),
		ratio("a.revenue", "a.orders"),
		ratio("nw.acq", "nw.new_customers"))
	return b.Out.CopyQuery(ctx, b.DB, "monthly_kpis", q)
}
