package scoring_test

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/pipelines/scoring"
)

// Issue 12, item 14: the churn reasons published in the customer table
// read in words ("days since the last purchase is high (+0.84)"), like the
// lead and opportunity reasons, not by feature name
// ("days_since_last_purchase high (+0.84)"), and explain prints them as
// published, not worded a second time.
func TestChurnReasonsInWords(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the batch on 1,500 generated customers")
	}
	path, _, asOf := generated(t, t.TempDir(), 1500, 3)
	cfg, _ := run(t, path, nil)
	file := published(cfg, "customers", asOf)
	f := query(t, "SELECT customer_id, churn_reason_1, churn_reason_2, churn_reason_3 FROM read_parquet("+engine.Quote(file)+") WHERE churn_probability IS NOT NULL ORDER BY customer_id")
	if f.Len() < 500 {
		t.Fatalf("%d customers with a churn probability", f.Len())
	}
	// A reason in words: "<feature in words> is <level or value>" or
	// "<feature in words>: yes|no", signed. The feature has no underscore;
	// a category value is data and may ("acquisition channel is
	// paid_search").
	worded := regexp.MustCompile(`^([^_=()]+)( is .+|: yes|: no) \([+-][0-9]+\.[0-9]{2}\)$`)
	seen := map[string]int{}
	n := 0
	for i := 0; i < f.Len(); i++ {
		for _, c := range []string{"churn_reason_1", "churn_reason_2", "churn_reason_3"} {
			col := f.Col(c)
			if col.IsNull(i) {
				if c == "churn_reason_1" {
					t.Errorf("customer %s: churn_probability but no churn_reason_1", f.Col("customer_id").Strings[i])
				}
				continue
			}
			r := col.Strings[i]
			n++
			if strings.Contains(r, "log1p") || strings.Contains(r, " = ") || !worded.MatchString(r) {
				t.Errorf("customer %s: %s %q is not in words", f.Col("customer_id").Strings[i], c, r)
			}
			if scoring.Words(r) != r {
				t.Errorf("%q is worded again as %q", r, scoring.Words(r))
			}
			seen[r[:strings.LastIndex(r, " (")]]++
		}
	}
	t.Logf("%d reasons over %d scored customers; %d distinct wordings: %v", n, f.Len(), len(seen), seen)
	if seen["days since the last purchase is high"] == 0 && seen["days since the last purchase is low"] == 0 {
		t.Errorf("no reason names the days since the last purchase in words: %v", seen)
	}

	var out bytes.Buffer
	id := f.Col("customer_id").Strings[0]
	if err := scoring.Explain(context.Background(), &out, file, "customer", id); err != nil {
		t.Fatal(err)
	}
	if want := "1. " + f.Col("churn_reason_1").Strings[0] + "\n"; !strings.Contains(out.String(), want) {
		t.Errorf("explain prints\n%s\nwithout the published reason %q", out.String(), want)
	}
}
