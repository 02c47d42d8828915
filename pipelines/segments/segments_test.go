package segments_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/crmbatch/crmbatch/pipelines/config"
	"github.com/crmbatch/crmbatch/pipelines/expr"
	"github.com/crmbatch/crmbatch/pipelines/segments"
)

var columns = []string{"customer_id", "name", "email", "country", "email_opt_in", "sms_opt_in", "churn_probability", "customer_lifetime_value", "revenue"}

// TestHostile feeds expressions that must never reach SQL. Each is refused
// both by the configuration (no columns known) and against the customer
// columns, with an error naming the problem.
func TestHostile(t *testing.T) {
	for _, test := range []struct {
		name, src string
		cause     error
		mention   string
	}{
		{"statement", "SELECT * FROM customers", expr.ErrForbidden, "SELECT"},
		{"second statement", "revenue > 1; DROP TABLE customers", expr.ErrForbidden, "';'"},
		{"trailing semicolon", "revenue > 1;", expr.ErrForbidden, "';'"},
		{"attach", "ATTACH '/tmp/x.db'", expr.ErrForbidden, "ATTACH"},
		{"copy", "COPY customers TO '/tmp/out.csv'", expr.ErrForbidden, "COPY"},
		{"install", "INSTALL httpfs", expr.ErrForbidden, "INSTALL"},
		{"read_csv", "read_csv('/etc/passwd') IS NOT NULL", expr.ErrForbidden, "read_csv"},
		{"read_parquet", "revenue > (read_parquet('x.parquet'))", expr.ErrForbidden, "read_parquet"},
		{"glob", "length(glob('/*')) > 0", expr.ErrForbidden, "glob"},
		{"getenv", "getenv('HOME') = 'x'", expr.ErrForbidden, "getenv"},
		{"subquery", "revenue > (SELECT max(revenue) FROM customers)", expr.ErrForbidden, "SELECT"},
		{"comment", "revenue > 1 -- and more", expr.ErrForbidden, "comment"},
		{"unbalanced quote", "country = 'LT", expr.ErrSyntax, "unterminated string"},
		{"unbalanced parenthesis", "(revenue > 1", expr.ErrSyntax, "parenthes"},
		{"very long", "revenue > " + strings.Repeat("1 + ", 2000) + "1", expr.ErrLimit, "4096"},
	} {
		t.Run(test.name, func(t *testing.T) {
			seg := &config.Segment{Expression: test.src}
			_, err := segments.CompileSegment("s", seg, columns)
			if err == nil || !errors.Is(err, test.cause) {
				t.Fatalf("CompileSegment(%q): %v, want %v", test.src, err, test.cause)
			}
			if !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(test.mention)) {
				t.Errorf("error %q does not name %q", err, test.mention)
			}
			_, cerr := config.Parse([]byte("sources: {orders: {files: [o.csv]}}\nsegments:\n  s:\n    expression: "+yamlQuote(test.src)+"\n"), t.TempDir())
			if cerr == nil || !strings.Contains(cerr.Error(), "segments.s.expression") {
				t.Errorf("config accepted %q: %v", test.src, cerr)
			}
		})
	}
	// An unknown column is caught against the columns, with a suggestion.
	_, err := segments.CompileSegment("s", &config.Segment{Expression: "churn_probabilty > 0.6"}, columns)
	if !errors.Is(err, expr.ErrUnknownColumn) || !strings.Contains(err.Error(), `did you mean "churn_probability"`) {
		t.Errorf("unknown column: %v", err)
	}
}

func yamlQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// TestConfigSegments checks the settings' defaults and the errors naming
// each bad setting.
func TestConfigSegments(t *testing.T) {
	c, err := config.Parse([]byte(`sources: {orders: {files: [o.csv]}}
segments:
  at_risk: {expression: "churn_probability > 0.6 and customer_lifetime_value > 500"}
`), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s := c.Segments["at_risk"]
	if s.Channel != "email" || s.Format != "csv" || s.ExportOnRun {
		t.Errorf("defaults: channel %q format %q export_on_run %v", s.Channel, s.Format, s.ExportOnRun)
	}
	if e := c.Expansion; *e.MinSupport != config.DefaultMinSupport || e.TopN != 3 || *e.MinLift != 1.5 || e.MinCount != 5 {
		t.Errorf("expansion defaults: %+v", e)
	}
	_, err = config.Parse([]byte(`sources: {orders: {files: [o.csv]}}
expansion: {min_support: 2, top_n: 50, max_rules: -1}
funnel: {stages: [a, A]}
segments:
  Bad Name: {expression: "revenue > 1"}
  fax: {expression: "revenue > 1", channel: fax, format: xlsx}
  empty: {}
`), t.TempDir())
	for _, want := range []string{"expansion.min_support", "expansion.top_n", "expansion.max_rules", "funnel.stages[1]", "segments.Bad Name", "segments.fax.channel", "segments.fax.format", "segments.empty.expression: missing"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
}
