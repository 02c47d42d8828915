package portfolio

import (
	"context"
	"fmt"
	"strings"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/pipelines/batch"
	"github.com/crmbatch/crmbatch/pipelines/config"
)

// Profitability adds cost_to_serve and net_profit to the customer table and
// publishes segment_profitability, whale_curve and portfolio_kpis; see the
// package documentation for the definitions.
func Profitability(ctx context.Context, b *batch.Batch) error {
	if err := syncCustomers(ctx, b); err != nil {
		return err
	}
	cfg := b.Cfg.Portfolio.Profitability
	cts := "CAST(0 AS DOUBLE)"
	interJoin := ""
	if b.Has("interactions") {
		if err := unitCostTable(ctx, b, cfg.UnitCosts); err != nil {
			return err
		}
		interJoin = `LEFT JOIN (SELECT i.customer_id, sum(coalesce(i.cost, u.unit_cost, 0)) AS cts
	FROM interactions i LEFT JOIN portfolio_unit_cost u
		ON u.type IS NOT DISTINCT FROM i.type AND u.channel IS NOT DISTINCT FROM i.channel
	GROUP BY i.customer_id) i USING (customer_id)`
		cts = "coalesce(i.cts, 0)"
	}
	q := fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE portfolio_pnl AS
SELECT customer_id, revenue, cost_of_goods, revenue - cost_of_goods AS gross_margin, cost_to_serve, acquisition_cost,
	revenue - cost_of_goods - cost_to_serve - acquisition_cost AS net_profit
FROM (
	SELECT c.customer_id, coalesce(o.revenue, 0) AS revenue, coalesce(o.cogs, 0) AS cost_of_goods,
		%[2]s AS cost_to_serve, coalesce(c.acquisition_cost, 0) AS acquisition_cost
	FROM portfolio_customers c
	LEFT JOIN (SELECT customer_id, sum(revenue) AS revenue, sum(coalesce(cost, revenue * %[1]g)) AS cogs FROM orders GROUP BY customer_id) o USING (customer_id)
	%[3]s)
ORDER BY customer_id`, cfg.CostRatio, cts, interJoin)
	if err := b.DB.Exec(ctx, q); err != nil {
		return fmt.Errorf("profitability: %w", err)
	}
	if n, err := b.DB.Int(ctx, "SELECT count(*) FROM orders WHERE cost IS NULL"); err == nil && n > 0 {
		b.Warn("profitability: %d order lines have no cost; their cost of goods is revenue x portfolio.profitability.cost_ratio (%g)", n, cfg.CostRatio)
	}
	f, err := aligned(ctx, b, "SELECT customer_id, cost_to_serve, net_profit FROM portfolio_pnl ORDER BY customer_id")
	if err != nil {
		return err
	}
	b.Customers.Add(f.Col("cost_to_serve"))
	b.Customers.Add(f.Col("net_profit"))
	if err := segments(ctx, b); err != nil {
		return err
	}
	return whale(ctx, b)
}

// unitCostTable resolves the unit cost of every (type, channel) pair in the
// interactions into table portfolio_unit_cost.
func unitCostTable(ctx context.Context, b *batch.Batch, costs []config.UnitCost) error {
	if len(costs) == 0 {
		costs = config.DefaultUnitCosts
	}
	f, err := b.DB.QueryFrame(ctx, "SELECT DISTINCT type, channel FROM interactions")
	if err != nil {
		return err
	}
	vals := []string{"(NULL, NULL, 0.0)"}
	tc, cc := f.Col("type"), f.Col("channel")
	for i := 0; i < f.Len(); i++ {
		t, c := "", ""
		ts, cs := "NULL", "NULL"
		if !tc.IsNull(i) {
			t, ts = tc.Strings[i], engine.Quote(tc.Strings[i])
		}
		if !cc.IsNull(i) {
			c, cs = cc.Strings[i], engine.Quote(cc.Strings[i])
		}
		vals = append(vals, fmt.Sprintf("(%s, %s, %g)", ts, cs, UnitCost(costs, t, c)))
	}
	return b.DB.Exec(ctx, "CREATE OR REPLACE TEMP TABLE portfolio_unit_cost AS SELECT * FROM (VALUES "+strings.Join(vals, ", ")+") v(type, channel, unit_cost) WHERE type IS NOT NULL OR channel IS NOT NULL")
}

// UnitCost returns the cost of one interaction of type typ on channel ch:
// the most specific matching row of costs (type and channel, then type,
// then channel, then the "*"/"*" row), 0 when none matches. An empty type or
// channel matches only "*".
func UnitCost(costs []config.UnitCost, typ, ch string) float64 {
	best, score := 0.0, -1
	any := func(s string) bool { return s == "" || s == "*" }
	for _, u := range costs {
		s := 0
		switch {
		case any(u.Type):
		case u.Type == typ && typ != "":
			s += 2
		default:
			continue
		}
		switch {
		case any(u.Channel):
		case u.Channel == ch && ch != "":
			s++
		default:
			continue
		}
		if s > score {
			best, score = u.Cost, s
		}
	}
	return best
}

// groupingSQL returns, for each usable grouping, its SQL expression over
// the joined customer rows, plus the extra joins it needs.
func groupingSQL(ctx context.Context, b *batch.Batch, have map[string]string) (names, exprs, joins []string, err error) {
	want, explicit := b.Cfg.Portfolio.Profitability.Groupings, true
	if len(want) == 0 {
		want, explicit = config.DefaultGroupings, false
	}
	for _, g := range want {
		switch {
		case g == "sales_rep" && have["sales_rep"] == "":
			n, err := b.DB.Int(ctx, "SELECT count(sales_rep) FROM orders")
			if err != nil {
				return nil, nil, nil, err
			}
			if n == 0 {
				if explicit {
					b.Warn("profitability: grouping sales_rep left out: no order line has a sales_rep")
				}
				continue
			}
			if err := b.DB.Exec(ctx, `CREATE OR REPLACE TEMP TABLE portfolio_rep AS
SELECT customer_id, first(sales_rep ORDER BY rev DESC, sales_rep) AS sales_rep FROM (
	SELECT customer_id, sales_rep, sum(revenue) AS rev FROM orders WHERE sales_rep IS NOT NULL GROUP BY ALL)
GROUP BY customer_id`); err != nil {
				return nil, nil, nil, err
			}
			joins = append(joins, "LEFT JOIN portfolio_rep rep USING (customer_id)")
			names, exprs = append(names, g), append(exprs, "rep.sales_rep")
		case g == "plan" && have["plan"] == "":
			if !b.Has("subscriptions") {
				if explicit {
					b.Warn("profitability: grouping plan left out: no subscriptions were loaded")
				}
				continue
			}
			if err := b.DB.Exec(ctx, `CREATE OR REPLACE TEMP TABLE portfolio_plan AS
SELECT customer_id, first(plan ORDER BY start_date DESC, plan) AS plan FROM subscriptions WHERE plan IS NOT NULL GROUP BY customer_id`); err != nil {
				return nil, nil, nil, err
			}
			joins = append(joins, "LEFT JOIN portfolio_plan pl USING (customer_id)")
			names, exprs = append(names, g), append(exprs, "pl.plan")
		default:
			typ, ok := have[g]
			if !ok {
				if explicit {
					return nil, nil, nil, fmt.Errorf("portfolio.profitability.groupings: %q is not a column of the customer table (nor sales_rep or plan)", g)
				}
				continue
			}
			if typ == "DOUBLE" || typ == "FLOAT" || typ == "DATE" || typ == "TIMESTAMP" {
				if explicit {
					return nil, nil, nil, fmt.Errorf("portfolio.profitability.groupings: %q is %s; group by a text or integer column", g, typ)
				}
				continue
			}
			if !explicit {
				n, err := b.DB.Int(ctx, "SELECT count("+engine.Ident(g)+") FROM portfolio_customers")
				if err != nil {
					return nil, nil, nil, err
				}
				if n == 0 {
					continue
				}
			}
			names, exprs = append(names, g), append(exprs, "c."+engine.Ident(g))
		}
	}
	return names, exprs, joins, nil
}

// segments publishes segment_profitability: the P&L of every segment of
// every grouping.
func segments(ctx context.Context, b *batch.Batch) error {
	have, err := tableColumns(ctx, b.DB, "portfolio_customers")
	if err != nil {
		return err
	}
	names, exprs, joins, err := groupingSQL(ctx, b, have)
	if err != nil {
		return err
	}
	if len(names) == 0 {
		b.Warn("profitability: no grouping is available; segment_profitability is not published")
		return nil
	}
	churned := fmt.Sprintf("c.days_since_last_order >= %d", b.Cfg.Portfolio.Lifecycle.ChurnedDays)
	if have["lifecycle_stage"] != "" {
		churned = "c.lifecycle_stage = 'churned'"
	}
	clv, churnP := "CAST(NULL AS DOUBLE)", "CAST(NULL AS DOUBLE)"
	if have["customer_lifetime_value"] != "" {
		clv = "c.customer_lifetime_value"
	}
	if have["churn_probability"] != "" {
		churnP = "c.churn_probability"
	}
	var g []string
	for i, e := range exprs {
		g = append(g, fmt.Sprintf("CAST(%s AS VARCHAR) AS g%d", e, i))
	}
	sum, avg := exactSum, exactAvg // the same bit for bit on any number of threads
	var parts []string
	for i, n := range names {
		parts = append(parts, fmt.Sprintf(`SELECT %[1]s AS grouping, coalesce(g%[2]d, '(none)') AS segment,
	count(*) AS customers, count(*) FILTER (WHERE has_orders) AS customers_with_orders,
	%[5]s AS revenue, %[6]s AS cost_of_goods, %[7]s AS gross_margin,
	%[3]s AS gross_margin_rate,
	%[8]s AS cost_to_serve, %[9]s AS acquisition_cost, %[10]s AS net_profit,
	%[10]s / count(*) AS profit_per_customer,
	%[10]s / (SELECT nullif(abs(%[10]s), 0) FROM portfolio_pnl) AS profit_share,
	%[5]s / (SELECT nullif(%[5]s, 0) FROM portfolio_pnl) AS revenue_share,
	%[11]s AS mean_clv, %[12]s AS mean_churn_probability,
	%[4]s AS churn_rate
FROM portfolio_base GROUP BY 2`, engine.Quote(n), i, ratio(sum("gross_margin"), sum("revenue")),
			ratio("count(*) FILTER (WHERE has_orders AND churned)", "count(*) FILTER (WHERE has_orders)"),
			sum("revenue"), sum("cost_of_goods"), sum("gross_margin"), sum("cost_to_serve"), sum("acquisition_cost"), sum("net_profit"),
			avg("clv"), avg("churn_p")))
	}
	// Materialised once: a CTE would be recomputed by every UNION branch.
	base := fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE portfolio_base AS
	SELECT p.*, coalesce(c.orders, 0) > 0 AS has_orders, coalesce(%s, false) AS churned, %s AS clv, %s AS churn_p, %s
	FROM portfolio_pnl p JOIN portfolio_customers c USING (customer_id) %s`, churned, clv, churnP, strings.Join(g, ", "), strings.Join(joins, " "))
	if err := b.DB.Exec(ctx, base); err != nil {
		return fmt.Errorf("profitability: %w", err)
	}
	q := strings.Join(parts, "\nUNION ALL\n") + "\nORDER BY grouping, net_profit DESC, segment"
	return b.Out.CopyQuery(ctx, b.DB, "segment_profitability", q)
}
