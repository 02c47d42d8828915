package pipelines

import "fmt"

// ColumnDoc documents one published column.
type ColumnDoc struct {
	Name string `json:"name"`
	Type string `json:"type"`
	Doc  string `json:"doc"`
}

// TableDoc documents one published table.
type TableDoc struct {
	Name    string      `json:"name"`
	Doc     string      `json:"doc"`
	Writer  string      `json:"writer"` // parquet-go (built in Go) or duckdb (built in SQL)
	Columns []ColumnDoc `json:"columns"`
}

func customerColumns() []ColumnDoc {
	cols := []ColumnDoc{
		{"customer_id", "VARCHAR", "the customer's key"},
		{"name", "VARCHAR", "name as given, any script, byte for byte"},
		{"email", "VARCHAR", ""},
		{"email_valid", "BOOLEAN", "email is present and well formed"},
		{"country", "VARCHAR", ""},
		{"city", "VARCHAR", ""},
		{"acquisition_channel", "VARCHAR", ""},
		{"acquisition_cost", "DOUBLE", ""},
		{"partner_id", "VARCHAR", ""},
		{"email_opt_in", "BOOLEAN", "consent for email (false when unknown)"},
		{"sms_opt_in", "BOOLEAN", "consent for SMS (false when unknown)"},
		{"signup_date", "DATE", ""},
		{"frequency", "BIGINT", "repeat purchase days up to the as-of date (lifetimes: frequency; BTYD: x)"},
		{"recency", "DOUBLE", "first to last purchase day, in the time unit (lifetimes: recency; BTYD: t.x)"},
		{"T", "DOUBLE", "first purchase day to the as-of date, in the time unit (BTYD: T.cal)"},
		{"monetary_value", "DOUBLE", "mean net value of the repeat purchase days; 0 without repeats"},
		{"first_order_ts", "TIMESTAMP", ""},
		{"last_order_ts", "TIMESTAMP", ""},
		{"orders", "BIGINT", "distinct orders (order_id, else order timestamp)"},
		{"order_lines", "BIGINT", ""},
		{"revenue", "DOUBLE", "net revenue, returns subtracted"},
		{"gross_margin", "DOUBLE", "revenue minus cost of goods; null when no cost is known"},
		{"return_lines", "BIGINT", "lines with negative revenue"},
		{"returned_revenue", "DOUBLE", "revenue of the return lines, as a positive amount"},
		{"mean_days_between_orders", "DOUBLE", "(last - first purchase day) / frequency"},
		{"days_since_last_order", "BIGINT", ""},
		{"purchase_days_90d", "BIGINT", "purchase days in the 90 days up to the as-of date"},
		{"purchase_days_prev_90d", "BIGINT", "purchase days in the 90 days before those"},
		{"revenue_90d", "DOUBLE", ""},
		{"revenue_prev_90d", "DOUBLE", ""},
		{"favourite_category", "VARCHAR", "category with the most revenue"},
		{"preferred_channel", "VARCHAR", "channel with the most order lines"},
		{"tenure_days", "BIGINT", "days from sign-up (else first order) to the as-of date"},
		{"birthday_month", "BIGINT", "1..12"},
	}
	for _, typ := range InteractionTypes {
		for _, w := range Windows {
			cols = append(cols, ColumnDoc{fmt.Sprintf("%s_%dd", typ, w), "BIGINT", fmt.Sprintf("%s interactions in the %d days up to the as-of date (with interactions)", typ, w)})
		}
	}
	cols = append(cols,
		ColumnDoc{"support_tickets", "BIGINT", "all support tickets up to the as-of date (with interactions)"},
		ColumnDoc{"complaints", "BIGINT", "(with interactions)"},
		ColumnDoc{"last_nps", "DOUBLE", "latest NPS answer (with interactions)"},
		ColumnDoc{"last_nps_date", "DATE", "(with interactions)"},
		ColumnDoc{"interaction_cost", "DOUBLE", "sum of interaction costs (with interactions)"},
		ColumnDoc{"active_subscriptions", "BIGINT", "(with subscriptions)"},
		ColumnDoc{"recurring_revenue", "DOUBLE", "recurring revenue of active subscriptions (with subscriptions)"},
	)
	return append(cols, modelColumns...)
}

// modelColumns are the customer-table columns the model stages add; each
// stage registers its own.
var modelColumns []ColumnDoc

// extraTables are the outputs the model stages publish; each registers its own.
var extraTables []TableDoc

// Schema documents every table a run publishes. Columns marked "(with X)"
// appear only when input X is configured.
func Schema() []TableDoc {
	out := []TableDoc{
		{Name: "customers", Writer: "parquet-go", Doc: "one row per customer: the lifetimes summary, behaviour and every model's score", Columns: customerColumns()},
		{Name: "rejects", Writer: "duckdb", Doc: "every quarantined input row with where it came from and why", Columns: []ColumnDoc{
			{"table_name", "VARCHAR", "canonical table"},
			{"source_file", "VARCHAR", "file the row came from"},
			{"line", "BIGINT", "line in the file (1 = first line, the header when there is one); the row number for Parquet"},
			{"column_name", "VARCHAR", "canonical (or, for malformed CSV lines, source) column at fault"},
			{"rule", "VARCHAR", "unreadable_value, malformed_line, missing_required, not_finite, duplicate_key, unknown_customer, after_as_of"},
			{"reason", "VARCHAR", "what was wrong, with the value"},
			{"record", "VARCHAR", "the row as read"},
		}},
	}
	return append(out, extraTables...)
}
