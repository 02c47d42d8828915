package pipelines

import (
	"fmt"

	"github.com/crmbatch/crmbatch/pipelines/batch"
	"github.com/crmbatch/crmbatch/pipelines/config"
)

// ColumnDoc and TableDoc document published tables.
type (
	ColumnDoc = batch.ColumnDoc
	TableDoc  = batch.TableDoc
)

var col = batch.Col

func customerColumns(cfg *config.Config) []ColumnDoc {
	cols := []ColumnDoc{
		col("customer_id", "VARCHAR", "the customer's key"),
		col("name", "VARCHAR", "name as given, any script, byte for byte"),
		col("email", "VARCHAR", ""),
		col("email_valid", "BOOLEAN", "email is present and well formed"),
		col("country", "VARCHAR", "as in the customers source; without one, the customer's most frequent orders.country (ties: the latest order), null when orders map no country"),
		col("city", "VARCHAR", ""),
		col("acquisition_channel", "VARCHAR", ""),
		col("acquisition_cost", "DOUBLE", ""),
		col("partner_id", "VARCHAR", ""),
		col("email_opt_in", "BOOLEAN", "consent for email (false when unknown)"),
		col("sms_opt_in", "BOOLEAN", "consent for SMS (false when unknown)"),
		col("signup_date", "DATE", ""),
		col("frequency", "BIGINT", "repeat purchase days up to the as-of date (lifetimes: frequency; BTYD: x); a purchase day is a day whose lines net to a positive value (or free lines only), so days of returns or cancellations only do not count; null without a purchase day (see no_purchase_reason); whole periods with clv.time_unit periods"),
		col("recency", "DOUBLE", "first to last purchase day, in the time unit (lifetimes: recency; BTYD: t.x); null without a purchase day"),
		col("T", "DOUBLE", "first purchase day to the as-of date, in the time unit (BTYD: T.cal); null without a purchase day"),
		col("monetary_value", "DOUBLE", "mean net value of the repeat purchase days; 0 without repeats; null without a purchase day"),
		col("gross_monetary_value", "DOUBLE", "mean gross value (positive lines) of the repeat purchase days, the Gamma-Gamma input; 0 without repeats"),
		col("no_purchase_reason", "VARCHAR", "why the customer has no BTYD summary and no CLV: no_orders (no order line) or returns_only (every day's lines net to zero or less: returns and cancellations only); null for buyers"),
		col("first_order_ts", "TIMESTAMP", "first order line, of any kind"),
		col("last_order_ts", "TIMESTAMP", "last order line, of any kind"),
		col("orders", "BIGINT", "distinct orders (order_id, else order timestamp), cancellations included"),
		col("order_lines", "BIGINT", ""),
		col("revenue", "DOUBLE", "net revenue, returns subtracted"),
		col("gross_revenue", "DOUBLE", "revenue of the lines with positive revenue"),
		col("gross_margin", "DOUBLE", "revenue minus cost of goods; null when no cost is known"),
		col("return_lines", "BIGINT", "lines with negative revenue"),
		col("returned_revenue", "DOUBLE", "revenue of the return lines, as a positive amount"),
		col("historic_clv", "DOUBLE", "Klaviyo's historic CLV: net revenue to date (revenue, 0 without orders; negative when returns exceed purchases)"),
		col("average_order_value", "DOUBLE", "Klaviyo's average order value: net revenue / purchase days (frequency + 1); null without a purchase day"),
		col("mean_days_between_orders", "DOUBLE", "Klaviyo's average_days_between_orders: (last - first purchase day) / frequency; null without repeat purchases"),
		col("days_since_last_order", "BIGINT", "days from the last order line (of any kind, returns included) to the as-of date"),
		col("purchase_days_90d", "BIGINT", "purchase days in the 90 days up to the as-of date"),
		col("purchase_days_prev_90d", "BIGINT", "purchase days in the 90 days before those"),
		col("revenue_90d", "DOUBLE", ""),
		col("revenue_prev_90d", "DOUBLE", ""),
		col("favourite_category", "VARCHAR", "category with the most revenue"),
		col("preferred_channel", "VARCHAR", "channel with the most order lines"),
		col("tenure_days", "BIGINT", "days from sign-up (else first order) to the as-of date"),
		col("birthday_month", "BIGINT", "1..12"),
	}
	for _, typ := range InteractionTypes {
		for _, w := range Windows {
			cols = append(cols, col(fmt.Sprintf("%s_%dd", typ, w), "BIGINT", fmt.Sprintf("%s interactions in the %d days up to the as-of date (with interactions)", typ, w)))
		}
	}
	cols = append(cols,
		col("support_tickets", "BIGINT", "all support tickets up to the as-of date (with interactions)"),
		col("complaints", "BIGINT", "(with interactions)"),
		col("last_nps", "DOUBLE", "latest NPS answer (with interactions)"),
		col("last_nps_date", "DATE", "(with interactions)"),
		col("interaction_cost", "DOUBLE", "sum of interaction costs (with interactions)"),
		col("ranked_channel_affinity", "VARCHAR", "Klaviyo-style channel affinity: the channels of the customer's interactions in the 365 days up to the as-of date, most used first, comma-separated (e.g. email,web,phone); null without interactions in that year (with interactions)"),
		col("active_subscriptions", "BIGINT", "(with subscriptions)"),
		col("recurring_revenue", "DOUBLE", "recurring revenue of active subscriptions (with subscriptions)"),
	)
	return append(cols, modelColumns(cfg)...)
}

// Schema documents every table a run with configuration cfg publishes (nil
// means the defaults). Columns marked "(with X)" appear only when input X is
// configured. Readers that use Hive partitioning also see the partition
// column as_of (DATE) from the folder name.
func Schema(cfg *config.Config) []TableDoc {
	out := []TableDoc{
		{Name: "customers", Writer: "duckdb", Doc: "one row per customer: the lifetimes summary, behaviour and every model's score", Columns: customerColumns(cfg)},
		{Name: "rejects", Writer: "duckdb", Doc: "every quarantined input row with where it came from and why", Columns: []ColumnDoc{
			col("table_name", "VARCHAR", "canonical table"),
			col("source_file", "VARCHAR", "file the row came from"),
			col("line", "BIGINT", "line in the file (1 = first line, the header when there is one); the row number for Parquet"),
			col("column_name", "VARCHAR", "canonical (or, for malformed CSV lines, source) column at fault"),
			col("rule", "VARCHAR", "unreadable_value, malformed_line, missing_required, not_finite, duplicate_key, unknown_customer, after_as_of"),
			col("reason", "VARCHAR", "what was wrong, with the value"),
			col("record", "VARCHAR", "the row as read"),
		}},
	}
	return withUnits(cfg, append(out, stageTables(cfg)...))
}
