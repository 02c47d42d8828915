package report

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/crmbatch/crmbatch/engine"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

// topN is the length of the top-customers table.
const topN = 15

// topCustomers lists the customers with the highest CLV, names as given.
func topCustomers(s *source, clv []float64) *Table {
	c := s.b.Customers
	idx := make([]int, 0, len(clv))
	for i, v := range clv {
		if !math.IsNaN(v) {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return clv[idx[a]] > clv[idx[b]] })
	if len(idx) > topN {
		idx = idx[:topN]
	}
	str := func(name string, i int) string {
		col := c.Col(name)
		if col == nil || col.Strings == nil || col.IsNull(i) {
			return ""
		}
		return col.Strings[i]
	}
	flt := func(name string) []float64 {
		v, err := c.Floats(name)
		if err != nil {
			v = make([]float64, c.Len())
			for i := range v {
				v[i] = math.NaN()
			}
		}
		return v
	}
	rev, alive := flt("revenue"), flt("probability_alive")
	cur := s.money()
	t := &Table{Caption: fmt.Sprintf("Top %d customers by CLV", len(idx)),
		Head: []string{"customer", "name", "country", "revenue" + cur, "CLV" + cur, "P(alive)", "churn tier"},
		Num:  []bool{false, false, false, true, true, true, false}}
	for _, i := range idx {
		t.Rows = append(t.Rows, []string{str("customer_id", i), str("name", i), str("country", i),
			money(rev[i]), num(clv[i], 2), num(alive[i], 3), str("churn_risk_tier", i)})
	}
	return t
}

// holdoutSection draws the BTYD tracking plot of the chosen model (actual
// vs expected cumulative repeat purchases, the holdout period after the
// dashed cutoff) and the holdout table of every model.
func holdoutSection(ctx context.Context, s *source) (*Section, error) {
	sec := &Section{ID: "holdout", Title: "Holdout tracking",
		Intro: "Cumulative repeat purchases of the calibration cohort, actual against the lifetime model's expectation; the period after the cutoff was not used to fit it."}
	h, why, err := s.table(ctx, "clv_holdout", `SELECT model, calibration_frequency, customers, mean_actual, mean_expected, mae, rmse, chosen, holdout_start
		FROM {t} ORDER BY model, calibration_frequency = 'all', calibration_frequency`)
	if err != nil || h == nil {
		sec.Missing = why
		return sec, err
	}
	model := ""
	for i := 0; i < h.Len(); i++ {
		if h.Col("chosen").Bools[i] && !h.Col("chosen").IsNull(i) {
			model = h.Col("model").Strings[i]
		}
	}
	tr, why, err := s.table(ctx, "clv_tracking", fmt.Sprintf(`SELECT date, expected_cumulative, actual_cumulative, in_holdout FROM {t}
		WHERE model = %s ORDER BY date`, engine.Quote(model)))
	if err != nil {
		return nil, err
	}
	switch {
	case tr == nil:
		sec.Missing = why
	case tr.Len() == 0:
		sec.Missing = fmt.Sprintf("clv_tracking has no rows for the chosen model %q", model)
	default:
		days := tr.Col("date").Ints
		xs := make([]float64, len(days))
		for i, d := range days {
			xs[i] = float64(d * 86400)
		}
		exp, _ := tr.Floats("expected_cumulative")
		act, _ := tr.Floats("actual_cumulative")
		pl := newPlot("date", "cumulative repeat purchases")
		pl.X.Tick.Marker = plot.TimeTicks{Format: "2006-01"}
		la, err := line(xs, act, blue, false)
		if err != nil {
			return nil, err
		}
		le, err := line(xs, exp, orange, true)
		if err != nil {
			return nil, err
		}
		pl.Add(la, le)
		keys := []Key{key("actual", blue, false), key("expected ("+model+")", orange, true)}
		for i := range days {
			if tr.Col("in_holdout").Bools[i] {
				top := math.Max(act[len(act)-1], exp[len(exp)-1])
				cut, err := line([]float64{xs[i], xs[i]}, []float64{0, top}, grey, true)
				if err != nil {
					return nil, err
				}
				pl.Add(cut)
				keys = append(keys, key("holdout starts "+time.Unix(days[i]*86400, 0).UTC().Format(time.DateOnly), grey, true))
				break
			}
		}
		c, err := render("chart-holdout", "Holdout tracking: actual vs expected cumulative repeat purchases", pl, chartW, chartH)
		if err != nil {
			return nil, err
		}
		c.Legend = keys
		sec.Charts = append(sec.Charts, c)
	}
	tab := &Table{Caption: "Mean repeat purchases in the holdout by calibration frequency (chosen model marked *)",
		Head: []string{"model", "calibration frequency", "customers", "mean actual", "mean expected", "MAE", "RMSE"},
		Num:  []bool{false, false, true, true, true, true, true}}
	ma, _ := h.Floats("mean_actual")
	me, _ := h.Floats("mean_expected")
	mae, _ := h.Floats("mae")
	rmse, _ := h.Floats("rmse")
	for i := 0; i < h.Len(); i++ {
		m := h.Col("model").Strings[i]
		if m == model {
			m += " *"
		}
		tab.Rows = append(tab.Rows, []string{m, h.Col("calibration_frequency").Strings[i], count(h.Col("customers").Ints[i]),
			num(ma[i], 3), num(me[i], 3), num(mae[i], 3), num(rmse[i], 3)})
	}
	sec.Tables = append(sec.Tables, tab)
	return sec, nil
}

// leadSection draws the distribution of lead scores (0-100) of the open
// leads and counts them by grade.
func leadSection(ctx context.Context, s *source) (*Section, error) {
	sec := &Section{ID: "leads", Title: "Lead scores",
		Intro: "Scores (100 x conversion probability) of the leads not yet converted."}
	f, err := s.rows(ctx, sec, "lead_scores", "SELECT lead_score, lead_grade FROM {t}", "lead_scores is empty: every lead has converted or none is open")
	if f == nil {
		return sec, err
	}
	v, _ := f.Floats("lead_score")
	pl, err := hist("lead score", v, 20, blue)
	if err != nil {
		return nil, err
	}
	pl.X.Min, pl.X.Max = 0, 100
	c, err := render("chart-leads", "Lead score distribution", pl, chartW, chartH)
	if err != nil {
		return nil, err
	}
	sec.Charts = append(sec.Charts, c)
	grades := map[string]int64{}
	for i, g := range f.Col("lead_grade").Strings {
		if !f.Col("lead_grade").IsNull(i) {
			grades[g]++
		}
	}
	tab := &Table{Head: []string{"grade", "leads"}, Num: []bool{false, true}}
	for _, g := range sortedKeys(grades) {
		tab.Rows = append(tab.Rows, []string{g, count(grades[g])})
	}
	sec.Tables = append(sec.Tables, tab)
	calls, err := leadsToCall(ctx, s)
	if err != nil {
		return nil, err
	}
	sec.Tables = append(sec.Tables, calls)
	return sec, nil
}

// funnelSection draws how many leads and opportunities reached each step
// of the funnel: the leads, then the open stages in funnel order. Won and
// lost are outcomes, not steps: they are counted apart.
func funnelSection(ctx context.Context, s *source) (*Section, error) {
	sec := &Section{ID: "funnel", Title: "Sales funnel",
		Intro: "Leads, then the opportunities that reached each open stage; the outcomes (won, lost) are counted below, not drawn as steps."}
	f, err := s.rows(ctx, sec, "sales_funnel", `SELECT stage, kind, opportunities_reached, opportunities_current, conversion_to_next, win_probability, open_amount, weighted_value, won, lost
		FROM {t} ORDER BY step`, "sales_funnel is empty")
	if f == nil {
		return sec, err
	}
	reached, _ := f.Floats("opportunities_reached")
	conv, _ := f.Floats("conversion_to_next")
	win, _ := f.Floats("win_probability")
	amt, _ := f.Floats("open_amount")
	wv, _ := f.Floats("weighted_value")
	var names []string
	var steps []float64
	cur := s.money()
	tab := &Table{Head: []string{"step", "reached", "conversion to next", "win probability", "open amount" + cur, "weighted value" + cur},
		Num: []bool{false, true, true, true, true, true}}
	outcomes := &Table{Caption: "Outcomes", Head: []string{"closing stage", "opportunities", "won", "lost"}, Num: []bool{false, true, true, true}}
	for i := 0; i < f.Len(); i++ {
		name := f.Col("stage").Strings[i]
		if f.Col("kind").Strings[i] == "closed" {
			outcomes.Rows = append(outcomes.Rows, []string{name, count(f.Col("opportunities_current").Ints[i]), count(f.Col("won").Ints[i]), count(f.Col("lost").Ints[i])})
			continue
		}
		names, steps = append(names, name), append(steps, reached[i])
		tab.Rows = append(tab.Rows, []string{name, num(reached[i], 0), pct(conv[i]), pct(win[i]), money(amt[i]), money(wv[i])})
	}
	if len(names) > 0 {
		pl, err := bars("step", "reached", names, steps, orange, true)
		if err != nil {
			return nil, err
		}
		c, err := render("chart-funnel", "Sales funnel", pl, chartW, vg.Length(90+22*len(names)))
		if err != nil {
			return nil, err
		}
		sec.Charts = append(sec.Charts, c)
	}
	sec.Tables = append(sec.Tables, tab)
	if len(outcomes.Rows) > 0 {
		sec.Tables = append(sec.Tables, outcomes)
	}
	open, err := openOpportunities(ctx, s)
	if err != nil {
		return nil, err
	}
	if open != nil {
		sec.Tables = append(sec.Tables, open)
	}
	return sec, nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
