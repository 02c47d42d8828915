package pipelines_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/crmbatch/crmbatch/engine"
)

// Issue 12 item 9: without a customers file, customers are derived from
// the orders with their most frequent order country (orders.country,
// counted in distinct orders; a tie goes to the latest order, then to the
// name that sorts first); signup_date stays null and tenure counts from the
// first order. testdata/derived/SOURCE.md describes each customer.
func TestDerivedCustomersCountry(t *testing.T) {
	cfg, m, err := runTestConfig(t, "../testdata/derived/crmbatch.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	c := inputOf(m, "customers")
	if c == nil || c.Accepted != 6 || !strings.Contains(c.Derived, "country from the orders for 5 customers") {
		t.Fatalf("derived customers: %+v", c)
	}
	f := query(t, fmt.Sprintf(`SELECT customer_id, coalesce(country, '(null)') AS country, signup_date IS NULL AS no_signup,
		tenure_days, date_diff('day', CAST(first_order_ts AS DATE), DATE '2024-03-31') AS since_first
		FROM read_parquet(%s) ORDER BY customer_id`, engine.Quote(published(cfg, "customers", "2024-03-31"))))
	want := map[string]string{
		"C1": "United Kingdom", // 3 orders against 1 in France
		"C2": "France",         // 1 order each: France's is the latest
		"C3": "Belgium",        // 2 orders against 1 (of 3 lines) in the Netherlands
		"C4": "(null)",         // no country on any order
		"C5": "Spain",          // a blank and a padded "  Spain "
		"C6": "Austria",        // 1 order each at the same time: the first name
	}
	if f.Len() != len(want) {
		t.Fatalf("%d customers published, want %d", f.Len(), len(want))
	}
	for i := 0; i < f.Len(); i++ {
		id, country := f.Col("customer_id").Strings[i], f.Col("country").Strings[i]
		if country != want[id] {
			t.Errorf("customer %s: country %q, want %q", id, country, want[id])
		}
		if !f.Col("no_signup").Bools[i] || f.Col("tenure_days").Ints[i] != f.Col("since_first").Ints[i] {
			t.Errorf("customer %s: signup_date null %v, tenure %d days, want null and %d (from the first order)",
				id, f.Col("no_signup").Bools[i], f.Col("tenure_days").Ints[i], f.Col("since_first").Ints[i])
		}
	}
	// The segment P&L now has a country grouping (profitability's default
	// groupings leave out a grouping with no value).
	p := query(t, fmt.Sprintf(`SELECT count(*) AS segments, count(*) FILTER (WHERE segment = 'United Kingdom') AS uk
		FROM read_parquet(%s) WHERE grouping = 'country'`, engine.Quote(published(cfg, "segment_profitability", "2024-03-31"))))
	if p.Col("segments").Ints[0] != 6 || p.Col("uk").Ints[0] != 1 {
		t.Errorf("segment_profitability by country: %d segments (want 5 countries and (none)), United Kingdom %d times", p.Col("segments").Ints[0], p.Col("uk").Ints[0])
	}
}
