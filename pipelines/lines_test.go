package pipelines_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/pipelines"
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

// Hostile CSV through the whole ingest: valid order lines with random
// broken ones among them (stray and doubled quotes, quoted line breaks,
// blank lines, CRLF, CRLF and LF in one file). Every run loads without losing a record: read =
// accepted + rejected + after_as_of, every reject names a line of the
// file, and every valid line that no quote can reach is accepted.
func TestHostileCSVKeepsEveryLine(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	junk := []string{`"`, `""`, `,`, `x`, `"a`, `b"`, "\n", ` "`, `" `, `"q"z`}
	n := 30
	if testing.Short() {
		n = 5
	}
	for i := 0; i < n; i++ {
		dir := t.TempDir()
		var b strings.Builder
		b.WriteString("order_id,customer_id,order_ts,revenue\n")
		safe := 0
		for j := 0; j < 60; j++ {
			if rng.IntN(6) == 0 {
				for k := 0; k < 1+rng.IntN(5); k++ {
					b.WriteString(junk[rng.IntN(len(junk))])
				}
				b.WriteString("\n")
				continue
			}
			fmt.Fprintf(&b, "O%d-%d,C%d,2024-01-%02d,%d.5\n", i, j, j%7, 1+j%28, j)
		}
		text := b.String()
		switch i % 3 {
		case 1:
			text = strings.ReplaceAll(text, "\n", "\r\n")
		case 2: // CRLF and LF both: files appended to one another
			text = strings.Replace(text, "\n", "\r\n", 20)
		}
		if !strings.Contains(text, `"`) {
			safe = 60
		}
		writeFile(t, dir, "orders.csv", text)
		cfgPath := writeFile(t, dir, "c.yaml", "as_of: 2024-03-31\nmax_reject_share: 1\nsources:\n  orders: {files: [orders.csv]}\n")
		cfg, err := config.Load(cfgPath)
		if err != nil {
			t.Fatal(err)
		}
		m, err := pipelines.Run(context.Background(), pipelines.Options{Config: cfg, ValidateOnly: true})
		if err != nil {
			t.Errorf("file %d: %v\n%q", i, err, text)
			continue
		}
		o := inputOf(m, "orders")
		if o.Read != o.Accepted+o.Rejected+o.Excluded {
			t.Errorf("file %d: read %d != %d + %d + %d", i, o.Read, o.Accepted, o.Rejected, o.Excluded)
		}
		if o.Accepted < int64(safe) {
			t.Errorf("file %d: %d accepted, want every one of %d valid lines", i, o.Accepted, safe)
		}
		physical := int64(strings.Count(text, "\n"))
		for _, s := range m.RejectSamples {
			if s.Line < 2 || s.Line > physical {
				t.Errorf("file %d: reject at line %d, the file has %d lines", i, s.Line, physical)
			}
		}
	}
}

// A transaction log's guest lines (no customer) are left out by the
// source's where: counted as filtered, not quarantined, and not counted
// against max_reject_share (issue 12 item 9).
func TestSourceWhereFilters(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "orders.csv", "InvoiceNo,CustomerID,InvoiceDate,Amount\n"+
		"A1,17850,2024-01-02,10\nA2,,2024-01-02,5\nA3,17850,2024-01-05,7\nA4,,2024-01-06,3\nA5,13047,2024-01-07,abc\nA6,13047,2024-01-08,4\n")
	cfgPath := writeFile(t, dir, "crmbatch.yaml", `as_of: 2024-03-31
max_reject_share: 0.2
clv: {holdout_days: 0}
sources:
  orders:
    files: [orders.csv]
    where: CustomerID IS NOT NULL
    columns: {order_id: InvoiceNo, customer_id: CustomerID, order_ts: InvoiceDate, revenue: Amount}
`)
	cfg, m, err := runTestConfig(t, cfgPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	o := inputOf(m, "orders")
	if o.Read != 6 || o.Accepted != 3 || o.Rejected != 1 || o.Filtered != 2 || o.Read != o.Accepted+o.Rejected+o.Excluded+o.Filtered {
		t.Errorf("read/accepted/rejected/filtered %d/%d/%d/%d, want 6/3/1/2", o.Read, o.Accepted, o.Rejected, o.Filtered)
	}
	if f := o.Files[0]; f.Filtered != 2 || f.Read != 6 || f.Accepted != 3 {
		t.Errorf("file counts read %d accepted %d filtered %d, want 6, 3, 2", f.Read, f.Accepted, f.Filtered)
	}
	r := query(t, fmt.Sprintf("SELECT line, rule FROM read_parquet(%s)", engine.Quote(published(cfg, "rejects", "2024-03-31"))))
	if r.Len() != 1 || r.Col("line").Ints[0] != 6 || r.Col("rule").Strings[0] != "unreadable_value" {
		t.Errorf("rejects %v %v, want only line 6 unreadable_value (filtered rows are not rejects)", r.Col("line").Ints, r.Col("rule").Strings)
	}
}
