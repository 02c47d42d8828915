package scoring

import (
	"fmt"
	"strings"
	"time"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/pipelines/clv"
)

// churnTypes are the interaction types counted over the 90 days before the
// feature date.
var churnTypes = []string{"support_ticket", "complaint", "email_open", "email_click", "web_visit", "social_mention"}

// churnNumeric and churnCategorical are the churn features that
// churnFeaturesSQL computes, in model order (interaction features only
// with interactions, subscriber only with subscriptions).
var (
	churnNumeric = []string{
		"days_since_last_purchase", "purchase_days", "avg_purchase_value",
		"purchase_days_90d", "purchase_days_prev_90d", "purchase_trend_90d",
		"revenue_90d", "revenue_prev_90d", "tenure_days",
	}
	churnInteraction = []string{"support_tickets", "complaints", "last_nps"}
	churnCategorical = []string{"acquisition_channel", "preferred_channel", "country"}
)

// orderDays is the temporary table of order lines summed per customer, day
// and channel that the churn queries read, so that orders are scanned once.
const orderDays = "scoring_order_days"

// orderDaysSQL builds orderDays.
const orderDaysSQL = `CREATE OR REPLACE TEMP TABLE ` + orderDays + ` AS
SELECT customer_id, CAST(order_ts AS DATE) AS d, channel, sum(revenue) AS value, count(*) AS lines,
	count(*) FILTER (WHERE revenue < 0) AS return_lines
FROM orders GROUP BY ALL`

// purchaseDays selects the purchase days (clv.PurchaseDay: lines netting
// to a positive value) of orderDays up to and including day D, or after
// it with after set, as (customer_id, d, value).
func purchaseDays(D string, after bool) string {
	cmp := "<="
	if after {
		cmp = ">"
	}
	return fmt.Sprintf(`SELECT customer_id, d, value FROM (
		SELECT customer_id, d, sum(value) AS value, sum(return_lines) AS return_lines
		FROM %s WHERE d %s %s GROUP BY ALL
	) WHERE %s`, orderDays, cmp, D, clv.PurchaseDay)
}

// churnFeaturesSQL returns the query of the churn features of every
// customer who bought on or before day d, or (with subscriptions) held a
// subscription active on day d, using only data up to d: orders (read
// through orderDays) and interactions after d are not read. With label set
// it adds churned: for a subscriber, a subscription active on d ended within
// (d, d+window]; for other buyers, no purchase day within (d, d+window]. It
// also returns the BG/NBD inputs x (repeat purchase days), t_x and T in
// days. Purchase days are days whose lines net to a positive value
// (clv.PurchaseDay), as in the customer table: a day of returns only is
// not a purchase.
func churnFeaturesSQL(d time.Time, window int, label, hasInteractions, hasSubs bool) string {
	D := "DATE " + engine.Quote(d.Format(time.DateOnly))
	var cte, cols, joins []string
	cte = append(cte, fmt.Sprintf(`days AS (
	%[3]s
), o AS (
	SELECT customer_id, min(d) AS first_d, max(d) AS last_d,
		date_diff('day', max(d), %[1]s) AS days_since_last_purchase,
		count(*) AS purchase_days,
		sum(value) / count(*) AS avg_purchase_value,
		count(*) FILTER (WHERE d > %[1]s - INTERVAL 90 DAY) AS purchase_days_90d,
		count(*) FILTER (WHERE d <= %[1]s - INTERVAL 90 DAY AND d > %[1]s - INTERVAL 180 DAY) AS purchase_days_prev_90d,
		coalesce(sum(value) FILTER (WHERE d > %[1]s - INTERVAL 90 DAY), 0) AS revenue_90d,
		coalesce(sum(value) FILTER (WHERE d <= %[1]s - INTERVAL 90 DAY AND d > %[1]s - INTERVAL 180 DAY), 0) AS revenue_prev_90d
	FROM days GROUP BY customer_id
), pref AS (
	SELECT customer_id, first(channel ORDER BY n DESC, channel) AS preferred_channel
	FROM (SELECT customer_id, channel, sum(lines) AS n FROM %[2]s
		WHERE channel IS NOT NULL AND d <= %[1]s GROUP BY ALL)
	GROUP BY customer_id
)`, D, orderDays, purchaseDays(D, false)))
	cols = append(cols,
		"CAST(o.days_since_last_purchase AS DOUBLE) AS days_since_last_purchase",
		"CAST(o.purchase_days AS DOUBLE) AS purchase_days",
		"o.avg_purchase_value",
		"CAST(coalesce(o.purchase_days_90d, 0) AS DOUBLE) AS purchase_days_90d",
		"CAST(coalesce(o.purchase_days_prev_90d, 0) AS DOUBLE) AS purchase_days_prev_90d",
		"CAST(coalesce(o.purchase_days_90d, 0) - coalesce(o.purchase_days_prev_90d, 0) AS DOUBLE) AS purchase_trend_90d",
		"coalesce(o.revenue_90d, 0) AS revenue_90d",
		"coalesce(o.revenue_prev_90d, 0) AS revenue_prev_90d",
		fmt.Sprintf("CAST(greatest(0, date_diff('day', least(coalesce(c.signup_date, o.first_d), coalesce(o.first_d, c.signup_date)), %s)) AS DOUBLE) AS tenure_days", D),
		"coalesce(c.acquisition_channel, '') AS acquisition_channel",
		"coalesce(p.preferred_channel, '') AS preferred_channel",
		"coalesce(c.country, '') AS country",
		"CAST(o.purchase_days - 1 AS DOUBLE) AS bg_x",
		"CAST(date_diff('day', o.first_d, o.last_d) AS DOUBLE) AS bg_tx",
		fmt.Sprintf("CAST(date_diff('day', o.first_d, %s) AS DOUBLE) AS bg_T", D),
	)
	joins = append(joins, "LEFT JOIN o USING (customer_id)", "LEFT JOIN pref p USING (customer_id)")
	if hasInteractions {
		var counts []string
		for _, t := range churnTypes {
			counts = append(counts, fmt.Sprintf("count(*) FILTER (WHERE type = '%[1]s' AND ts >= %[2]s - INTERVAL 89 DAY) AS %[1]s_90d", t, D))
			cols = append(cols, fmt.Sprintf("CAST(coalesce(i.%[1]s_90d, 0) AS DOUBLE) AS %[1]s_90d", t))
		}
		cte = append(cte, fmt.Sprintf(`i AS (
	SELECT customer_id, %s,
		count(*) FILTER (WHERE type = 'support_ticket') AS support_tickets,
		count(*) FILTER (WHERE type = 'complaint') AS complaints,
		first(value ORDER BY ts DESC, value DESC) FILTER (WHERE type = 'nps' AND value IS NOT NULL) AS last_nps
	FROM interactions WHERE ts < %s + INTERVAL 1 DAY GROUP BY customer_id
)`, strings.Join(counts, ",\n\t\t"), D))
		cols = append(cols,
			"CAST(coalesce(i.support_tickets, 0) AS DOUBLE) AS support_tickets",
			"CAST(coalesce(i.complaints, 0) AS DOUBLE) AS complaints",
			"CAST(i.last_nps AS DOUBLE) AS last_nps")
		joins = append(joins, "LEFT JOIN i USING (customer_id)")
	}
	where := "o.customer_id IS NOT NULL"
	if hasSubs {
		cte = append(cte, fmt.Sprintf(`s AS (
	SELECT customer_id, count(*) AS active,
		count(*) FILTER (WHERE end_date > %[1]s AND end_date <= %[1]s + INTERVAL %[2]d DAY) AS cancelled
	FROM subscriptions WHERE start_date <= %[1]s AND (end_date IS NULL OR end_date > %[1]s)
	GROUP BY customer_id
)`, D, window))
		cols = append(cols, "CAST(coalesce(s.active, 0) > 0 AS DOUBLE) AS subscriber")
		joins = append(joins, "LEFT JOIN s USING (customer_id)")
		where += " OR s.customer_id IS NOT NULL"
	}
	if label {
		cte = append(cte, fmt.Sprintf(`later AS (
	SELECT DISTINCT customer_id FROM (%[3]s)
	WHERE d <= %[1]s + INTERVAL %[2]d DAY
)`, D, window, purchaseDays(D, true)))
		joins = append(joins, "LEFT JOIN later l ON l.customer_id = c.customer_id")
		churned := "l.customer_id IS NULL"
		if hasSubs {
			churned = "CASE WHEN s.customer_id IS NOT NULL THEN s.cancelled > 0 ELSE l.customer_id IS NULL END"
		}
		cols = append(cols, fmt.Sprintf("CAST(%s AS DOUBLE) AS churned", churned))
	}
	return fmt.Sprintf("WITH %s\nSELECT c.customer_id, %s\nFROM customers c\n%s\nWHERE %s\nORDER BY c.customer_id",
		strings.Join(cte, ", "), strings.Join(cols, ",\n\t"), strings.Join(joins, "\n"), where)
}
