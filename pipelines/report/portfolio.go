package report

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// whaleSection draws Kaplan and Cooper's whale curve: cumulative profit
// share against the share of customers ranked by profit.
func whaleSection(ctx context.Context, s *source) (*Section, error) {
	sec := &Section{ID: "whale", Title: "Whale curve",
		Intro: "Customers ranked by net profit, most profitable first: the share of total profit (and revenue) earned by the top share of customers. A peak above 100% means the tail destroys profit."}
	f, why, err := s.table(ctx, "whale_curve", "SELECT customer_share, profit_share, revenue_share FROM {t} ORDER BY point")
	if err != nil || f == nil {
		sec.Missing = why
		return sec, err
	}
	x, _ := f.Floats("customer_share")
	p, _ := f.Floats("profit_share")
	r, _ := f.Floats("revenue_share")
	pl := newPlot("share of customers", "cumulative share")
	lp, err := line(x, p, blue, false)
	if err != nil {
		return nil, err
	}
	lr, err := line(x, r, orange, false)
	if err != nil {
		return nil, err
	}
	pl.Add(lp, lr)
	pl.Legend.Add("profit", lp)
	pl.Legend.Add("revenue", lr)
	c, err := render("chart-whale", "Whale curve", pl, chartW, chartH)
	if err != nil {
		return nil, err
	}
	sec.Charts = append(sec.Charts, c)
	peak, at := math.Inf(-1), 0.0
	for i, v := range p {
		if v > peak {
			peak, at = v, x[i]
		}
	}
	sec.Tables = append(sec.Tables, &Table{Head: []string{"peak profit share", "at customer share"}, Num: []bool{true, true},
		Rows: [][]string{{pct(peak), pct(at)}}})
	return sec, nil
}

// segmentSection draws net profit by RFM segment and tabulates the P&L.
func segmentSection(ctx context.Context, s *source) (*Section, error) {
	sec := &Section{ID: "segments", Title: "Segment profitability",
		Intro: "Net profit (gross margin less cost to serve and acquisition cost) of each RFM segment."}
	f, why, err := s.table(ctx, "segment_profitability", `SELECT segment, customers, revenue, net_profit, profit_per_customer, mean_clv, churn_rate
		FROM {t} WHERE grouping = 'rfm_segment' ORDER BY net_profit DESC`)
	if err != nil || f == nil {
		sec.Missing = why
		return sec, err
	}
	if f.Len() == 0 {
		sec.Missing = "segment_profitability has no rfm_segment grouping in this run (see portfolio.profitability.groupings)"
		return sec, nil
	}
	names := f.Col("segment").Strings
	profit, _ := f.Floats("net_profit")
	pl, err := bars("RFM segment", "net profit", names, profit, blue, true)
	if err != nil {
		return nil, err
	}
	c, err := render("chart-segments", "Net profit by RFM segment", pl, chartW, vg.Length(90+22*len(names)))
	if err != nil {
		return nil, err
	}
	sec.Charts = append(sec.Charts, c)
	tab := &Table{Head: []string{"segment", "customers", "revenue", "net profit", "profit per customer", "mean CLV", "churn rate"},
		Num: []bool{false, true, true, true, true, true, true}}
	rev, _ := f.Floats("revenue")
	ppc, _ := f.Floats("profit_per_customer")
	clv, _ := f.Floats("mean_clv")
	churn, _ := f.Floats("churn_rate")
	for i := range names {
		tab.Rows = append(tab.Rows, []string{names[i], count(f.Col("customers").Ints[i]), money(rev[i]), money(profit[i]),
			num(ppc[i], 2), num(clv[i], 2), pct(churn[i])})
	}
	sec.Tables = append(sec.Tables, tab)
	return sec, nil
}

// cohortMonths is how many cohorts (the latest) and months the heat map shows.
const cohortMonths = 24

// cohortSection draws retention by monthly acquisition cohort as a heat map:
// one row per cohort (the latest at the top), one column per month since the
// first order. The colour scale runs to the highest retention after month 0,
// which is always 100%.
func cohortSection(ctx context.Context, s *source) (*Section, error) {
	sec := &Section{ID: "cohorts", Title: "Cohort retention",
		Intro: fmt.Sprintf("Share of each monthly acquisition cohort buying again n months after its first order (the latest %d cohorts; brighter is higher).", cohortMonths)}
	f, why, err := s.table(ctx, "cohort_retention", fmt.Sprintf(`WITH c AS (SELECT DISTINCT cohort_month FROM {t} ORDER BY cohort_month DESC LIMIT %d)
		SELECT cohort_month, months_since_first, retention_rate FROM {t} JOIN c USING (cohort_month)
		WHERE months_since_first < %d ORDER BY cohort_month, months_since_first`, cohortMonths, cohortMonths))
	if err != nil || f == nil {
		sec.Missing = why
		return sec, err
	}
	if f.Len() == 0 {
		sec.Missing = "cohort_retention is empty"
		return sec, nil
	}
	months := f.Col("cohort_month").Ints
	var cohorts []int64
	for i, m := range months {
		if i == 0 || m != months[i-1] {
			cohorts = append(cohorts, m)
		}
	}
	g := grid{cols: cohortMonths, rows: len(cohorts), z: make([]float64, cohortMonths*len(cohorts)), max: 0.01}
	for i := range g.z {
		g.z[i] = math.NaN()
	}
	rate, _ := f.Floats("retention_rate")
	row := 0
	for i := range months {
		if i > 0 && months[i] != months[i-1] {
			row++
		}
		k := int(f.Col("months_since_first").Ints[i])
		g.z[row*g.cols+k] = rate[i]
		if k > 0 && rate[i] > g.max {
			g.max = rate[i]
		}
	}
	hm := plotter.NewHeatMap(g, palette.Heat(32, 1))
	hm.Overflow = hm.Palette.Colors()[len(hm.Palette.Colors())-1]
	hm.NaN = colorNone
	pl := newPlot("months since first order", "cohort (month of first order)")
	pl.Add(hm)
	labels := make([]string, len(cohorts))
	for i, d := range cohorts {
		labels[i] = time.Unix(d*86400, 0).UTC().Format("2006-01")
	}
	pl.NominalY(labels...)
	c, err := render("chart-cohorts", "Cohort retention heat map", pl, chartW+80, vg.Length(80+14*len(cohorts)))
	if err != nil {
		return nil, err
	}
	sec.Charts = append(sec.Charts, c)
	sec.Intro += fmt.Sprintf(" The colour scale tops out at %s (month 0 is always 100%%).", pct(g.max))
	return sec, nil
}

// clvSection draws the distribution of customer lifetime value, cut at the
// 99th percentile so the long tail does not flatten it, and lists the top
// customers by CLV with their names as given.
func clvSection(ctx context.Context, s *source) (*Section, error) {
	sec := &Section{ID: "clv", Title: "Customer lifetime value",
		Intro: "Distribution of customer_lifetime_value over customers with a value, up to its 99th percentile."}
	c := s.b.Customers
	clv, err := c.Floats("customer_lifetime_value")
	if err != nil {
		sec.Missing = "the customer table has no customer_lifetime_value: " + s.why("clv_holdout")
		return sec, nil
	}
	var vs []float64
	for _, v := range clv {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		sec.Missing = "no customer has a customer_lifetime_value in this run"
		return sec, nil
	}
	sorted := append([]float64(nil), vs...)
	sort.Float64s(sorted)
	cut := sorted[int(0.99*float64(len(sorted)-1))]
	var body []float64
	for _, v := range vs {
		if v <= cut {
			body = append(body, v)
		}
	}
	pl, err := hist("customer lifetime value", body, 40, blue)
	if err != nil {
		return nil, err
	}
	ch, err := render("chart-clv", "CLV distribution", pl, chartW, chartH)
	if err != nil {
		return nil, err
	}
	sec.Charts = append(sec.Charts, ch)
	sec.Tables = append(sec.Tables, &Table{Head: []string{"customers", "mean", "median", "90th percentile", "99th percentile", "max"},
		Num: []bool{true, true, true, true, true, true},
		Rows: [][]string{{count(int64(len(vs))), num(mean(vs), 2), num(sorted[len(sorted)/2], 2),
			num(sorted[int(0.9*float64(len(sorted)-1))], 2), num(cut, 2), num(sorted[len(sorted)-1], 2)}}})
	sec.Tables = append(sec.Tables, topCustomers(s, clv))
	return sec, nil
}
