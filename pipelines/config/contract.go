package config

// Field is one canonical input column.
type Field struct {
	Name     string
	Type     string // DuckDB type the value is cast to: VARCHAR, DOUBLE, BIGINT, DATE, TIMESTAMP, BOOLEAN
	Required bool   // rows without it are quarantined; a source that maps no such column stops the run
	Doc      string
}

// Table is one canonical input table of the input contract.
type Table struct {
	Name   string
	Key    []string // a row whose key repeats an earlier row's is quarantined
	Needed bool     // a run cannot start without this table
	Doc    string
	Fields []Field
}

// Field returns the named field, or nil.
func (t *Table) Field(name string) *Field {
	for i := range t.Fields {
		if t.Fields[i].Name == name {
			return &t.Fields[i]
		}
	}
	return nil
}

// Contract is the input contract: the canonical tables and their columns, in
// load order (customers first, so the others can be checked against it).
var Contract = []Table{
	{Name: "customers", Key: []string{"customer_id"}, Doc: "one row per customer (optional: when absent, customers are derived from orders)", Fields: []Field{
		{"customer_id", "VARCHAR", true, "the customer's key, as in orders"},
		{"name", "VARCHAR", false, "full name, any script"},
		{"email", "VARCHAR", false, "flagged when malformed, never dropped for it"},
		{"phone", "VARCHAR", false, ""},
		{"address", "VARCHAR", false, ""},
		{"city", "VARCHAR", false, ""},
		{"country", "VARCHAR", false, ""},
		{"signup_date", "DATE", false, "acquisition date; tenure counts from it (else from the first order)"},
		{"acquisition_channel", "VARCHAR", false, ""},
		{"acquisition_cost", "DOUBLE", false, "cost of acquiring the customer"},
		{"birth_date", "DATE", false, ""},
		{"partner_id", "VARCHAR", false, "referring partner"},
		{"email_opt_in", "BOOLEAN", false, "consent for email marketing"},
		{"sms_opt_in", "BOOLEAN", false, "consent for SMS marketing"},
		{"social_handle", "VARCHAR", false, ""},
	}},
	{Name: "orders", Needed: true, Key: []string{"order_id", "line_no"}, Doc: "one row per order line (sales lines)", Fields: []Field{
		{"order_id", "VARCHAR", false, "order (invoice) number"},
		{"line_no", "BIGINT", false, "line within the order; with order_id, the key of the line"},
		{"customer_id", "VARCHAR", true, ""},
		{"order_ts", "TIMESTAMP", true, "when the order was placed"},
		{"product_id", "VARCHAR", false, ""},
		{"category", "VARCHAR", false, ""},
		{"quantity", "DOUBLE", false, ""},
		{"revenue", "DOUBLE", true, "net revenue of the line; negative means a return"},
		{"cost", "DOUBLE", false, "cost of goods of the line"},
		{"channel", "VARCHAR", false, "sales channel"},
		{"sales_rep", "VARCHAR", false, ""},
		{"country", "VARCHAR", false, "ship-to (else billing) country of the line; without a customers source, each customer's country is their most frequent order country (ties: the latest order)"},
	}},
	{Name: "interactions", Key: []string{"interaction_id"}, Doc: "support tickets, emails, web visits, social mentions, NPS", Fields: []Field{
		{"interaction_id", "VARCHAR", false, ""},
		{"customer_id", "VARCHAR", true, ""},
		{"ts", "TIMESTAMP", true, ""},
		{"channel", "VARCHAR", false, "email, phone, chat, web, store, social"},
		{"type", "VARCHAR", true, "support_ticket, complaint, email_open, email_click, web_visit, social_mention, nps, ..."},
		{"value", "DOUBLE", false, "e.g. the NPS score"},
		{"cost", "DOUBLE", false, "cost to serve, when known"},
	}},
	{Name: "leads", Key: []string{"lead_id"}, Doc: "prospects with their outcome", Fields: []Field{
		{"lead_id", "VARCHAR", true, ""},
		{"created_ts", "TIMESTAMP", true, ""},
		{"source", "VARCHAR", false, ""},
		{"country", "VARCHAR", false, ""},
		{"industry", "VARCHAR", false, ""},
		{"company_size", "VARCHAR", false, ""},
		{"pages_viewed", "DOUBLE", false, ""},
		{"visits", "DOUBLE", false, ""},
		{"time_on_site", "DOUBLE", false, ""},
		{"free_email", "BOOLEAN", false, ""},
		{"converted", "BOOLEAN", false, ""},
		{"converted_ts", "TIMESTAMP", false, ""},
		{"customer_id", "VARCHAR", false, "once converted"},
	}},
	{Name: "opportunities", Doc: "one row per stage an opportunity entered", Fields: []Field{
		{"opportunity_id", "VARCHAR", true, ""},
		{"customer_id", "VARCHAR", false, ""},
		{"lead_id", "VARCHAR", false, ""},
		{"stage", "VARCHAR", true, ""},
		{"stage_ts", "TIMESTAMP", false, "when the stage was entered"},
		{"amount", "DOUBLE", false, ""},
		{"close_ts", "TIMESTAMP", false, ""},
		{"outcome", "VARCHAR", false, "won, lost or open"},
		{"owner", "VARCHAR", false, "sales rep"},
		{"source", "VARCHAR", false, ""},
		{"partner_id", "VARCHAR", false, ""},
	}},
	{Name: "subscriptions", Key: []string{"subscription_id"}, Doc: "contracts of subscription businesses", Fields: []Field{
		{"subscription_id", "VARCHAR", false, ""},
		{"customer_id", "VARCHAR", true, ""},
		{"plan", "VARCHAR", false, ""},
		{"start_date", "DATE", true, ""},
		{"end_date", "DATE", false, "empty while active"},
		{"recurring_revenue", "DOUBLE", false, "revenue per billing period"},
	}},
}

// TableByName returns the contract table called name, or nil.
func TableByName(name string) *Table {
	for i := range Contract {
		if Contract[i].Name == name {
			return &Contract[i]
		}
	}
	return nil
}
