package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Issue 12, item 14: explanations in the words a person uses, and the
// lead's company, owner and contact beside its score.
func TestExplanationsInWords(t *testing.T) {
	heavy(t)
	// 1,500 generated customers whose lead export has the company, owner
	// and email too, run once (the run TestCurrencyAndReport reads).
	dir, cfg, _ := eurLeadsRun(t)
	root := filepath.Join(dir, "out")
	f := published(t, root, "lead_scores", "2025-12-30", "SELECT company, owner, contact, reason_1, reason_2, reason_3 FROM t ")
	if f.Len() == 0 {
		t.Fatal("no lead scores")
	}
	// A feature by its column name: "time_on_site low", "log1p(...)", "source = x".
	technical := regexp.MustCompile(`^\S+_\S+ (high|low|missing) \(|log1p\(|^\S+ = `)
	for i := 0; i < f.Len(); i++ {
		if f.Col("company").IsNull(i) || !strings.HasPrefix(f.Col("company").Strings[i], "Firm ") ||
			!strings.HasPrefix(f.Col("owner").Strings[i], "Rep ") || !strings.HasSuffix(f.Col("contact").Strings[i], "@example.org") {
			t.Fatalf("lead %d: company %q owner %q contact %q", i, f.Col("company").Strings[i], f.Col("owner").Strings[i], f.Col("contact").Strings[i])
		}
		for _, c := range []string{"reason_1", "reason_2", "reason_3"} {
			if col := f.Col(c); !col.IsNull(i) && technical.MatchString(col.Strings[i]) {
				t.Errorf("%s %q is not in words", c, col.Strings[i])
			}
		}
	}
	report, _ := os.ReadFile(filepath.Join(root, "reports", "as_of=2025-12-30", "report.html"))
	if !strings.Contains(string(report), "time on site is") && !strings.Contains(string(report), "pages viewed is") {
		t.Errorf("the report's reasons are not in words")
	}
	if strings.Contains(string(report), "revenue_prev_90d") {
		t.Errorf("the report shows a reason by its column name")
	}
	// The churn reasons are published in words too, and explain prints
	// them as they are.
	cr := published(t, root, "customers", "2025-12-30", "SELECT churn_reason_1, churn_reason_2, churn_reason_3 FROM t WHERE churn_reason_1 IS NOT NULL")
	if cr.Len() == 0 {
		t.Fatal("no customer with a churn reason")
	}
	for i := 0; i < cr.Len(); i++ {
		for _, c := range []string{"churn_reason_1", "churn_reason_2", "churn_reason_3"} {
			if col := cr.Col(c); !col.IsNull(i) && technical.MatchString(col.Strings[i]) {
				t.Errorf("published %s %q is not in words", c, col.Strings[i])
			}
		}
	}
	c := published(t, root, "customers", "2025-12-30", "SELECT customer_id, churn_reason_1 FROM t WHERE churn_reason_1 IS NOT NULL ORDER BY customer_lifetime_value DESC LIMIT 1")
	e := user(t, "explain", "-config", cfg, "-customer", c.Col("customer_id").Strings[0])
	if e.code != ExitOK || !strings.Contains(e.stdout, "    1. ") {
		t.Fatalf("explain: %v", e)
	}
	if want := "    1. " + c.Col("churn_reason_1").Strings[0] + "\n"; !strings.Contains(e.stdout, want) {
		t.Errorf("explain does not print the published reason %q as it is:\n%s", want, e.stdout)
	}
	for _, line := range strings.Split(e.stdout, "\n") {
		if r, ok := strings.CutPrefix(strings.TrimLeft(line, " "), "1. "); ok && technical.MatchString(r) {
			t.Errorf("explain's reason %q is not in words", r)
		}
	}
}
