package pipelines_test

import (
	"errors"
	"fmt"
	"math"
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

// The CDNOW sample through the config in testdata/cdnow (weeks, calibration
// ending 1997-09-30, same-day purchases merged) gives the frequency, recency
// and T of lifetimes' cdnow_customers_summary.csv for all 2,357 customers.
// The summary rounds recency and T to 2 decimals.
func TestCDNOWSummaryMatchesLifetimes(t *testing.T) {
	cfg, m, err := runTestConfig(t, "../testdata/cdnow/crmbatch.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	orders := inputOf(m, "orders")
	if orders.Read != 6919 || orders.Accepted+orders.Excluded != 6919 || orders.Rejected != 0 {
		t.Errorf("orders read/accepted/after_as_of/rejected = %d/%d/%d/%d, want 6919 = accepted + after_as_of, 0 rejected", orders.Read, orders.Accepted, orders.Excluded, orders.Rejected)
	}
	sum, _ := filepath.Abs("../testdata/cdnow/cdnow_customers_summary.csv")
	f := query(t, fmt.Sprintf(`SELECT count(*) AS n,
		count(*) FILTER (WHERE c.frequency <> s.frequency) AS bad_f,
		count(*) FILTER (WHERE abs(c.recency - s.recency) > 0.0051) AS bad_r,
		count(*) FILTER (WHERE abs(c.T - s.T) > 0.0051) AS bad_t,
		max(abs(c.recency - s.recency)) AS max_r
	FROM read_parquet(%s) c JOIN read_csv(%s) s ON CAST(s.ID AS VARCHAR) = c.customer_id`,
		engine.Quote(published(cfg, "customers", "1997-09-30")), engine.Quote(sum)))
	n, badF, badR, badT := f.Col("n").Ints[0], f.Col("bad_f").Ints[0], f.Col("bad_r").Ints[0], f.Col("bad_t").Ints[0]
	if n != 2357 || badF != 0 || badR != 0 || badT != 0 {
		t.Errorf("joined %d customers (want 2357); mismatches: frequency %d, recency %d (max diff %g), T %d", n, badF, badR, f.Col("max_r").Floats[0], badT)
	}
}

// A Lithuanian export (Windows-1257, ';', decimal comma, dd.mm.yyyy) and a
// UTF-16 customer list with Bengali, Urdu and Lithuanian names: names
// survive byte for byte into the published Parquet, amounts parse, and the
// two bad lines are quarantined with their line numbers.
func TestEncodingsRoundTrip(t *testing.T) {
	cfg, m, err := runTestConfig(t, "../testdata/encodings/crmbatch.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	f := query(t, fmt.Sprintf("SELECT customer_id, name, revenue, favourite_category, email_valid FROM read_parquet(%s) ORDER BY customer_id", engine.Quote(published(cfg, "customers", "2024-03-31"))))
	want := []struct {
		id, name, cat string
		revenue       float64
		emailOK       bool
	}{
		{"K1", "Žydrūnė Šimkutė", "Knygos ir žurnalai", 20.49, true},
		{"K2", "আরিফ হোসেন", "Sodo įrankiai", 1234.05, true},
		{"K3", "عائشہ خان", "Šviestuvai", 19, true},
		{"K4", "Ąžuolas Čepulis", "", math.NaN(), false},
	}
	if f.Len() != len(want) {
		t.Fatalf("%d customers, want %d", f.Len(), len(want))
	}
	for i, w := range want {
		if got := f.Col("name").Strings[i]; got != w.name || f.Col("customer_id").Strings[i] != w.id {
			t.Errorf("row %d: %s %q, want %s %q (bytes % x)", i, f.Col("customer_id").Strings[i], got, w.id, w.name, []byte(got))
		}
		if got := f.Col("revenue").Floats[i]; !(math.Abs(got-w.revenue) < 1e-9 || math.IsNaN(w.revenue) && f.Col("revenue").IsNull(i)) {
			t.Errorf("%s revenue = %v, want %v", w.id, got, w.revenue)
		}
		if c := f.Col("favourite_category"); w.cat != "" && c.Strings[i] != w.cat {
			t.Errorf("%s favourite_category = %q, want %q", w.id, c.Strings[i], w.cat)
		}
		if got := f.Col("email_valid").Bools[i]; got != w.emailOK {
			t.Errorf("%s email_valid = %v, want %v", w.id, got, w.emailOK)
		}
	}
	rej := query(t, fmt.Sprintf("SELECT line, rule, column_name, source_file, record FROM read_parquet(%s) ORDER BY line", engine.Quote(published(cfg, "rejects", "2024-03-31"))))
	if rej.Len() != 2 || rej.Col("line").Ints[0] != 6 || rej.Col("line").Ints[1] != 7 {
		t.Fatalf("rejects %v, want lines 6 and 7", rej.Col("line").Ints)
	}
	if !strings.HasSuffix(rej.Col("source_file").Strings[0], "orders_lt_cp1257.csv") || rej.Col("record").Strings[1] != "A-6;K4;10.01.2024;Ūkio prekės;1;abc" {
		t.Errorf("reject names %q with record %q", rej.Col("source_file").Strings[0], rej.Col("record").Strings[1])
	}
	if o := inputOf(m, "orders"); o.Read != 6 || o.Accepted != 4 || o.Rejected != 2 {
		t.Errorf("orders read/accepted/rejected = %d/%d/%d, want 6/4/2", o.Read, o.Accepted, o.Rejected)
	}
	if c := inputOf(m, "customers"); c.Flags["email_malformed"] != 1 {
		t.Errorf("email_malformed flags = %d, want 1", c.Flags["email_malformed"])
	}
}

// Generated data with planted dirty rows: every planted row is quarantined
// under the rule it was planted for, nothing else is, and read = accepted +
// rejected + after_as_of for every table.
func TestGeneratedRejectsMatchTruth(t *testing.T) {
	dir := t.TempDir()
	asOf := time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)
	truth, err := gen.Write(dir, gen.Options{Customers: 3000, Seed: 7, AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "crmbatch.yaml"), config.GeneratedYAML(asOf.AddDate(0, 0, -1), "out"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, m, err := runTestConfig(t, filepath.Join(dir, "crmbatch.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"customers", "orders", "interactions", "leads", "opportunities", "subscriptions"} {
		in := inputOf(m, name)
		file := name + ".csv"
		if in.Read != truth.Rows[file] {
			t.Errorf("%s: read %d rows, the file has %d", name, in.Read, truth.Rows[file])
		}
		if in.Read != in.Accepted+in.Rejected+in.Excluded {
			t.Errorf("%s: read %d != accepted %d + rejected %d + after_as_of %d", name, in.Read, in.Accepted, in.Rejected, in.Excluded)
		}
		if got := in.Rejected + in.Excluded; got != truth.Rejects[file] {
			t.Errorf("%s: quarantined %d rows (%v), truth planted %d (%v)", name, got, in.Rules, truth.Rejects[file], truth.Dirty[file])
		}
	}
	o := inputOf(m, "orders")
	d := truth.Dirty["orders.csv"]
	if o.Rules["not_finite"] != d["revenue_nan"]+d["revenue_inf"] || o.Rules["after_as_of"] != d["ts_after_as_of"] ||
		o.Rules["unknown_customer"] != d["unknown_customer"] || o.Rules["missing_required"] != d["empty_customer_id"] ||
		o.Rules["unreadable_value"] != d["unparseable_date"]+d["unparseable_revenue"] {
		t.Errorf("orders rules %v do not match the planted kinds %v", o.Rules, d)
	}
	if c := inputOf(m, "customers"); c.Flags["email_malformed"] != truth.Dirty["customers.csv"]["malformed_email"] {
		t.Errorf("email_malformed flags %d, planted %d", c.Flags["email_malformed"], truth.Dirty["customers.csv"]["malformed_email"])
	}
}

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// A required column that no source column provides stops the run before
// anything is published, naming the table, the file and the column.
func TestMissingRequiredColumnStopsRun(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "orders.csv", "customer_id,order_ts,amount\n1,2024-01-01,3.5\n")
	cfgPath := writeFile(t, dir, "c.yaml", "as_of: 2024-02-01\nsources:\n  orders: {files: [orders.csv]}\n")
	cfg, _, err := runTestConfig(t, cfgPath, nil)
	var ie *pipelines.InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "revenue") || !strings.Contains(err.Error(), "orders.csv") {
		t.Fatalf("error %v: want an InputError naming revenue and orders.csv", err)
	}
	if _, err := os.Stat(filepath.Join(cfg.OutputRoot(), "customers")); !os.IsNotExist(err) {
		t.Errorf("customers output exists after a failed run")
	}
}

// Over max_reject_share the run fails with a RejectError and publishes
// nothing; the previously published run stays as it was.
func TestRejectThresholdKeepsLastGoodRun(t *testing.T) {
	dir := t.TempDir()
	orders := writeFile(t, dir, "orders.csv", "customer_id,order_ts,revenue\n1,2024-01-01,3.5\n2,2024-01-02,4\n")
	cfgPath := writeFile(t, dir, "c.yaml", "as_of: 2024-02-01\nmax_reject_share: 0.2\nsources:\n  orders: {files: [orders.csv]}\n")
	out := t.TempDir()
	edit := func(c *config.Config) { c.Output = out }
	cfg, _, err := runTestConfig(t, cfgPath, edit)
	if err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(published(cfg, "customers", "2024-02-01"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(orders, []byte("customer_id,order_ts,revenue\n1,2024-01-01,x\n2,2024-01-02,4\n3,2024-01-03,5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err = runTestConfig(t, cfgPath, edit)
	var re *pipelines.RejectError
	if !errors.As(err, &re) || re.Rejected != 1 || re.Read != 3 {
		t.Fatalf("error %v: want a RejectError with 1 of 3 rejected", err)
	}
	after, err := os.ReadFile(published(cfg, "customers", "2024-02-01"))
	if err != nil || string(after) != string(good) {
		t.Errorf("the last good customers output changed after a failed run (err %v)", err)
	}
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		if e.Name() == "_staging" || e.Name() == "_trash" {
			t.Errorf("%s left behind in the output root", e.Name())
		}
	}
}
