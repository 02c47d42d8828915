package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/pipelines"
	"github.com/crmbatch/crmbatch/pipelines/config"
	"github.com/crmbatch/crmbatch/pipelines/gen"
)

// cli runs crmbatch with args and returns its output and exit code.
func cli(t *testing.T, args ...string) (string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	err := (&Main{Stdout: &out, Stderr: &errb}).Run(context.Background(), args)
	code := ExitCode(err)
	if code != ExitOK && code != ExitAlerts {
		t.Fatalf("crmbatch %s: exit %d: %v\n%s\n%s", strings.Join(args, " "), code, err, out.String(), errb.String())
	}
	return out.String(), code
}

// Three nightly runs on one generated data set: a normal night, a night
// whose revenue mapping multiplies every order line by 4 (a deterministic drift of
// revenue and monetary_value, while frequency stays), and a third night
// with retention.keep_runs 2. Checks the runs history, the monitoring table,
// alerts in the manifest and exit code 4, crmbatch runs and publish, the
// catalog from a fresh connection, and the pruning.
func TestNightlyOperations(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 3,000 customers and runs the batch three times")
	}
	heavy(t)
	ctx := context.Background()
	dir := t.TempDir()
	end := time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)
	if _, err := gen.Write(dir, gen.Options{Customers: 3000, Seed: 1, AsOf: end}); err != nil {
		t.Fatal(err)
	}
	d1, d2, d3 := end.AddDate(0, 0, -3).Format(time.DateOnly), end.AddDate(0, 0, -2).Format(time.DateOnly), end.AddDate(0, 0, -1).Format(time.DateOnly)
	base := string(config.GeneratedYAML(end.AddDate(0, 0, -1), "out"))
	shifted := strings.Replace(base, "orders:        {files: [orders.csv]}", `orders:        {files: [orders.csv], columns: {revenue: "revenue * 4"}, types: {revenue: DOUBLE}}`, 1)
	if shifted == base {
		t.Fatal("could not map revenue in the generated config")
	}
	write := func(name, y string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(y), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	plain := write("plain.yaml", base)
	double := write("double.yaml", shifted)
	keep2 := write("keep2.yaml", shifted+"retention: {keep_runs: 2}\n")
	root := filepath.Join(dir, "out")

	if out, code := cli(t, "run", "-config", plain, "-as-of", d1, "-quiet"); code != ExitOK {
		t.Fatalf("first run: exit %d, want 0 (no earlier run, no alert)\n%s", code, out)
	}
	out, code := cli(t, "run", "-config", double, "-as-of", d2, "-quiet", "-full-reload")
	if code != ExitAlerts || !strings.Contains(out, "ALERT: monitoring: psi of customers.revenue") {
		t.Fatalf("revenue x4: exit %d, want %d with a revenue PSI alert\n%s", code, ExitAlerts, out)
	}

	db, err := engine.Open(ctx, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	count := func(q string) int64 {
		t.Helper()
		n, err := db.Int(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	value := func(q string) float64 {
		t.Helper()
		f, err := db.QueryFrame(ctx, q)
		if err != nil || f.Len() != 1 {
			t.Fatalf("%s: %v (%d rows)", q, err, f.Len())
		}
		return f.Cols[0].Floats[0]
	}
	runsGlob := engine.Quote(filepath.Join(root, "runs", "*", "*.parquet"))
	if n := count("SELECT count(*) FROM read_parquet(" + runsGlob + ")"); n != 2 {
		t.Errorf("runs history has %d rows, want 2", n)
	}
	if n := count(fmt.Sprintf("SELECT count(*) FROM read_parquet(%s) WHERE status = 'alert' AND alerts > 0 AND as_of = DATE '%s' AND orders_read > 0 AND customers > 2000", runsGlob, d2)); n != 1 {
		t.Errorf("the second run's history row is not an alert with counts")
	}
	mon := engine.Quote(filepath.Join(pipelines.PartitionDir(root, "monitoring", d2), "part-0.parquet"))
	psi := func(subject string) float64 {
		return value(fmt.Sprintf("SELECT value FROM read_parquet(%s) WHERE metric = 'psi' AND subject = '%s'", mon, subject))
	}
	if p := psi("customers.frequency"); p > 0.01 {
		t.Errorf("PSI of frequency (unchanged orders) = %g, want ~0", p)
	}
	for _, c := range []string{"customers.revenue", "customers.monetary_value"} {
		if p := psi(c); p < 0.25 {
			t.Errorf("PSI of %s (x4) = %g, want > 0.25", c, p)
		}
	}
	if f, err := db.QueryFrame(ctx, fmt.Sprintf("SELECT metric, subject, value, baseline, threshold, status FROM read_parquet(%s)", mon)); err == nil {
		for i := 0; i < f.Len(); i++ {
			t.Logf("monitoring %-16s %-28s %10.4g %10.4g %10.4g %s", f.Col("metric").Strings[i], f.Col("subject").Strings[i],
				f.Col("value").Floats[i], f.Col("baseline").Floats[i], f.Col("threshold").Floats[i], f.Col("status").Strings[i])
		}
	}
	if n := count(fmt.Sprintf("SELECT count(*) FROM read_parquet(%s) WHERE status = 'alert' AND subject = 'customers.frequency'", mon)); n != 0 {
		t.Errorf("frequency alerted")
	}
	var man pipelines.Manifest
	b, err := os.ReadFile(filepath.Join(pipelines.PartitionDir(root, "runs", d2), "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &man); err != nil {
		t.Fatal(err)
	}
	if len(man.Alerts) == 0 || !strings.Contains(strings.Join(man.Alerts, "\n"), "customers.revenue") {
		t.Errorf("manifest alerts %q, want the revenue PSI", man.Alerts)
	}

	listing, _ := cli(t, "runs", "-config", plain)
	t.Logf("crmbatch runs:\n%s", listing)
	if !strings.Contains(listing, d1) || !strings.Contains(listing, "* "+d2) || !strings.Contains(listing, "alert") {
		t.Errorf("crmbatch runs:\n%s", listing)
	}

	// The catalog follows the latest run until publish pins another.
	catalogRevenue := func() float64 {
		t.Helper()
		cat, err := engine.Open(ctx, engine.Options{Path: filepath.Join(root, "catalog.duckdb")})
		if err != nil {
			t.Fatal(err)
		}
		defer cat.Close()
		f, err := cat.QueryFrame(ctx, "SELECT CAST(sum(revenue) AS DOUBLE) AS r FROM customers")
		if err != nil {
			t.Fatal(err)
		}
		return f.Cols[0].Floats[0]
	}
	r2 := catalogRevenue()
	cli(t, "publish", "-config", plain, "-as-of", d1)
	r1 := catalogRevenue()
	if r1 <= 0 || r2/r1 < 3.9 || r2/r1 > 4.1 {
		t.Errorf("catalog revenue %g (latest, revenue x4) vs %g (pinned %s): want a ratio near 4", r2, r1, d1)
	}
	if listing, _ := cli(t, "runs", "-config", plain); !strings.Contains(listing, "* "+d1) {
		t.Errorf("crmbatch runs does not mark the pinned run:\n%s", listing)
	}
	cli(t, "publish", "-config", plain, "-latest")
	if r := catalogRevenue(); r != r2 {
		t.Errorf("after publish -latest the catalog shows revenue %g, want %g", r, r2)
	}
	if err := (&Main{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}}).Run(ctx, []string{"publish", "-config", plain, "-as-of", "2001-01-01"}); ExitCode(err) != ExitUsage {
		t.Errorf("publish of a date without a run: %v, want a usage error", err)
	}

	// Retention: the third run keeps two runs and prunes the first.
	cli(t, "run", "-config", keep2, "-as-of", d3, "-quiet", "-full-reload")
	for _, table := range []string{"customers", "runs", "monitoring", "rejects"} {
		if _, err := os.Stat(pipelines.PartitionDir(root, table, d1)); !os.IsNotExist(err) {
			t.Errorf("%s as of %s survived retention (keep_runs 2): %v", table, d1, err)
		}
		if _, err := os.Stat(pipelines.PartitionDir(root, table, d2)); err != nil {
			t.Errorf("%s as of %s was pruned: %v", table, d2, err)
		}
	}
	if n := count("SELECT count(*) FROM read_parquet(" + runsGlob + ")"); n != 2 {
		t.Errorf("after pruning, the history has %d rows, want 2", n)
	}
}
