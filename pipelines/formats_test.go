package pipelines_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crmbatch/crmbatch/engine"
)

// The same CDNOW transactions read as CSV, Parquet and newline-delimited
// JSON give the same customer table; a bad JSON value is quarantined with
// its line.
func TestParquetAndJSONSources(t *testing.T) {
	dir := t.TempDir()
	db, err := engine.Open(context.Background(), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	src, _ := filepath.Abs("../testdata/cdnow/cdnowElog.csv")
	pq, js := filepath.Join(dir, "orders.parquet"), filepath.Join(dir, "orders.json")
	for _, q := range []string{
		fmt.Sprintf("COPY (SELECT CAST(sampleid AS VARCHAR) AS customer_id, strptime(CAST(date AS VARCHAR), '%%Y%%m%%d') AS order_ts, sales AS revenue FROM read_csv(%s)) TO %s (FORMAT PARQUET)", engine.Quote(src), engine.Quote(pq)),
		fmt.Sprintf("COPY (SELECT CAST(sampleid AS VARCHAR) AS customer_id, strftime(strptime(CAST(date AS VARCHAR), '%%Y%%m%%d'), '%%Y-%%m-%%d') AS order_ts, CASE WHEN n = 10 THEN 'lots' ELSE CAST(sales AS VARCHAR) END AS revenue FROM (SELECT *, row_number() OVER () AS n FROM read_csv(%s)) ORDER BY n) TO %s (FORMAT JSON)", engine.Quote(src), engine.Quote(js)),
	} {
		if err := db.Exec(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	sums := map[string][2]float64{}
	for _, c := range []struct{ name, file string }{{"parquet", "orders.parquet"}, {"json", "orders.json"}} {
		cfgPath := writeFile(t, dir, c.name+".yaml", fmt.Sprintf("as_of: 1997-09-30\ntime_unit: weeks\nclv: {holdout_days: 0}\nsources:\n  orders: {files: [%s]}\n", c.file))
		cfg, m, err := runTestConfig(t, cfgPath, nil)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		o := inputOf(m, "orders")
		if o.Read != 6919 || o.Read != o.Accepted+o.Rejected+o.Excluded {
			t.Errorf("%s: read %d = %d + %d + %d?", c.name, o.Read, o.Accepted, o.Rejected, o.Excluded)
		}
		f := query(t, fmt.Sprintf("SELECT count(*) AS n, CAST(sum(frequency) AS BIGINT) AS x, sum(T) AS t FROM read_parquet(%s)", engine.Quote(published(cfg, "customers", "1997-09-30"))))
		sums[c.name] = [2]float64{float64(f.Col("x").Ints[0]), f.Col("t").Floats[0]}
		if c.name == "json" {
			if o.Rejected != 1 {
				t.Errorf("json: %d rows rejected, want the one 'lots' revenue", o.Rejected)
			}
			r := query(t, fmt.Sprintf("SELECT line, rule FROM read_parquet(%s)", engine.Quote(published(cfg, "rejects", "1997-09-30"))))
			found := false
			for i := 0; i < r.Len(); i++ {
				found = found || (r.Col("line").Ints[i] == 10 && r.Col("rule").Strings[i] == "unreadable_value")
			}
			if !found {
				t.Errorf("json: the bad value on line 10 is not quarantined as unreadable_value")
			}
		}
	}
	// lifetimes' summary: sum(x) = 2,457 over the 2,357 customers.
	if sums["parquet"][0] != 2457 {
		t.Errorf("parquet: sum of frequency %v, want 2457", sums["parquet"][0])
	}
}

// NDJSON as exports break it: a line that is not JSON, a blank line, and a
// nested object where text belongs. Each bad line is one reject with its
// physical line; every other row is kept, its text read as plain text.
func TestNDJSONBadLines(t *testing.T) {
	dir := t.TempDir()
	lines := []string{
		`{"customer_id": "C1", "order_ts": "2024-01-02", "revenue": 10}`,
		`{"customer_id": "C2", "order_ts": "2024-01-03", "revenue": 11}`,
		`{"customer_id": "C3", "order_ts": "2024-01-04", "revenue": 12`, // cut off: line 3
		``,
		`{"customer_id": {"id": "C1"}, "order_ts": "2024-01-05", "revenue": 13}`, // nested: line 5
		`{"customer_id": "C4", "order_ts": "2024-01-06", "revenue": 14}`,
		`not json at all`, // line 7
		`{"customer_id": "C5", "order_ts": "2024-01-07", "revenue": 15}`,
	}
	writeFile(t, dir, "orders.ndjson", strings.Join(lines, "\n")+"\n")
	cfgPath := writeFile(t, dir, "crmbatch.yaml", "as_of: 2024-03-31\nmax_reject_share: 0.9\nclv: {holdout_days: 0}\nsources:\n  orders: {files: [orders.ndjson]}\n")
	cfg, m, err := runTestConfig(t, cfgPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	o := inputOf(m, "orders")
	if o.Read != 7 || o.Accepted != 4 || o.Rejected != 3 {
		t.Errorf("read/accepted/rejected %d/%d/%d, want 7/4/3 (blank line not a row)", o.Read, o.Accepted, o.Rejected)
	}
	r := query(t, fmt.Sprintf("SELECT line, rule, record FROM read_parquet(%s) ORDER BY line", engine.Quote(published(cfg, "rejects", "2024-03-31"))))
	want := []struct {
		line int64
		rule string
	}{{3, "malformed_line"}, {5, "unreadable_value"}, {7, "malformed_line"}}
	if r.Len() != len(want) {
		t.Fatalf("rejects at lines %v (%v), want 3, 5, 7", r.Col("line").Ints, r.Col("rule").Strings)
	}
	for i, w := range want {
		if r.Col("line").Ints[i] != w.line || r.Col("rule").Strings[i] != w.rule {
			t.Errorf("reject %d: line %d %s, want line %d %s", i, r.Col("line").Ints[i], r.Col("rule").Strings[i], w.line, w.rule)
		}
	}
	if got := r.Col("record").Strings[2]; got != "not json at all" {
		t.Errorf("line 7 record %q, want the line as in the file", got)
	}
	c := query(t, fmt.Sprintf("SELECT string_agg(customer_id, ',' ORDER BY customer_id) AS ids FROM read_parquet(%s)", engine.Quote(published(cfg, "customers", "2024-03-31"))))
	if got := c.Col("ids").Strings[0]; got != "C1,C2,C4,C5" {
		t.Errorf("customers %q, want C1,C2,C4,C5 (plain text, no JSON quotes)", got)
	}
}
