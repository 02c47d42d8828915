package portfolio

import (
	"context"
	"fmt"
	"strings"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/pipelines/batch"
)

// whale publishes whale_curve and portfolio_kpis from portfolio_pnl. The
// curve has a point at 0 and at most whale_points more, at customer ranks
// ceil(p·n/points); the last point is every customer, where the profit
// share is exactly 1. Without a positive total profit the curve is not
// defined; it is then not published and a warning says so.
func whale(ctx context.Context, b *batch.Batch) error {
	cfg := b.Cfg.Portfolio.Profitability
	if err := b.DB.Exec(ctx, `CREATE OR REPLACE TEMP TABLE portfolio_rank AS
SELECT row_number() OVER w AS rk,
	sum(net_profit) OVER (w ROWS UNBOUNDED PRECEDING) AS cum_profit,
	sum(revenue) OVER (w ROWS UNBOUNDED PRECEDING) AS cum_revenue
FROM portfolio_pnl WINDOW w AS (ORDER BY net_profit DESC, customer_id)`); err != nil {
		return fmt.Errorf("profitability: ranking customers: %w", err)
	}
	tot := "(SELECT count(*) AS n, sum(net_profit) AS tp, sum(revenue) AS tr FROM portfolio_pnl)"
	pos, err := b.DB.Int(ctx, "SELECT CAST(coalesce(sum(net_profit), 0) > 0 AS BIGINT) FROM portfolio_pnl")
	if err != nil {
		return err
	}
	if pos > 0 {
		q := fmt.Sprintf(`WITH t AS %[1]s,
pts AS (SELECT DISTINCT CAST(ceil(p * t.n / %[2]d) AS BIGINT) AS rk FROM range(1, %[2]d + 1) r(p), t)
SELECT 0 AS point, CAST(0 AS BIGINT) AS customers, 0.0 AS customer_share, 0.0 AS cumulative_profit, 0.0 AS profit_share, 0.0 AS revenue_share
UNION ALL
SELECT CAST(row_number() OVER (ORDER BY rk) AS BIGINT), rk, rk / t.n, cum_profit, cum_profit / t.tp, %[3]s
FROM pts JOIN portfolio_rank USING (rk), t
ORDER BY point`, tot, cfg.WhalePoints, ratio("cum_revenue", "t.tr"))
		if err := b.Out.CopyQuery(ctx, b.DB, "whale_curve", q); err != nil {
			return err
		}
	} else {
		b.Warn("profitability: total net profit is not positive; whale_curve is not published")
	}
	top := fmt.Sprintf("greatest(1, CAST(ceil(%g * t.n - 1e-9) AS BIGINT))", cfg.TopShare)
	metrics := []struct{ name, sql, doc string }{
		{"customers", "t.n", "customers in the customer table"},
		{"customers_with_orders", "(SELECT count(*) FROM portfolio_customers WHERE orders > 0)", "customers with at least one order"},
		{"profitable_customers", "(SELECT count(*) FROM portfolio_pnl WHERE net_profit > 0)", "customers with positive net profit"},
		{"profitable_share", ratio("(SELECT count(*) FROM portfolio_pnl WHERE net_profit > 0)", "t.n"), "share of customers with positive net profit"},
		{"total_revenue", "t.tr", "revenue of all customers"},
		{"total_gross_margin", "(SELECT sum(gross_margin) FROM portfolio_pnl)", "revenue minus cost of goods"},
		{"total_cost_to_serve", "(SELECT sum(cost_to_serve) FROM portfolio_pnl)", "cost to serve of all customers"},
		{"total_acquisition_cost", "(SELECT sum(acquisition_cost) FROM portfolio_pnl)", "acquisition cost of all customers"},
		{"total_net_profit", "t.tp", "net profit of all customers"},
		{"top_share", fmt.Sprintf("%g", cfg.TopShare), "the share of customers the top_* metrics take (portfolio.profitability.top_share)"},
		{"top_profit_share", ratio(fmt.Sprintf("(SELECT cum_profit FROM portfolio_rank WHERE rk = %s)", top), "abs(t.tp)"),
			"share of total net profit earned by the top customers ranked by net profit (the Pareto share)"},
		{"top_revenue_share", ratio(fmt.Sprintf("(SELECT sum(revenue) FROM (SELECT revenue FROM portfolio_pnl ORDER BY revenue DESC LIMIT %s))", strings.ReplaceAll(top, "t.n", "(SELECT count(*) FROM portfolio_pnl)")), "t.tr"),
			"share of revenue from the top customers ranked by revenue"},
		{"whale_peak_profit_share", ratio("(SELECT max(cum_profit) FROM portfolio_rank)", "t.tp") + " * (t.tp > 0)::INT", "height of the whale curve: the largest cumulative profit share (0 when total profit is not positive)"},
		{"whale_peak_customer_share", ratio("(SELECT arg_max(rk, cum_profit) FROM portfolio_rank)", "t.n"), "share of customers at the whale curve's peak (the profitable ones, ranked first)"},
	}
	var rows []string
	for i, m := range metrics {
		rows = append(rows, fmt.Sprintf("SELECT %d AS metric_order, %s AS metric, CAST(%s AS DOUBLE) AS value, %s AS description FROM t", i+1, engine.Quote(m.name), m.sql, engine.Quote(m.doc)))
	}
	q := fmt.Sprintf("WITH t AS %s\n%s\nORDER BY metric_order", tot, strings.Join(rows, "\nUNION ALL\n"))
	return b.Out.CopyQuery(ctx, b.DB, "portfolio_kpis", q)
}
