package config

import (
	"strings"
	"testing"
)

// Scoring settings: defaults are filled in, every bad setting is named.
func TestScoringSettings(t *testing.T) {
	base := "as_of: 2024-01-31\nsources:\n  orders: {files: [o.csv]}\n"
	c, err := Parse([]byte(base), "")
	if err != nil {
		t.Fatal(err)
	}
	if c.Churn.WindowDays != 90 || c.Leads.WindowDays != 90 || c.Churn.C != 1 || len(c.Churn.Tiers) != 3 || c.Leads.LeakAUC != 0.85 {
		t.Errorf("defaults: churn %+v, leads window %d leak %v", c.Churn, c.Leads.WindowDays, c.Leads.LeakAUC)
	}
	for _, tc := range []struct {
		p    float64
		tier string
	}{{0.1, "low"}, {0.3, "medium"}, {0.59, "medium"}, {0.6, "high"}, {1, "high"}} {
		if got := c.Churn.TierOf(tc.p); got != tc.tier {
			t.Errorf("TierOf(%v) = %s, want %s", tc.p, got, tc.tier)
		}
	}
	for _, tc := range []struct {
		s float64
		g string
	}{{80, "A"}, {50, "A"}, {49, "B"}, {30, "B"}, {20, "C"}, {3, "D"}} {
		if got := c.Leads.Grade(tc.s); got != tc.g {
			t.Errorf("Grade(%v) = %s, want %s", tc.s, got, tc.g)
		}
	}
	good := base + "leads:\n  rules:\n    - {when: \"pages_viewed > 5 AND NOT free_email\", points: 10}\n"
	if c, err = Parse([]byte(good), ""); err != nil || !strings.Contains(c.Leads.Rules[0].SQL, `"pages_viewed"`) {
		t.Errorf("rule: %v, %+v", err, c.Leads.Rules)
	}
	bad := base + `churn:
  window_days: 3
  tiers: [{name: low, below: 0.5}, {name: high, below: 0.4}]
leads:
  c: -1
  features: [pages, source]
  exclude: [Tags]
  grade_cuts: [10, 20, 30]
  rules:
    - {when: "pages_viewd > 5", points: 10}
    - {when: "visits > 1; DROP TABLE leads", points: 5}
opportunities:
  cv_folds: 1
`
	_, err = Parse([]byte(bad), "")
	if err == nil {
		t.Fatal("no error for bad scoring settings")
	}
	for _, want := range []string{"churn.window_days", "churn.tiers[1]", "leads.c", `leads.features: "pages"`, `leads.exclude: "Tags"`, "leads.grade_cuts", "leads.rules[0].when", "pages_viewed", "leads.rules[1].when", "opportunities.cv_folds"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}
