package pipelines_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/pipelines/config"
)

// Every reject names the physical line of the file (what grep -n shows),
// also after quoted fields that hold line breaks and after blank lines, and
// its record is the row as it stands in the file. testdata/lines/orders.csv
// mixes all of them; the lines below were read off `cat -n`.
func TestRejectLinesArePhysical(t *testing.T) {
	cfg, m, err := runTestConfig(t, "../testdata/lines/crmbatch.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		line         int64
		rule, record string
	}{
		{5, "unreadable_value", "O2,1,C2,2024-01-03,Books,abc"},
		{9, "missing_required", "O4,1,,2024-01-05,Books,3"},
		{12, "unknown_customer", "O5,1,C9,2024-01-06,Books,4"},
		{13, "malformed_line", "O6,1,C2,2024-01-07,Books,5,extra"},
		{16, "duplicate_key", "O7,1,C2,2024-01-09,Books,6"},
	}
	rej := query(t, fmt.Sprintf("SELECT line, rule, reason, record FROM read_parquet(%s) WHERE table_name = 'orders' ORDER BY line", engine.Quote(published(cfg, "rejects", "2024-03-31"))))
	if rej.Len() != len(want) {
		t.Fatalf("%d rejects (lines %v, rules %v), want %d", rej.Len(), rej.Col("line").Ints, rej.Col("rule").Strings, len(want))
	}
	for i, w := range want {
		if got := rej.Col("line").Ints[i]; got != w.line {
			t.Errorf("reject %d: line %d, want %d", i, got, w.line)
		}
		if got := rej.Col("rule").Strings[i]; got != w.rule {
			t.Errorf("line %d: rule %s, want %s", w.line, got, w.rule)
		}
		if got := rej.Col("record").Strings[i]; got != w.record {
			t.Errorf("line %d: record %q, want %q", w.line, got, w.record)
		}
	}
	if r := rej.Col("reason").Strings[4]; !strings.Contains(r, "first seen at line 14") {
		t.Errorf("duplicate reason %q does not point at line 14", r)
	}
	if r := rej.Col("reason").Strings[0]; !strings.Contains(r, "revenue") || !strings.Contains(r, "abc") {
		t.Errorf("unreadable reason %q does not name the column and value", r)
	}
	o := inputOf(m, "orders")
	if o.Read != 8 || o.Accepted != 3 || o.Rejected != 5 {
		t.Errorf("orders read/accepted/rejected %d/%d/%d, want 8/3/5", o.Read, o.Accepted, o.Rejected)
	}
}

// A gzip file cut short stops the run naming the file: DuckDB alone would
// load its readable part without a word.
func TestTruncatedGzipStopsRun(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	fmt.Fprintln(zw, "order_id,line_no,customer_id,order_ts,revenue")
	for i := 0; i < 20000; i++ {
		fmt.Fprintf(zw, "O%d,1,C%d,2024-01-02,%d.5\n", i, i%50, i%7)
	}
	zw.Close()
	writeFile(t, dir, "orders.csv.gz", string(buf.Bytes()[:buf.Len()/2]))
	cfgPath := writeFile(t, dir, "crmbatch.yaml", "as_of: 2024-03-31\noutput: out\nsources:\n  orders: {files: [orders.csv.gz]}\n")
	_, _, err := runTestConfig(t, cfgPath, func(*config.Config) {})
	if err == nil {
		t.Fatal("a truncated orders.csv.gz was loaded without an error")
	}
	if !strings.Contains(err.Error(), "orders.csv.gz") || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("error %q does not name the file and say it is truncated", err)
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "out")); len(entries) > 0 {
		for _, e := range entries {
			if e.Name() == "orders" {
				t.Errorf("something was published after a truncated input")
			}
		}
	}
}
