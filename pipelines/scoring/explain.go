package scoring

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/crmbatch/crmbatch/engine"
)

// ErrNotFound is returned by Explain when the record is not in the file.
var ErrNotFound = errors.New("not found")

// explainers are the records Explain knows: the published table, its key
// and the columns it prints, reasons last.
var explainers = map[string]struct {
	table, key string
	fields     []string
	reasons    []string
}{
	"customer":    {"customers", "customer_id", []string{"churn_probability", "churn_risk_tier"}, []string{"churn_reason_1", "churn_reason_2", "churn_reason_3"}},
	"lead":        {"lead_scores", "lead_id", []string{"lead_score", "lead_grade", "conversion_probability", "rule_points", "rules_matched"}, []string{"reason_1", "reason_2", "reason_3"}},
	"opportunity": {"opportunity_scores", "opportunity_id", []string{"stage", "win_probability", "expected_amount"}, []string{"reason_1", "reason_2", "reason_3"}},
}

// ExplainTable returns the published table that Explain reads for kind
// (customer, lead or opportunity), or "" for an unknown kind.
func ExplainTable(kind string) string { return explainers[kind].table }

// Explain writes the score and the reasons of one record (kind customer,
// lead or opportunity) from a published Parquet file to w. It returns an
// error wrapping ErrNotFound when no row has that id.
func Explain(ctx context.Context, w io.Writer, file, kind, id string) error {
	ex, ok := explainers[kind]
	if !ok {
		return fmt.Errorf("explain: unknown record kind %q; use customer, lead or opportunity", kind)
	}
	if _, err := os.Stat(file); err != nil {
		return fmt.Errorf("explain: %s was not published in this run (%w)", ex.table, err)
	}
	db, err := engine.Open(ctx, engine.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	cols := ""
	for _, c := range append(append([]string{}, ex.fields...), ex.reasons...) {
		v := engine.Ident(c)
		if strings.Contains(c, "probability") || strings.Contains(c, "amount") {
			v = "round(" + v + ", 4)"
		}
		cols += ", CAST(" + v + " AS VARCHAR) AS " + engine.Ident(c)
	}
	q := fmt.Sprintf("SELECT %s%s FROM read_parquet(%s) WHERE %s = $1", engine.Ident(ex.key), cols, engine.Quote(file), engine.Ident(ex.key))
	f, err := db.QueryFrame(ctx, q, id)
	if err != nil {
		return fmt.Errorf("explain: reading %s: %w", file, err)
	}
	if f.Len() == 0 {
		return fmt.Errorf("explain: %s %q: %w in %s", kind, id, ErrNotFound, file)
	}
	fmt.Fprintf(w, "%s %s\n", kind, id)
	for _, c := range ex.fields {
		v := "(none)"
		if col := f.Col(c); !col.IsNull(0) {
			v = col.Strings[0]
		}
		fmt.Fprintf(w, "  %-24s %s\n", c, v)
	}
	fmt.Fprintln(w, "  reasons (contribution to the log-odds):")
	n := 0
	for _, c := range ex.reasons {
		if col := f.Col(c); !col.IsNull(0) {
			n++
			// Published reasons are in words; Words leaves them as they
			// are and words those of runs published before they were.
			fmt.Fprintf(w, "    %d. %s\n", n, Words(col.Strings[0]))
		}
	}
	if n == 0 {
		fmt.Fprintln(w, "    (none: not scored, or every contribution is negligible)")
	}
	return nil
}
