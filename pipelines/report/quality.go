package report

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// qualitySection shows read, accepted and quarantined rows per input table
// with the reject rules, and the run's warnings and alerts so far. Read is
// accepted + quarantined, as in the manifest.
func qualitySection(ctx context.Context, s *source) (*Section, error) {
	sec := &Section{ID: "quality", Title: "Data quality",
		Intro: "Rows read, accepted and quarantined per input table. Quarantined rows are in the rejects output with their file, line and reason; rows dated after the as-of date are set aside, not counted as errors."}
	f, err := s.b.DB.QueryFrame(ctx, "SELECT table_name, rule, count(*) AS n FROM rejects GROUP BY ALL ORDER BY table_name, n DESC, rule")
	if err != nil {
		return nil, fmt.Errorf("report: counting the rejects: %w", err)
	}
	type counts struct {
		rejected, after int64
		rules           []string
	}
	by := map[string]*counts{}
	for i := 0; i < f.Len(); i++ {
		t, rule, n := f.Col("table_name").Strings[i], f.Col("rule").Strings[i], f.Col("n").Ints[i]
		c := by[t]
		if c == nil {
			c = &counts{}
			by[t] = c
		}
		if rule == "after_as_of" {
			c.after += n
		} else {
			c.rejected += n
		}
		c.rules = append(c.rules, fmt.Sprintf("%s %s", rule, count(n)))
	}
	names := map[string]bool{}
	for t := range s.b.Accepted {
		names[t] = true
	}
	for t := range by {
		names[t] = true
	}
	tables := make([]string, 0, len(names))
	for t := range names {
		tables = append(tables, t)
	}
	sort.Strings(tables)
	tab := &Table{Head: []string{"table", "read", "accepted", "rejected", "after as-of", "rejected share", "rules"},
		Num: []bool{false, true, true, true, true, true, false}}
	for _, t := range tables {
		c := by[t]
		if c == nil {
			c = &counts{}
		}
		acc := s.b.Accepted[t]
		read := acc + c.rejected + c.after
		s.read += read
		s.rejected += c.rejected
		tab.Rows = append(tab.Rows, []string{t, count(read), count(acc), count(c.rejected), count(c.after),
			pct(ratio(float64(c.rejected), float64(read))), strings.Join(c.rules, ", ")})
	}
	sec.Tables = append(sec.Tables, tab)
	if w := s.b.Warnings(); len(w) > 0 {
		sec.Tables = append(sec.Tables, list("Warnings recorded before the report", w))
	}
	if a := s.b.Alerts(); len(a) > 0 {
		sec.Tables = append(sec.Tables, list("Alerts", a))
	}
	return sec, nil
}

// list is a one-column table.
func list(caption string, items []string) *Table {
	t := &Table{Caption: caption, Head: []string{"message"}, Num: []bool{false}}
	for _, it := range items {
		t.Rows = append(t.Rows, []string{it})
	}
	return t
}

// headline returns the numbers at the top of the page, from the customer
// table and the counts the quality section gathered.
func (s *source) headline() []Figure {
	c := s.b.Customers
	out := []Figure{{Label: "As of", Value: s.b.AsOf.Format(time.DateOnly)}}
	out = append(out, Figure{Label: "Customers", Value: count(int64(c.Len()))})
	unit := strings.TrimSuffix(strings.TrimPrefix(s.money(), " ("), ")")
	if rev, err := c.Floats("revenue"); err == nil {
		out = append(out, Figure{Label: "Revenue", Value: strings.TrimSpace(short(sum(rev)) + " " + unit), Note: "net of returns, up to the as-of date"})
	}
	if clv, err := c.Floats("customer_lifetime_value"); err == nil {
		out = append(out, Figure{Label: "Mean CLV", Value: strings.TrimSpace(short(mean(clv)) + " " + unit), Note: fmt.Sprintf("discounted margin of the next %d months", s.b.Cfg.CLV.HorizonMonths)})
	}
	out = append(out, Figure{Label: "Rejected rows", Value: pct(ratio(float64(s.rejected), float64(s.read))),
		Note: fmt.Sprintf("%s of %s rows read", count(s.rejected), count(s.read))})
	rt := Figure{Label: "Run time", Value: "in the manifest", Note: "the report is written before the run is published"}
	if st, ok := s.b.Out.(interface{ StartedAt() time.Time }); ok && !st.StartedAt().IsZero() {
		rt = Figure{Label: "Run time", Value: seconds(time.Since(st.StartedAt()).Seconds()), Note: "up to the report; publishing follows"}
	}
	return append(out, rt)
}

// Number formatting for the page: thousands separators, no exponent.

func count(n int64) string { return group(fmt.Sprintf("%d", n)) }

func money(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return group(fmt.Sprintf("%.0f", v))
}

func num(v float64, prec int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	return group(fmt.Sprintf("%.*f", prec, v))
}

func pct(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return fmt.Sprintf("%.2f%%", 100*v)
}

func seconds(v float64) string { return fmt.Sprintf("%.1f s", v) }

// group puts thousands separators into a formatted number.
func group(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if frac != "" {
		return sign + b.String() + "." + frac
	}
	return sign + b.String()
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return math.NaN()
	}
	return a / b
}

// sum and mean skip nulls (NaN).
func sum(v []float64) float64 {
	t := 0.0
	for _, x := range v {
		if !math.IsNaN(x) {
			t += x
		}
	}
	return t
}

func mean(v []float64) float64 {
	t, n := 0.0, 0
	for _, x := range v {
		if !math.IsNaN(x) {
			t += x
			n++
		}
	}
	return ratio(t, float64(n))
}
