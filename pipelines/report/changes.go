package report

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/engine/frame"
)

// snapshot is what the changes section compares between two runs.
type snapshot struct {
	customers float64
	revenue   float64
	meanCLV   float64
	tiers     map[string]int64
	seconds   float64 // run time; NaN when unknown
}

// previousRun returns the as-of date and folder names of the latest run
// published under root before asOf (with a _SUCCESS marker), or "".
func previousRun(root, asOf string) string {
	entries, err := os.ReadDir(filepath.Join(root, "runs"))
	if err != nil {
		return ""
	}
	prev := ""
	for _, e := range entries {
		d, ok := strings.CutPrefix(e.Name(), "as_of=")
		if !ok || d >= asOf || d <= prev {
			continue
		}
		if _, err := os.Stat(filepath.Join(root, "runs", e.Name(), "_SUCCESS")); err == nil {
			prev = d
		}
	}
	return prev
}

// changesSection compares this run with the previous published one:
// customers, revenue, mean CLV and customers per churn tier.
func changesSection(ctx context.Context, s *source) (*Section, error) {
	sec := &Section{ID: "changes", Title: "What changed since the previous run"}
	root := s.b.Cfg.OutputRoot()
	asOf := s.b.AsOf.Format(time.DateOnly)
	d := previousRun(root, asOf)
	if d == "" {
		sec.Missing = fmt.Sprintf("no run before %s is published under %s, so there is nothing to compare with", asOf, root)
		return sec, nil
	}
	sec.Intro = fmt.Sprintf("This run (%s) against the run published for %s.", asOf, d)
	prev, err := readSnapshot(ctx, s, root, d)
	if err != nil {
		return nil, err
	}
	if prev == nil {
		sec.Missing = fmt.Sprintf("the run of %s published no customers table under %s", d, root)
		return sec, nil
	}
	cur := &snapshot{customers: float64(s.b.Customers.Len()), tiers: tierCounts(s.b.Customers), seconds: math.NaN()}
	cur.revenue, cur.meanCLV = math.NaN(), math.NaN()
	if v, err := s.b.Customers.Floats("revenue"); err == nil {
		cur.revenue = sum(v)
	}
	if v, err := s.b.Customers.Floats("customer_lifetime_value"); err == nil {
		cur.meanCLV = mean(v)
	}
	tab := &Table{Head: []string{"measure", d, asOf, "change", "change %"}, Num: []bool{false, true, true, true, true}}
	row := func(name string, a, b float64, prec int) {
		tab.Rows = append(tab.Rows, []string{name, num(a, prec), num(b, prec), num(b-a, prec), pct(ratio(b-a, math.Abs(a)))})
	}
	row("customers", prev.customers, cur.customers, 0)
	row("revenue"+s.money(), prev.revenue, cur.revenue, 0)
	row("mean CLV"+s.money(), prev.meanCLV, cur.meanCLV, 2)
	tiers := map[string]bool{}
	for k := range prev.tiers {
		tiers[k] = true
	}
	for k := range cur.tiers {
		tiers[k] = true
	}
	for _, k := range tierOrder(s, tiers) {
		a, ok := prev.tiers[k]
		b := cur.tiers[k]
		pa := float64(a)
		if !ok && prev.tiers == nil {
			pa = math.NaN()
		}
		row("churn tier "+k, pa, float64(b), 0)
	}
	if !math.IsNaN(prev.seconds) {
		tab.Rows = append(tab.Rows, []string{"run time", seconds(prev.seconds), "in the manifest", "", ""})
	}
	sec.Tables = append(sec.Tables, tab)
	return sec, nil
}

// readSnapshot reads the published customers and manifest of the run of
// date d. It returns nil when that run has no customers table.
func readSnapshot(ctx context.Context, s *source, root, d string) (*snapshot, error) {
	p := filepath.Join(root, "customers", "as_of="+d, "part-0.parquet")
	if _, err := os.Stat(p); err != nil {
		return nil, nil
	}
	src := "read_parquet(" + engine.Quote(p) + ", hive_partitioning = false)"
	cols, err := s.b.DB.Strings(ctx, "SELECT column_name FROM (DESCRIBE SELECT * FROM "+src+")")
	if err != nil {
		return nil, fmt.Errorf("report: reading the previous run's customers %s: %w", p, err)
	}
	has := map[string]bool{}
	for _, c := range cols {
		has[c] = true
	}
	expr := func(col, agg string) string {
		if has[col] {
			return agg
		}
		return "CAST(NULL AS DOUBLE)"
	}
	f, err := s.b.DB.QueryFrame(ctx, fmt.Sprintf("SELECT CAST(count(*) AS DOUBLE) AS n, %s AS revenue, %s AS clv FROM %s",
		expr("revenue", "sum(revenue)"), expr("customer_lifetime_value", "avg(customer_lifetime_value)"), src))
	if err != nil {
		return nil, fmt.Errorf("report: reading the previous run's customers %s: %w", p, err)
	}
	val := func(name string) float64 {
		v, _ := f.Floats(name)
		return v[0]
	}
	snap := &snapshot{customers: val("n"), revenue: val("revenue"), meanCLV: val("clv"), seconds: math.NaN()}
	if has["churn_risk_tier"] {
		t, err := s.b.DB.QueryFrame(ctx, "SELECT churn_risk_tier AS tier, count(*) AS n FROM "+src+" WHERE churn_risk_tier IS NOT NULL GROUP BY ALL")
		if err != nil {
			return nil, fmt.Errorf("report: reading the previous run's churn tiers: %w", err)
		}
		snap.tiers = map[string]int64{}
		for i := 0; i < t.Len(); i++ {
			snap.tiers[t.Col("tier").Strings[i]] = t.Col("n").Ints[i]
		}
	}
	if b, err := os.ReadFile(filepath.Join(root, "runs", "as_of="+d, "manifest.json")); err == nil {
		var m struct {
			Seconds float64 `json:"seconds"`
		}
		if json.Unmarshal(b, &m) == nil && m.Seconds > 0 {
			snap.seconds = m.Seconds
		}
	}
	return snap, nil
}

// tierCounts counts the customers per non-null churn_risk_tier; nil when
// the table has no such column.
func tierCounts(f frame.Table) map[string]int64 {
	c := f.Col("churn_risk_tier")
	if c == nil || c.Kind != frame.String {
		return nil
	}
	out := map[string]int64{}
	for i, v := range c.Strings {
		if !c.IsNull(i) {
			out[v]++
		}
	}
	return out
}
