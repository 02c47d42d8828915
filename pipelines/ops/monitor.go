package ops

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/engine/frame"
	"github.com/crmbatch/crmbatch/models/drift"
	"github.com/crmbatch/crmbatch/pipelines/batch"
	"github.com/crmbatch/crmbatch/pipelines/config"
)

// MonitoringTable is the table the monitoring stage publishes.
const MonitoringTable = "monitoring"

// Stage is the monitoring stage. It compares this run with the runs
// published before its as-of date and publishes one row per check in the
// monitoring table; every check that crosses its threshold in
// config.Monitoring is also an alert of the run (exit code 4). It runs
// after the model stages, whose outputs it reads.
//
// The checks:
//   - psi: population stability index (drift.PSI, 10 quantile bins of the
//     previous run, empty bins floored at 1e-4) of the key features and
//     scores (DriftColumns) against the previous published run; alert above
//     monitoring.psi_alert.
//   - null_share: the share of nulls of the key customer columns
//     (NullColumns); alert when it rose by more than
//     monitoring.null_share_increase since the previous run.
//   - reject_share and volume per input table: rejected / read and the
//     accepted rows, against the median of the last monitoring.baseline_runs
//     runs; alert when the share rose by more than
//     monitoring.reject_share_increase or the rows fell by more than
//     monitoring.volume_drop.
//   - holdout_rmse and ll_per_customer of the lifetime model, auc of the
//     churn, leads and opportunities models, against the median of the
//     recent runs (monitoring.rmse_increase, ll_drop, auc_drop).
//
// Without an earlier run every check is ok with a null baseline.
var Stage = batch.Stage{Name: "monitoring", Run: monitor}

// DriftColumns are the customer-table features and scores whose PSI is
// monitored, when present in both runs. lead_scores.lead_score is added
// when both runs scored leads.
var DriftColumns = []string{"frequency", "recency", "monetary_value", "revenue",
	"probability_alive", "customer_lifetime_value", "churn_probability", "lead_score"}

// NullColumns are the customer-table columns whose null share is monitored.
var NullColumns = []string{"email", "country", "city", "acquisition_channel", "signup_date", "acquisition_cost"}

// psiBins is the number of quantile bins of the PSI.
const psiBins = 10

// check is one row of the monitoring table.
type check struct {
	metric, subject        string
	value, baseline, bound float64
	runs                   int64
	above                  bool // alert when value > bound (else value < bound)
	detail                 string
	raised                 bool // the alert was raised by the stage that failed
}

func (c check) alert() bool {
	if math.IsNaN(c.bound) || math.IsNaN(c.value) {
		return false
	}
	if c.above {
		return c.value > c.bound
	}
	return c.value < c.bound
}

func monitor(ctx context.Context, b *batch.Batch) error {
	set := b.Cfg.Monitoring
	if set.Off {
		return batch.Skip("monitoring.off is set")
	}
	root := b.Cfg.OutputRoot()
	asOf := b.AsOf.Format(time.DateOnly)
	hist, err := recentHistory(ctx, b.DB, root, asOf, set.BaselineRuns)
	if err != nil {
		return err
	}
	var checks []check
	if prev := previousRun(root, asOf); prev != "" {
		cs, err := driftChecks(ctx, b, root, prev, set)
		if err != nil {
			return err
		}
		checks = append(checks, cs...)
	}
	cs, err := qualityChecks(ctx, b, hist, set)
	if err != nil {
		return err
	}
	checks = append(checks, cs...)
	cs, err = modelChecks(ctx, b, hist, set)
	if err != nil {
		return err
	}
	checks = append(checks, cs...)
	cs, err = segmentChecks(ctx, b)
	if err != nil {
		return err
	}
	checks = append(checks, cs...)
	for _, c := range checks {
		if c.alert() && !c.raised {
			dir := "below"
			if c.above {
				dir = "above"
			}
			b.Alert("monitoring: %s of %s is %.4g, %s the threshold %.4g (%s)", c.metric, c.subject, c.value, dir, c.bound, c.detail)
		}
	}
	return b.Out.WriteFrame(MonitoringTable, checkFrame(checks))
}

// previousRun returns the latest published as-of date before asOf, or "".
func previousRun(root, asOf string) string {
	entries, _ := os.ReadDir(filepath.Join(root, RunsTable))
	prev := ""
	for _, e := range entries {
		d, ok := strings.CutPrefix(e.Name(), "as_of=")
		if !ok || d >= asOf {
			continue
		}
		if _, err := os.Stat(filepath.Join(root, RunsTable, e.Name(), "_SUCCESS")); err == nil && d > prev {
			prev = d
		}
	}
	return prev
}

// recentHistory returns the history rows of the last n runs before asOf.
func recentHistory(ctx context.Context, db *engine.DB, root, asOf string, n int) (*frame.Frame, error) {
	dates, files := historyFiles(root)
	var keep []string
	for i := len(dates) - 1; i >= 0 && len(keep) < n; i-- {
		if dates[i] < asOf {
			keep = append(keep, engine.Quote(files[i]))
		}
	}
	if len(keep) == 0 {
		return &frame.Frame{}, nil
	}
	return db.QueryFrame(ctx, fmt.Sprintf("SELECT * FROM read_parquet([%s], hive_partitioning=false, union_by_name=true) ORDER BY as_of",
		strings.Join(keep, ", ")))
}

// median returns the median of the finite values of column name of f (a
// ratio num/den when den is given), with their count; NaN when none.
func median(f *frame.Frame, num, den string) (float64, int64) {
	x, err := f.Floats(num)
	if err != nil {
		return math.NaN(), 0
	}
	var d []float64
	if den != "" {
		if d, err = f.Floats(den); err != nil {
			return math.NaN(), 0
		}
	}
	var v []float64
	for i, xi := range x {
		if d != nil {
			if !(d[i] > 0) {
				continue
			}
			xi /= d[i]
		}
		if !math.IsNaN(xi) && !math.IsInf(xi, 0) {
			v = append(v, xi)
		}
	}
	if len(v) == 0 {
		return math.NaN(), 0
	}
	sort.Float64s(v)
	m := v[len(v)/2]
	if len(v)%2 == 0 {
		m = (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	return m, int64(len(v))
}

func checkFrame(checks []check) *frame.Frame {
	n := len(checks)
	metric, subject, status, detail := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	value, baseline, bound := make([]float64, n), make([]float64, n), make([]float64, n)
	runs := make([]int64, n)
	for i, c := range checks {
		metric[i], subject[i], detail[i] = c.metric, c.subject, c.detail
		value[i], baseline[i], bound[i], runs[i] = c.value, c.baseline, c.bound, c.runs
		status[i] = "ok"
		if c.alert() {
			status[i] = "alert"
		}
	}
	f := &frame.Frame{}
	f.Add(frame.NewString("metric", metric, nil))
	f.Add(frame.NewString("subject", subject, nil))
	f.Add(frame.NewFloat("value", value))
	f.Add(frame.NewFloat("baseline", baseline))
	f.Add(frame.NewFloat("threshold", bound))
	f.Add(frame.NewString("status", status, nil))
	f.Add(frame.NewInt("baseline_runs", runs, nil))
	f.Add(frame.NewString("detail", detail, nil))
	return f
}

// tableColumns lists the columns of a Parquet file.
func tableColumns(ctx context.Context, db *engine.DB, file string) (map[string]bool, error) {
	names, err := db.Strings(ctx, fmt.Sprintf("SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet(%s, hive_partitioning=false))", engine.Quote(file)))
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, n := range names {
		out[n] = true
	}
	return out, nil
}

// readFloats reads columns of a Parquet file as float64 (nulls as NaN).
func readFloats(ctx context.Context, db *engine.DB, file string, cols []string) (*frame.Frame, error) {
	sel := make([]string, len(cols))
	for i, c := range cols {
		sel[i] = fmt.Sprintf("CAST(%s AS DOUBLE) AS %s", engine.Ident(c), engine.Ident(c))
	}
	return db.QueryFrame(ctx, fmt.Sprintf("SELECT %s FROM read_parquet(%s, hive_partitioning=false)", strings.Join(sel, ", "), engine.Quote(file)))
}

// driftChecks computes the PSI of DriftColumns and the null shares of
// NullColumns against the previous run prev.
func driftChecks(ctx context.Context, b *batch.Batch, root, prev string, set config.Monitoring) ([]check, error) {
	var out []check
	prevFile := filepath.Join(root, "customers", "as_of="+prev, "part-0.parquet")
	if _, err := os.Stat(prevFile); err != nil || b.Customers == nil {
		return nil, nil
	}
	have, err := tableColumns(ctx, b.DB, prevFile)
	if err != nil {
		return nil, err
	}
	var cols []string
	for _, c := range DriftColumns {
		if col := b.Customers.Col(c); have[c] && col != nil && (col.Kind == frame.Float64 || col.Kind == frame.Int64) {
			cols = append(cols, c)
		}
	}
	if len(cols) > 0 {
		pf, err := readFloats(ctx, b.DB, prevFile, cols)
		if err != nil {
			return nil, err
		}
		for _, c := range cols {
			cur, _ := b.Customers.Floats(c)
			old, _ := pf.Floats(c)
			out = append(out, psiCheck("customers."+c, old, cur, prev, set))
		}
	}
	// Lead scores live in their own table.
	prevLeads := filepath.Join(root, "lead_scores", "as_of="+prev, "part-0.parquet")
	if cur := b.Out.Staged("lead_scores"); cur != "" && b.Customers.Col("lead_score") == nil {
		if _, err := os.Stat(prevLeads); err == nil {
			pf, err := readFloats(ctx, b.DB, prevLeads, []string{"lead_score"})
			if err != nil {
				return nil, err
			}
			cf, err := readFloats(ctx, b.DB, cur, []string{"lead_score"})
			if err != nil {
				return nil, err
			}
			old, _ := pf.Floats("lead_score")
			now, _ := cf.Floats("lead_score")
			out = append(out, psiCheck("lead_scores.lead_score", old, now, prev, set))
		}
	}
	for _, c := range NullColumns {
		col := b.Customers.Col(c)
		if col == nil || !have[c] || b.Customers.Len() == 0 {
			continue
		}
		nulls := 0
		for i := 0; i < col.Len(); i++ {
			if col.IsNull(i) {
				nulls++
			}
		}
		share := float64(nulls) / float64(col.Len())
		q := fmt.Sprintf("SELECT CAST(avg(CASE WHEN %s IS NULL THEN 1 ELSE 0 END) AS DOUBLE) AS s FROM read_parquet(%s, hive_partitioning=false)", engine.Ident(c), engine.Quote(prevFile))
		pf, err := b.DB.QueryFrame(ctx, q)
		if err != nil {
			return nil, err
		}
		old := pf.Col("s").Floats[0]
		out = append(out, check{metric: "null_share", subject: "customers." + c, value: share, baseline: old, bound: old + set.NullShareIncrease,
			runs: 1, above: true, detail: "against the run of " + prev})
	}
	return out, nil
}

// minPSIValues is the fewest values on each side for a PSI that can alert:
// with fewer, sampling noise alone pushes it past the usual thresholds (a
// model refitted on a few hundred leads shifts its scores by that much).
const minPSIValues = 1000

func psiCheck(subject string, old, cur []float64, prev string, set config.Monitoring) check {
	r := drift.PSI(old, cur, psiBins, drift.DefaultFloor)
	c := check{metric: "psi", subject: subject, value: r.PSI, baseline: math.NaN(), bound: set.PSIAlert, runs: 1, above: true,
		detail: fmt.Sprintf("%d quantile bins of the run of %s (%d values) against %d values; mean %.4g -> %.4g",
			len(r.Expected), prev, r.N, r.M, mean(old), mean(cur))}
	if r.N < minPSIValues || r.M < minPSIValues {
		c.bound = math.NaN()
		c.detail += fmt.Sprintf("; fewer than %d values on a side, so no alert", minPSIValues)
	}
	return c
}

func mean(x []float64) float64 {
	s, n := 0.0, 0
	for _, v := range x {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			s += v
			n++
		}
	}
	return s / float64(n)
}

// qualityChecks compares each input table's reject share and accepted rows
// with the recent runs.
func qualityChecks(ctx context.Context, b *batch.Batch, hist *frame.Frame, set config.Monitoring) ([]check, error) {
	rej, err := b.DB.QueryFrame(ctx, `SELECT table_name, count(*) FILTER (WHERE rule <> 'after_as_of') AS rejected,
		count(*) FILTER (WHERE rule = 'after_as_of') AS after FROM rejects GROUP BY table_name`)
	if err != nil {
		return nil, fmt.Errorf("monitoring: counting the rejects: %w", err)
	}
	rejected, after := map[string]int64{}, map[string]int64{}
	for i := 0; i < rej.Len(); i++ {
		t := rej.Col("table_name").Strings[i]
		rejected[t], after[t] = rej.Col("rejected").Ints[i], rej.Col("after").Ints[i]
	}
	var out []check
	for _, t := range config.Contract {
		acc, ok := b.Accepted[t.Name]
		if !ok {
			continue
		}
		read := acc + rejected[t.Name] + after[t.Name]
		share := 0.0
		if read > 0 {
			share = float64(rejected[t.Name]) / float64(read)
		}
		base, n := median(hist, t.Name+"_rejected", t.Name+"_read")
		out = append(out, check{metric: "reject_share", subject: t.Name, value: share, baseline: base, bound: base + set.RejectShareIncrease,
			runs: n, above: true, detail: fmt.Sprintf("%d of %d rows rejected; baseline: median of %d runs", rejected[t.Name], read, n)})
		vbase, vn := median(hist, t.Name+"_accepted", "")
		out = append(out, check{metric: "volume", subject: t.Name, value: float64(acc), baseline: vbase, bound: (1 - set.VolumeDrop) * vbase,
			runs: vn, detail: fmt.Sprintf("accepted rows; baseline: median of %d runs", vn)})
	}
	return out, nil
}

// modelChecks compares the headline model metrics with the recent runs.
func modelChecks(ctx context.Context, b *batch.Batch, hist *frame.Frame, set config.Monitoring) ([]check, error) {
	mm, err := readModelMetrics(ctx, b.DB, b.Out.Staged)
	if err != nil {
		return nil, fmt.Errorf("monitoring: %w", err)
	}
	var out []check
	add := func(metric, subject, histCol string, v float64, bound func(base float64) float64, above bool) {
		if math.IsNaN(v) {
			return
		}
		base, n := median(hist, histCol, "")
		out = append(out, check{metric: metric, subject: subject, value: v, baseline: base, bound: bound(base), runs: n, above: above,
			detail: fmt.Sprintf("baseline: median of %d runs (runs.%s)", n, histCol)})
	}
	add("holdout_rmse", "clv", "clv_holdout_rmse", mm.HoldoutRMSE, func(m float64) float64 { return m * (1 + set.RMSEIncrease) }, true)
	add("ll_per_customer", "clv", "clv_ll_per_customer", mm.LLPerCustomer, func(m float64) float64 { return m - set.LLDrop*math.Abs(m) }, false)
	aucBound := func(m float64) float64 { return m - set.AUCDrop }
	add("auc", "churn", "churn_auc", mm.ChurnAUC, aucBound, false)
	add("auc", "leads", "leads_auc", mm.LeadsAUC, aucBound, false)
	add("auc", "opportunities", "opportunities_auc", mm.OpportunityAUC, aucBound, false)
	return out, nil
}

// segmentChecks adds a row per segment marked export_on_run that failed in
// this run (the segments stage raised its alert): metric segment_export,
// value 1 for a failure against a threshold of 0.
func segmentChecks(ctx context.Context, b *batch.Batch) ([]check, error) {
	file := b.Out.Staged("segment_sizes")
	if file == "" {
		return nil, nil
	}
	f, err := b.DB.QueryFrame(ctx, fmt.Sprintf("SELECT segment, error FROM read_parquet(%s, hive_partitioning=false) WHERE status = 'failed' ORDER BY segment", engine.Quote(file)))
	if err != nil {
		return nil, fmt.Errorf("monitoring: reading segment_sizes: %w", err)
	}
	var out []check
	for i := 0; i < f.Len(); i++ {
		out = append(out, check{metric: "segment_export", subject: f.Col("segment").Strings[i], value: 1, baseline: math.NaN(), bound: 0, above: true,
			detail: "export_on_run failed: " + f.Col("error").Strings[i], raised: true})
	}
	return out, nil
}
