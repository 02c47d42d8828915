package clv

// What counts as a purchase. The lifetime models count purchase occasions,
// and a CRM export holds order lines, returns and cancellations among them
// (negative revenue). Lines are merged per customer and calendar day; a
// day is a purchase day when its lines net to a positive value, or when it
// holds only zero-value lines (a free order, such as CDNOW's $0
// transactions). A day that nets to zero or less because of return or
// cancellation lines is not a purchase: it moves neither frequency nor
// recency, and a customer with no purchase day at all has no BTYD summary
// (frequency, recency, T, P(alive) and CLV are null, and
// no_purchase_reason says why). Returned value enters the value of a
// customer through the return share instead (see returnPrior).

// DaysTable is the temporary table of order lines merged per customer and
// calendar day that the customer table and the lifetime stage read: one
// row per customer and day with lines, with the net value, the gross value
// (positive lines), the lines with positive revenue and the return lines
// (negative revenue), and whether the day is a purchase day.
const DaysTable = "order_days"

// PurchaseDay is the SQL condition, over the columns value (net) and
// return_lines of a day, that makes the day a purchase day.
const PurchaseDay = "(value > 0 OR (value = 0 AND return_lines = 0))"

// DaysSQL builds DaysTable from the orders table.
const DaysSQL = `CREATE OR REPLACE TEMP TABLE ` + DaysTable + ` AS
SELECT customer_id, d, value, gross, gross_lines, return_lines, ` + PurchaseDay + ` AS purchase
FROM (
	SELECT customer_id, CAST(order_ts AS DATE) AS d,
		sum(revenue) AS value,
		coalesce(sum(revenue) FILTER (WHERE revenue > 0), 0) AS gross,
		count(*) FILTER (WHERE revenue > 0) AS gross_lines,
		count(*) FILTER (WHERE revenue < 0) AS return_lines
	FROM orders GROUP BY ALL
)`
