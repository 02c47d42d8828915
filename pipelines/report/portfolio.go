package report

import (
	"context"
	"fmt"
	"html/template"
	"math"
	"sort"
	"strings"
	"time"

	"gonum.org/v1/plot/vg"
)

// whaleSection draws Kaplan and Cooper's whale curve: cumulative profit
// share against the share of customers ranked by profit. Without cost data
// profit equals revenue, and the page says so instead of drawing one line
// under the other.
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
	same := true
	for i := range p {
		same = same && math.Abs(p[i]-r[i]) < 1e-9
	}
	pl := newPlot("share of customers", "cumulative share")
	pl.X.Tick.Marker, pl.Y.Tick.Marker = percentTicks{}, percentTicks{}
	lr, err := line(x, r, orange, false)
	if err != nil {
		return nil, err
	}
	lr.Width = vg.Points(3)
	lp, err := line(x, p, blue, true)
	if err != nil {
		return nil, err
	}
	lp.Width = vg.Points(1.5)
	var keys []Key
	if same {
		pl.Add(lr)
		keys = []Key{key("profit = revenue: no cost of goods, cost to serve or acquisition cost is known", orange, false)}
		sec.Intro += " This run has no cost data, so profit is revenue and one curve is drawn."
	} else {
		pl.Add(lr, lp)
		keys = []Key{key("revenue", orange, false), key("net profit", blue, true)}
	}
	c, err := render("chart-whale", "Whale curve", pl, chartW, chartH)
	if err != nil {
		return nil, err
	}
	c.Legend = keys
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

// segmentSection draws net profit by RFM segment and tabulates the P&L of
// every configured grouping, saying what each churn figure means: the
// observed churn rate (lifecycle stage churned) and the model's forecast.
func segmentSection(ctx context.Context, s *source) (*Section, error) {
	sec := &Section{ID: "segments", Title: "Segment profitability",
		Intro: "Net profit (gross margin less cost to serve and acquisition cost) of each segment, for every grouping in portfolio.profitability.groupings."}
	f, err := s.rows(ctx, sec, "segment_profitability", `SELECT grouping, segment, customers, revenue, net_profit, profit_per_customer, mean_clv, mean_churn_probability, churn_rate
		FROM {t} ORDER BY grouping = 'rfm_segment' DESC, grouping, net_profit DESC`, "segment_profitability is empty in this run")
	if f == nil {
		return sec, err
	}
	cur := s.money()
	groups := f.Col("grouping").Strings
	profit, _ := f.Floats("net_profit")
	var names []string
	var vs []float64
	for i, g := range groups {
		if g == "rfm_segment" {
			names = append(names, f.Col("segment").Strings[i])
			vs = append(vs, profit[i])
		}
	}
	if len(names) > 0 {
		pl, err := bars("RFM segment", "net profit"+cur, names, vs, blue, true)
		if err != nil {
			return nil, err
		}
		c, err := render("chart-segments", "Net profit by RFM segment", pl, chartW, vg.Length(90+22*len(names)))
		if err != nil {
			return nil, err
		}
		sec.Charts = append(sec.Charts, c)
	}
	rev, _ := f.Floats("revenue")
	ppc, _ := f.Floats("profit_per_customer")
	clv, _ := f.Floats("mean_clv")
	prob, _ := f.Floats("mean_churn_probability")
	churn, _ := f.Floats("churn_rate")
	var tab *Table
	for i, g := range groups {
		if i == 0 || g != groups[i-1] {
			tab = &Table{Caption: "By " + strings.ReplaceAll(g, "_", " "),
				Head: []string{"segment", "customers", "revenue" + cur, "net profit" + cur, "profit per customer" + cur, "mean CLV" + cur, "churned now", "churn forecast"},
				Num:  []bool{false, true, true, true, true, true, true, true}}
			sec.Tables = append(sec.Tables, tab)
		}
		if len(tab.Rows) == topN {
			continue // the largest segments by profit; the table holds them all
		}
		tab.Rows = append(tab.Rows, []string{f.Col("segment").Strings[i], count(f.Col("customers").Ints[i]), money(rev[i]), money(profit[i]),
			num(ppc[i], 2), num(clv[i], 2), pct(churn[i]), pct(prob[i])})
	}
	sec.Notes = append(sec.Notes, fmt.Sprintf("Churned now: share of the segment's buyers whose lifecycle stage is churned (no purchase for portfolio.lifecycle.churned_days, %d days), an observation. Churn forecast: the mean churn_probability, the churn model's chance of no purchase in the next %d days (churn.window_days). A segment of lapsed buyers can thus show 0%% churned and a high forecast while its buyers have not yet passed the churned threshold. Each grouping shows its %d most profitable segments; segment_profitability has them all.",
		s.b.Cfg.Portfolio.Lifecycle.ChurnedDays, s.b.Cfg.Churn.WindowDays, topN))
	return sec, nil
}

// cohortSection shows retention by monthly acquisition cohort as a heat
// map table: one row per cohort (the latest at the top), one column per
// month since the first order, as far as the data reaches, each cell with
// its value; the colour scale runs to the highest retention after month 0
// (always 100%) and has its key below.
func cohortSection(ctx context.Context, s *source) (*Section, error) {
	sec := &Section{ID: "cohorts", Title: "Cohort retention",
		Intro: fmt.Sprintf("Share of each monthly acquisition cohort buying again n months after its first order (the latest %d cohorts; darker is higher).", cohortMonths)}
	f, err := s.rows(ctx, sec, "cohort_retention", fmt.Sprintf(`WITH c AS (SELECT DISTINCT cohort_month FROM {t} ORDER BY cohort_month DESC LIMIT %d)
		SELECT cohort_month, months_since_first, retention_rate FROM {t} JOIN c USING (cohort_month)
		WHERE months_since_first < %d ORDER BY cohort_month DESC, months_since_first`, cohortMonths, cohortMonths), "cohort_retention is empty")
	if f == nil {
		return sec, err
	}
	months := f.Col("cohort_month").Ints
	since := f.Col("months_since_first").Ints
	rate, _ := f.Floats("retention_rate")
	width, top := int64(0), 0.01
	for i := range since {
		width = max(width, since[i]+1)
		if since[i] > 0 && rate[i] > top {
			top = rate[i]
		}
	}
	var b strings.Builder
	b.WriteString(`<table id="chart-cohorts" class="heat" aria-label="Cohort retention heat map"><thead><tr><th>cohort</th>`)
	for k := int64(0); k < width; k++ {
		fmt.Fprintf(&b, "<th>%d</th>", k)
	}
	b.WriteString("</tr></thead><tbody>")
	for i := 0; i < len(months); {
		fmt.Fprintf(&b, "<tr><th>%s</th>", time.Unix(months[i]*86400, 0).UTC().Format("2006-01"))
		row := map[int64]float64{}
		j := i
		for ; j < len(months) && months[j] == months[i]; j++ {
			row[since[j]] = rate[j]
		}
		for k := int64(0); k < width; k++ {
			v, ok := row[k]
			switch {
			case !ok || math.IsNaN(v):
				b.WriteString("<td></td>")
			case k == 0:
				fmt.Fprintf(&b, `<td style="background:#e8e8e8">%.0f%%</td>`, 100*v)
			default:
				bg, dark := heat(v / top)
				cls := ""
				if dark {
					cls = ` class="dark"`
				}
				fmt.Fprintf(&b, `<td%s style="background:%s">%.0f%%</td>`, cls, bg, 100*v)
			}
		}
		b.WriteString("</tr>")
		i = j
	}
	b.WriteString("</tbody></table>")
	c := Chart{ID: "chart-cohorts", Title: "Cohort retention by month since the first order", HTML: template.HTML(b.String())}
	for _, q := range []float64{0, 0.25, 0.5, 0.75, 1} {
		bg, _ := heat(q)
		c.Legend = append(c.Legend, Key{Color: bg, Label: pct(q * top)})
	}
	sec.Charts = append(sec.Charts, c)
	sec.Intro += fmt.Sprintf(" The colour scale runs from 0 to %s, the highest retention after month 0 (month 0 is 100%% by definition, in grey).", pct(top))
	return sec, nil
}

// heat is the colour of a share q (0..1) of the scale, on a sequential
// colour-blind-safe blue ramp, and whether text on it should be white.
func heat(q float64) (string, bool) {
	q = math.Max(0, math.Min(1, q))
	lo := [3]float64{0xf7, 0xfb, 0xff}
	hi := [3]float64{0x08, 0x30, 0x6b}
	var c [3]int
	for i := range c {
		c[i] = int(math.Round(lo[i] + q*(hi[i]-lo[i])))
	}
	return fmt.Sprintf("#%02x%02x%02x", c[0], c[1], c[2]), q > 0.55
}

// cohortMonths is how many cohorts (the latest) and months the heat map shows.
const cohortMonths = 24

// clvSection draws the distribution of customer lifetime value, cut at the
// 99th percentile so the long tail does not flatten it, and lists the top
// customers by CLV with their names as given.
func clvSection(ctx context.Context, s *source) (*Section, error) {
	sec := &Section{ID: "clv", Title: "Customer lifetime value",
		Intro: fmt.Sprintf("Distribution of customer_lifetime_value (the discounted margin of the next %d months) over customers with a value, up to its 99th percentile.", s.b.Cfg.CLV.HorizonMonths)}
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
	pl, err := hist("customer lifetime value"+s.money(), body, 40, blue)
	if err != nil {
		return nil, err
	}
	pl.Y.Label.Text = "customers"
	ch, err := render("chart-clv", "CLV distribution", pl, chartW, chartH)
	if err != nil {
		return nil, err
	}
	sec.Charts = append(sec.Charts, ch)
	cur := s.money()
	sec.Tables = append(sec.Tables, &Table{Head: []string{"customers", "mean" + cur, "median" + cur, "90th percentile" + cur, "99th percentile" + cur, "max" + cur},
		Num: []bool{true, true, true, true, true, true},
		Rows: [][]string{{count(int64(len(vs))), num(mean(vs), 2), num(sorted[len(sorted)/2], 2),
			num(sorted[int(0.9*float64(len(sorted)-1))], 2), num(cut, 2), num(sorted[len(sorted)-1], 2)}}})
	sec.Tables = append(sec.Tables, topCustomers(s, clv))
	return sec, nil
}
