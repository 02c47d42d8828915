package report

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/crmbatch/crmbatch/engine/frame"
)

// The ranked tables answer the day's questions: whom to save, whom to
// call, which deals to push. Each lists the top topN by expected value.

// atRisk lists the most valuable customers at risk: customer lifetime
// value times churn probability, the value the next churn.window_days may
// lose. Nil without both columns.
func atRisk(s *source) *Table {
	c := s.b.Customers
	clv, err1 := c.Floats("customer_lifetime_value")
	p, err2 := c.Floats("churn_probability")
	if err1 != nil || err2 != nil {
		return nil
	}
	risk := make([]float64, len(clv))
	var idx []int
	for i := range clv {
		risk[i] = clv[i] * p[i]
		if !math.IsNaN(risk[i]) && risk[i] > 0 {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return risk[idx[a]] > risk[idx[b]] })
	if len(idx) > topN {
		idx = idx[:topN]
	}
	days, _ := c.Floats("days_since_last_order")
	cur := s.money()
	t := &Table{Caption: fmt.Sprintf("Most valuable customers at risk: CLV x churn probability (top %d)", len(idx)),
		Head: []string{"customer", "name", "CLV" + cur, "churn probability", "value at risk" + cur, "days since last order", "main reason"},
		Num:  []bool{false, false, true, true, true, true, false}}
	for _, i := range idx {
		d := "–"
		if days != nil {
			d = num(days[i], 0)
		}
		t.Rows = append(t.Rows, []string{str(s, "customer_id", i), str(s, "name", i), num(clv[i], 2), pct(p[i]), num(risk[i], 2), d, str(s, "churn_reason_1", i)})
	}
	return t
}

// str is a text column's value for customer i, "" when absent or null.
func str(s *source, name string, i int) string {
	col := s.b.Customers.Col(name)
	if col == nil || col.Strings == nil || col.IsNull(i) {
		return ""
	}
	return col.Strings[i]
}

// leadsToCall lists the open leads to call first: by expected value
// (conversion probability x the expected CLV of a customer from the lead's
// source) when the run has it, else by score.
func leadsToCall(ctx context.Context, s *source) (*Table, error) {
	cols, _, err := s.table(ctx, "lead_scores", "SELECT column_name FROM (DESCRIBE SELECT * FROM {t})")
	if err != nil || cols == nil {
		return nil, err
	}
	have := cols.Col("column_name").Strings
	order, caption := "lead_score DESC, lead_id", "Leads to call first, by score"
	value := "NULL::DOUBLE"
	if slices.Contains(have, "expected_value") {
		order, caption = "expected_value DESC NULLS LAST, lead_score DESC, lead_id", "Leads to call first, by expected value (conversion probability x expected CLV)"
		value = "expected_value"
	}
	extra := func(c string) string {
		if slices.Contains(have, c) {
			return c
		}
		return "NULL::VARCHAR AS " + c
	}
	f, _, err := s.table(ctx, "lead_scores", fmt.Sprintf(`SELECT lead_id, %s, %s, source, lead_score, lead_grade, %s AS value, reason_1
		FROM {t} ORDER BY %s LIMIT %d`, extra("company"), extra("owner"), value, order, topN))
	if err != nil {
		return nil, err
	}
	v, _ := f.Floats("value")
	t := &Table{Caption: caption, Head: []string{"lead", "company", "owner", "source", "score", "grade", "expected value" + s.money(), "main reason"},
		Num: []bool{false, false, false, false, true, false, true, false}}
	for i := 0; i < f.Len(); i++ {
		t.Rows = append(t.Rows, []string{cell(f.Col("lead_id"), i), cell(f.Col("company"), i), cell(f.Col("owner"), i), cell(f.Col("source"), i),
			count(f.Col("lead_score").Ints[i]), cell(f.Col("lead_grade"), i), num(v[i], 2), cell(f.Col("reason_1"), i)})
	}
	return t, nil
}

// openOpportunities lists the open opportunities by win probability x
// amount (then by win probability, for those without an amount); nil when
// the run scored none.
func openOpportunities(ctx context.Context, s *source) (*Table, error) {
	f, _, err := s.table(ctx, "opportunity_scores", fmt.Sprintf(`SELECT opportunity_id, customer_id, stage, owner, amount, win_probability, expected_amount, reason_1
		FROM {t} ORDER BY expected_amount DESC NULLS LAST, win_probability DESC, opportunity_id LIMIT %d`, topN))
	if err != nil || f == nil || f.Len() == 0 {
		return nil, err
	}
	amt, _ := f.Floats("amount")
	p, _ := f.Floats("win_probability")
	e, _ := f.Floats("expected_amount")
	cur := s.money()
	t := &Table{Caption: "Open opportunities by win probability x amount",
		Head: []string{"opportunity", "customer", "stage", "owner", "amount" + cur, "win probability", "expected amount" + cur, "main reason"},
		Num:  []bool{false, false, false, false, true, true, true, false}}
	for i := 0; i < f.Len(); i++ {
		t.Rows = append(t.Rows, []string{cell(f.Col("opportunity_id"), i), cell(f.Col("customer_id"), i), cell(f.Col("stage"), i), cell(f.Col("owner"), i),
			money(amt[i]), pct(p[i]), money(e[i]), cell(f.Col("reason_1"), i)})
	}
	return t, nil
}

// cell is a frame column's value as text, "" for null or a missing column.
func cell(c *frame.Column, i int) string {
	if c == nil || c.IsNull(i) {
		return ""
	}
	switch c.Kind {
	case frame.String:
		return c.Strings[i]
	case frame.Float64:
		return num(c.Floats[i], 2)
	case frame.Bool:
		return fmt.Sprint(c.Bools[i])
	}
	return count(c.Ints[i])
}

// tierOrder lists tier names in the order of churn.tiers, then any others
// of names in alphabetical order.
func tierOrder(s *source, names map[string]bool) []string {
	var out []string
	for _, t := range s.b.Cfg.Churn.Tiers {
		if names[t.Name] {
			out = append(out, t.Name)
			delete(names, t.Name)
		}
	}
	return append(out, sortedKeys(names)...)
}
