package batch

// The order lines are read once per run, into two compact tables that the
// stages read instead of the orders table (20M lines for 1M customers):
//
//   - OrderFacts, one row per customer and order (order_id, or the order's
//     timestamp when it has none), with the order's timestamp, day,
//     channel and sales rep, and its lines summed. On generated data it
//     has a third of the rows of orders.
//   - CategoryFacts, one row per customer and product category.
//
// Money is DECIMAL in the canonical tables, so sums of sums are exact:
// a stage gets the same totals as from the lines. Counts of lines are
// sums of counts; cast them back to BIGINT (DuckDB sums BIGINT to HUGEINT).
//
// The expansion stage still reads order lines: baskets and the products a
// customer bought are properties of lines (one row per customer and
// product is nearly as large as the lines themselves).

// OrderFacts is the table of orders, one row per customer, order key,
// order_ts, channel and sales_rep, with
//   - order_key: order_id, or order_ts as text when the line has no order_id
//     (so that count(DISTINCT order_key) counts orders);
//   - d: the day of order_ts;
//   - lines; revenue (net); gross (revenue of lines > 0, null when none);
//     gross_lines (lines > 0); return_lines (lines < 0); returns (revenue of
//     lines < 0, null when none);
//   - cost (of the lines that have one), cost_lines (lines with a cost) and
//     revenue_costed (revenue of the lines with a cost, null when none).
const OrderFacts = "order_facts"

// CategoryFacts is the table of order lines per customer and product
// category (null included): lines and revenue.
const CategoryFacts = "order_categories"

// FactsSQL builds OrderFacts and CategoryFacts from the orders table.
const FactsSQL = `CREATE OR REPLACE TEMP TABLE ` + OrderFacts + ` AS
SELECT customer_id, coalesce(order_id, CAST(order_ts AS VARCHAR)) AS order_key, order_ts,
	CAST(order_ts AS DATE) AS d, channel, sales_rep,
	count(*) AS lines,
	sum(revenue) AS revenue,
	sum(revenue) FILTER (WHERE revenue > 0) AS gross,
	count(*) FILTER (WHERE revenue > 0) AS gross_lines,
	count(*) FILTER (WHERE revenue < 0) AS return_lines,
	sum(revenue) FILTER (WHERE revenue < 0) AS returns,
	sum(cost) AS cost,
	count(cost) AS cost_lines,
	sum(revenue) FILTER (WHERE cost IS NOT NULL) AS revenue_costed
FROM orders GROUP BY ALL;
CREATE OR REPLACE TEMP TABLE ` + CategoryFacts + ` AS
SELECT customer_id, category, count(*) AS lines, sum(revenue) AS revenue
FROM orders GROUP BY ALL`
