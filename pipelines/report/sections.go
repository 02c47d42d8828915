package report

import (
	"context"
	"fmt"
	"time"

	"gonum.org/v1/plot"
)

// trendSection draws the monthly KPIs: revenue, and active and new
// customers per calendar month, with the last months in a table.
func trendSection(ctx context.Context, s *source) (*Section, error) {
	sec := &Section{ID: "trend", Title: "Monthly trend",
		Intro: "Revenue and customers per calendar month (the as-of month, when not over, is left out of the charts)."}
	f, err := s.rows(ctx, sec, "monthly_kpis", `SELECT month, complete, active_customers, new_customers, retention_rate, orders, revenue, average_order_value FROM {t} ORDER BY month`, "monthly_kpis is empty")
	if f == nil {
		return sec, err
	}
	rev, _ := f.Floats("revenue")
	act, _ := f.Floats("active_customers")
	nw, _ := f.Floats("new_customers")
	var xs, r, a, n []float64
	for i, d := range f.Col("month").Ints {
		if f.Col("complete").Bools[i] {
			xs = append(xs, float64(d*86400))
			r, a, n = append(r, rev[i]), append(a, act[i]), append(n, nw[i])
		}
	}
	if len(xs) > 1 {
		pl := newPlot("month", "revenue"+s.money())
		pl.X.Tick.Marker = plot.TimeTicks{Format: "2006-01"}
		l, err := line(xs, r, blue, false)
		if err != nil {
			return nil, err
		}
		pl.Add(l)
		c, err := render("chart-revenue", "Revenue per month", pl, chartW, chartH)
		if err != nil {
			return nil, err
		}
		sec.Charts = append(sec.Charts, c)
		pl = newPlot("month", "customers")
		pl.X.Tick.Marker = plot.TimeTicks{Format: "2006-01"}
		la, err := line(xs, a, blue, false)
		if err != nil {
			return nil, err
		}
		ln, err := line(xs, n, orange, true)
		if err != nil {
			return nil, err
		}
		pl.Add(la, ln)
		c, err = render("chart-customers", "Customers per month", pl, chartW, chartH)
		if err != nil {
			return nil, err
		}
		c.Legend = []Key{key("active (an order line in the month)", blue, false), key("new (first order in the month)", orange, true)}
		sec.Charts = append(sec.Charts, c)
	}
	ret, _ := f.Floats("retention_rate")
	aov, _ := f.Floats("average_order_value")
	cur := s.money()
	tab := &Table{Caption: "The last 12 months", Head: []string{"month", "active customers", "new customers", "retained from the month before", "orders", "revenue" + cur, "average order value" + cur},
		Num: []bool{false, true, true, true, true, true, true}}
	for i := max(0, f.Len()-12); i < f.Len(); i++ {
		m := time.Unix(f.Col("month").Ints[i]*86400, 0).UTC().Format("2006-01")
		if !f.Col("complete").Bools[i] {
			m += " (so far)"
		}
		tab.Rows = append(tab.Rows, []string{m, num(act[i], 0), num(nw[i], 0), pct(ret[i]), count(f.Col("orders").Ints[i]), money(rev[i]), num(aov[i], 2)})
	}
	sec.Tables = append(sec.Tables, tab)
	return sec, nil
}

// lifecycleSection shows the customers per lifecycle stage, now and in the
// previous run, and the largest moves between stages.
func lifecycleSection(ctx context.Context, s *source) (*Section, error) {
	sec := &Section{ID: "lifecycle", Title: "Lifecycle",
		Intro: "Customers per lifecycle stage, and how many moved from one stage to another since the previous published run."}
	f, why, err := s.table(ctx, "lifecycle_stages", "SELECT stage, customers, share, previous_customers FROM {t} ORDER BY stage_order")
	if err != nil || f == nil {
		sec.Missing = why
		return sec, err
	}
	share, _ := f.Floats("share")
	prev, _ := f.Floats("previous_customers")
	tab := &Table{Head: []string{"stage", "customers", "share", "previous run", "change"}, Num: []bool{false, true, true, true, true}}
	for i := 0; i < f.Len(); i++ {
		n := float64(f.Col("customers").Ints[i])
		tab.Rows = append(tab.Rows, []string{f.Col("stage").Strings[i], num(n, 0), pct(share[i]), num(prev[i], 0), num(n-prev[i], 0)})
	}
	sec.Tables = append(sec.Tables, tab)
	t, _, err := s.table(ctx, "lifecycle_transitions", fmt.Sprintf(`SELECT from_stage, to_stage, customers, share_of_from FROM {t}
		WHERE from_stage <> to_stage AND from_stage <> 'none' ORDER BY customers DESC, from_stage, to_stage LIMIT %d`, topN))
	if err != nil {
		return nil, err
	}
	if t != nil && t.Len() > 0 {
		sf, _ := t.Floats("share_of_from")
		flow := &Table{Caption: "Largest moves between stages since the previous run", Head: []string{"from", "to", "customers", "share of from"},
			Num: []bool{false, false, true, true}}
		for i := 0; i < t.Len(); i++ {
			flow.Rows = append(flow.Rows, []string{t.Col("from_stage").Strings[i], t.Col("to_stage").Strings[i], count(t.Col("customers").Ints[i]), pct(sf[i])})
		}
		sec.Tables = append(sec.Tables, flow)
	}
	return sec, nil
}

// subscriptionSection shows the subscription retention model: the cohorts
// fitted and the survival of all subscribers, observed and fitted.
func subscriptionSection(ctx context.Context, s *source) (*Section, error) {
	sec := &Section{ID: "subscriptions", Title: "Subscriptions",
		Intro: "Share of subscribers still active after each renewal period: observed (Kaplan-Meier) and fitted by the shifted-beta-geometric model."}
	f, why, err := s.table(ctx, "subscription_retention", `SELECT period, observed_survival, fitted_survival FROM {t}
		WHERE cohort_type = 'all' ORDER BY period`)
	if err != nil || f == nil {
		sec.Missing = why
		return sec, err
	}
	if f.Len() > 1 {
		obs, _ := f.Floats("observed_survival")
		fit, _ := f.Floats("fitted_survival")
		var xo, yo, xs []float64
		for i, p := range f.Col("period").Ints {
			xs = append(xs, float64(p))
			if !isNaN(obs[i]) {
				xo, yo = append(xo, float64(p)), append(yo, obs[i])
			}
		}
		pl := newPlot("renewal periods", "still active")
		pl.Y.Tick.Marker = percentTicks{}
		lf, err := line(xs, fit, orange, true)
		if err != nil {
			return nil, err
		}
		pl.Add(lf)
		keys := []Key{key("fitted (sBG)", orange, true)}
		if len(xo) > 1 {
			lo, err := line(xo, yo, blue, false)
			if err != nil {
				return nil, err
			}
			pl.Add(lo)
			keys = append([]Key{key("observed", blue, false)}, keys...)
		}
		c, err := render("chart-subscriptions", "Subscriber survival", pl, chartW, chartH)
		if err != nil {
			return nil, err
		}
		c.Legend = keys
		sec.Charts = append(sec.Charts, c)
	}
	co, _, err := s.table(ctx, "subscription_cohorts", "SELECT cohort_type, cohort, subscribers, active, alpha, beta, status FROM {t} ORDER BY cohort_type, cohort")
	if err != nil {
		return nil, err
	}
	if co != nil {
		a, _ := co.Floats("alpha")
		b, _ := co.Floats("beta")
		tab := &Table{Caption: "Cohorts fitted", Head: []string{"cohort", "subscribers", "active", "alpha", "beta", "status"}, Num: []bool{false, true, true, true, true, false}}
		for i := 0; i < co.Len(); i++ {
			name := co.Col("cohort_type").Strings[i] + " " + cell(co.Col("cohort"), i)
			if co.Col("cohort_type").Strings[i] == cell(co.Col("cohort"), i) {
				name = "all subscribers"
			}
			tab.Rows = append(tab.Rows, []string{name, count(co.Col("subscribers").Ints[i]),
				count(co.Col("active").Ints[i]), num(a[i], 3), num(b[i], 3), cell(co.Col("status"), i)})
		}
		sec.Tables = append(sec.Tables, tab)
	}
	return sec, nil
}

// offersSection lists the products most often offered first and the
// strongest product affinities, with each product's category from the
// orders where it is known.
func offersSection(ctx context.Context, s *source) (*Section, error) {
	sec := &Section{ID: "offers", Title: "Next best offers",
		Intro: "The products most often offered first to customers who have not ordered them, and the product pairs bought together far more often than chance."}
	category := "NULL::VARCHAR"
	join := ""
	if s.b.Has("orders") {
		category = "c.category"
		join = "LEFT JOIN (SELECT product_id, mode(category) AS category FROM orders WHERE product_id IS NOT NULL GROUP BY product_id) c USING (product_id)"
	}
	f, err := s.rows(ctx, sec, "next_best_offers", fmt.Sprintf(`SELECT o.product_id, %s AS category, count(*) AS customers, avg(o.score) AS score
		FROM {t} o %s WHERE o.rank = 1 GROUP BY ALL ORDER BY customers DESC, o.product_id LIMIT %d`, category, join, topN), "next_best_offers is empty: no affinity rule passed the expansion thresholds")
	if f == nil {
		return sec, err
	}
	sc, _ := f.Floats("score")
	tab := &Table{Caption: "Products offered first", Head: []string{"product", "category", "customers", "mean score"}, Num: []bool{false, false, true, true}}
	for i := 0; i < f.Len(); i++ {
		tab.Rows = append(tab.Rows, []string{cell(f.Col("product_id"), i), cell(f.Col("category"), i), count(f.Col("customers").Ints[i]), num(sc[i], 3)})
	}
	sec.Tables = append(sec.Tables, tab)
	r, _, err := s.table(ctx, "affinity_rules", fmt.Sprintf("SELECT antecedent_product_id, consequent_product_id, baskets_with_both, confidence, lift FROM {t} ORDER BY rank LIMIT %d", topN))
	if err != nil {
		return nil, err
	}
	if r != nil && r.Len() > 0 {
		conf, _ := r.Floats("confidence")
		lift, _ := r.Floats("lift")
		rules := &Table{Caption: "Strongest affinities", Head: []string{"bought", "then also", "baskets with both", "confidence", "lift"}, Num: []bool{false, false, true, true, true}}
		for i := 0; i < r.Len(); i++ {
			rules.Rows = append(rules.Rows, []string{cell(r.Col("antecedent_product_id"), i), cell(r.Col("consequent_product_id"), i),
				count(r.Col("baskets_with_both").Ints[i]), pct(conf[i]), num(lift[i], 2)})
		}
		sec.Tables = append(sec.Tables, rules)
	}
	return sec, nil
}

func isNaN(v float64) bool { return v != v }
