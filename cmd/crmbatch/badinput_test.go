package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/pipelines"
)

// badCase is one folder of the bad-input corpus and what a run on it must
// give.
type badCase struct {
	name    string
	codes   []int             // acceptable exit codes
	mention []string          // what an error must name
	rules   map[string]string // table -> a rule its quarantine must use
	// rejects are every quarantined row of a table, by line and rule, in
	// line order (tables not listed are not checked).
	rejects map[string][]rejectAt
	read    map[string]int64            // table -> rows read
	flags   map[string]map[string]int64 // table -> flag -> count
	reason  map[string]string           // table -> what one of its reasons says
	warning string                      // what one of the manifest's warnings says
	note    map[string]string           // table -> what its note says
	// setup writes generated inputs into the case's copy.
	setup func(t *testing.T, dir string)
	// check looks further at a published run.
	check func(t *testing.T, root, asOf string, rejects []rejectRow)
}

// rejectAt is a quarantined row: its line and rule.
type rejectAt struct {
	line int64
	rule string
}

// publishes are the exit codes of a run that published.
var publishes = []int{ExitOK, ExitAlerts}

// The bad-input corpus (../../testdata/badinput, one folder per case with a
// README): every case ends in a clear error (exit 2 or 3, naming the file
// or setting) or publishes with the bad rows quarantined (each with its
// file, line and rule, and read = accepted + rejected + after_as_of per
// table); never a panic, never a NaN or infinity in an output, and the
// input files are byte for byte as they were. Each case runs on a copy of
// its folder; the long-line cases are generated into it. The cases of
// issue 13 assert the exact rejects by line and rule.
func TestBadInputCorpus(t *testing.T) {
	t.Parallel() // its cases are heavy; this test itself only starts them
	cases := []badCase{
		{name: "truncated", codes: publishes, rules: map[string]string{"orders": "malformed_line"}},
		{name: "wrong_types", codes: publishes, rules: map[string]string{"orders": "unreadable_value"}},
		{name: "missing_column", codes: []int{ExitUsage}, mention: []string{"revenue", "orders.csv"}},
		{name: "duplicate_ids", codes: publishes, rules: map[string]string{"customers": "duplicate_key", "orders": "duplicate_key"}},
		{name: "invalid_utf8", codes: publishes, rules: map[string]string{"customers": "malformed_line"}},
		{name: "empty_file", codes: []int{ExitUsage}, mention: []string{"orders.csv", "empty"}},
		{name: "header_only", codes: []int{ExitUsage}, mention: []string{"orders"}},
		{name: "one_customer", codes: publishes},
		{name: "zero_revenue", codes: publishes},
		{name: "huge_values", codes: publishes, rules: map[string]string{"orders": "not_finite"}},
		{name: "dates_1900_2100", codes: publishes, rules: map[string]string{"orders": "after_as_of", "customers": "implausible_date"}},
		{name: "line_100mb", codes: publishes, setup: longLineCase,
			rejects: map[string][]rejectAt{"customers": {{3, "malformed_line"}}}, read: map[string]int64{"customers": 3}},

		// Issue 13, data lost or altered.
		{name: "truncated_gzip", codes: []int{ExitUsage}, mention: []string{"orders.csv.gz", "truncated"}},
		{name: "stray_quote", codes: publishes,
			rejects: map[string][]rejectAt{"orders": {{5, "malformed_line"}, {20, "unreadable_value"}, {28, "malformed_line"}}},
			read:    map[string]int64{"orders": 30}, reason: map[string]string{"orders": "quote"},
			check: func(t *testing.T, root, asOf string, _ []rejectRow) {
				// The quoted field with a comma after the stray quote is read as one value.
				if n := count(t, root, asOf, "customers", "1"); n != 5 {
					t.Errorf("%d customers publishes, want 5", n)
				}
			}},
		{name: "decimal_comma_dot", codes: publishes,
			rejects: map[string][]rejectAt{"orders": {{3, "unreadable_value"}, {4, "unreadable_value"}}},
			flags:   map[string]map[string]int64{"orders": {"unreadable_cost": 1}}},
		{name: "line_50mb", codes: publishes, setup: line50MB,
			rejects: map[string][]rejectAt{"orders": {{4, "malformed_line"}, {9, "duplicate_key"}}},
			read:    map[string]int64{"orders": 9},
			check: func(t *testing.T, _, _ string, rej []rejectRow) {
				for _, r := range rej {
					if r.line == 4 && (len(r.record) > 70<<10 || !strings.HasSuffix(r.record, "(truncated)")) {
						t.Errorf("the 50 MB line's record is %d bytes, want it cut at 64 KiB", len(r.record))
					}
				}
			}},
		{name: "ndjson_nested", codes: publishes,
			rejects: map[string][]rejectAt{"orders": {{2, "unreadable_value"}, {4, "malformed_line"}}},
			read:    map[string]int64{"orders": 7}},
		{name: "extreme_dates", codes: publishes,
			rejects: map[string][]rejectAt{
				"customers": {{6, "implausible_date"}},
				"orders":    {{4, "implausible_date"}, {6, "customer_quarantined"}, {9, "implausible_date"}, {11, "customer_quarantined"}, {16, "customer_quarantined"}, {21, "customer_quarantined"}, {26, "customer_quarantined"}, {31, "customer_quarantined"}},
			}},
		{name: "id_whitespace", codes: publishes,
			rejects: map[string][]rejectAt{"customers": nil, "orders": nil},
			flags: map[string]map[string]int64{
				"customers": {"customer_id_trimmed": 1, "customer_id_case_variants": 2},
				"orders":    {"customer_id_trimmed": 3},
			}},
		{name: "id_case_upper", codes: publishes,
			rejects: map[string][]rejectAt{"customers": {{5, "duplicate_key"}}, "orders": nil}},
		{name: "quarantined_customer", codes: publishes,
			rejects: map[string][]rejectAt{
				"customers": {{3, "after_as_of"}, {4, "unreadable_value"}},
				"orders":    {{3, "customer_quarantined"}, {4, "customer_quarantined"}, {8, "customer_quarantined"}, {9, "customer_quarantined"}, {13, "customer_quarantined"}, {14, "customer_quarantined"}, {18, "customer_quarantined"}, {19, "customer_quarantined"}, {23, "customer_quarantined"}, {24, "customer_quarantined"}, {28, "customer_quarantined"}, {29, "customer_quarantined"}},
			},
			flags:  map[string]map[string]int64{"customers": {"unreadable_acquisition_cost": 1}},
			reason: map[string]string{"orders": "customers.csv line 4: unreadable_value)"}},

		// The user's own files.
		{name: "database_is_input", codes: []int{ExitUsage}, mention: []string{"database", "orders.csv", "input file"}},
		{name: "database_is_config", codes: []int{ExitUsage}, mention: []string{"database", "crmbatch.yaml", "configuration file"}},
		{name: "database_not_duckdb", codes: []int{ExitUsage}, mention: []string{"database", "notes.txt", "not a DuckDB database"}},

		// Failures a scheduler can act on.
		{name: "line_no_extreme", codes: publishes,
			rejects: map[string][]rejectAt{"orders": {{4, "unreadable_value"}, {5, "unreadable_value"}, {6, "unreadable_value"}}}},
		{name: "empty_optional", codes: publishes, read: map[string]int64{"leads": 0},
			note: map[string]string{"leads": "empty"}, warning: "leads.csv is empty"},
		{name: "empty_ndjson", codes: publishes, read: map[string]int64{"orders": 2}, warning: "orders-2.ndjson is empty"},
		{name: "duplicate_header", codes: []int{ExitUsage}, mention: []string{"revenue", "columns 7 and 10", "orders.csv"}},
		{name: "bad_memory_limit", codes: []int{ExitUsage}, mention: []string{"memory_limit", "lots"}},
		{name: "glob_missing_column", codes: []int{ExitUsage}, mention: []string{"orders-2.csv", "revenue"}},
		{name: "utf16_no_bom", codes: []int{ExitUsage}, mention: []string{"customers.csv", "sources.customers.encoding: utf-16le"}},
		{name: "windows1252_no_encoding", codes: publishes,
			rejects: map[string][]rejectAt{"customers": {{3, "malformed_line"}, {5, "malformed_line"}}},
			reason:  map[string]string{"customers": "set sources.customers.encoding"}},
		{name: "bad_date_format", codes: []int{ExitUsage}, mention: []string{"sources.orders.timestamp_format", "%Q"}},
		{name: "wrong_date_format", codes: []int{ExitRejects}, mention: []string{"orders"},
			reason: map[string]string{"orders": "sources.orders.timestamp_format"}},
		{name: "timezone_offset", codes: publishes,
			rejects: map[string][]rejectAt{"orders": {{3, "after_as_of"}}}},

		// Suspicious values are flagged, never dropped; line ends.
		{name: "suspicious_values", codes: publishes,
			rejects: map[string][]rejectAt{"orders": nil},
			flags:   map[string]map[string]int64{"orders": {"negative_quantity": 1, "order_before_signup": 3, "revenue_digit_separator": 1}},
			warning: "days after the last order"},
		{name: "mixed_line_ends", codes: publishes,
			rejects: map[string][]rejectAt{"orders": {{26, "unreadable_value"}}}, read: map[string]int64{"orders": 30}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.setup != nil && testing.Short() {
				t.Skipf("SKIPPED %s (-short): its large input was not tried", c.name)
			}
			heavy(t)
			dir := copyCase(t, c.name)
			if c.setup != nil {
				c.setup(t, dir)
			}
			before := snapshot(t, dir)
			root := t.TempDir()
			rejectsCSV := filepath.Join(t.TempDir(), "rejects.csv")
			err, out := runInProcess(t, "run", "-config", filepath.Join(dir, "crmbatch.yaml"), "-output", root, "-rejects", rejectsCSV, "-quiet")
			code := ExitCode(err)
			t.Logf("exit %d: %v", code, err)
			if after := snapshot(t, dir); !maps.Equal(before, after) {
				t.Errorf("the case's files changed in the run:\nbefore %v\nafter  %v", before, after)
			}
			if !slices.Contains(c.codes, code) {
				t.Fatalf("exit %d (%v), want one of %v\n%s", code, err, c.codes, out)
			}
			rej := readRejects(t, rejectsCSV)
			checkReasons(t, c, rej)
			if code == ExitUsage || code == ExitRejects {
				for _, m := range c.mention {
					if !strings.Contains(err.Error(), m) {
						t.Errorf("the error does not name %q: %v", m, err)
					}
				}
				if _, err := os.Stat(filepath.Join(root, "runs")); !os.IsNotExist(err) {
					t.Errorf("a failed run publishes (runs/ exists)")
				}
				return
			}
			asOf, err := pipelines.LatestAsOf(root)
			if err != nil {
				t.Fatal(err)
			}
			m := readManifest(t, root, asOf)
			for _, in := range m.Inputs {
				if in.Read != in.Accepted+in.Rejected+in.Excluded {
					t.Errorf("%s: read %d != accepted %d + rejected %d + after_as_of %d", in.Table, in.Read, in.Accepted, in.Rejected, in.Excluded)
				}
				if want := c.rules[in.Table]; want != "" && in.Rules[want] == 0 {
					t.Errorf("%s: no row quarantined as %s (rules %v)", in.Table, want, in.Rules)
				}
				if want, ok := c.read[in.Table]; ok && in.Read != want {
					t.Errorf("%s: read %d rows, want %d", in.Table, in.Read, want)
				}
				for flag, want := range c.flags[in.Table] {
					if in.Flags[flag] != want {
						t.Errorf("%s: flag %s counted %d, want %d (flags %v)", in.Table, flag, in.Flags[flag], want, in.Flags)
					}
				}
				if want := c.note[in.Table]; want != "" && !strings.Contains(in.Note, want) {
					t.Errorf("%s: note %q does not say %q", in.Table, in.Note, want)
				}
				t.Logf("%s: read %d, accepted %d, rejected %d, after_as_of %d %v %v", in.Table, in.Read, in.Accepted, in.Rejected, in.Excluded, in.Rules, in.Flags)
			}
			for table, want := range c.rejects {
				var got []rejectAt
				for _, r := range rej {
					if r.table == table {
						got = append(got, rejectAt{r.line, r.rule})
					}
				}
				if !slices.Equal(got, want) {
					t.Errorf("%s rejects (line, rule) %v, want %v", table, got, want)
				}
			}
			if c.warning != "" && !slices.ContainsFunc(m.Warnings, func(w string) bool { return strings.Contains(w, c.warning) }) {
				t.Errorf("no warning says %q: %q", c.warning, m.Warnings)
			}
			if bad := nonFinite(t, root, asOf); len(bad) > 0 {
				t.Errorf("NaN or infinite values publishes: %v", bad)
			}
			checkRejectPlaces(t, root, asOf)
			if c.check != nil {
				c.check(t, root, asOf, rej)
			}
		})
	}
}

// checkReasons checks that one reject of each table named in c.reason says
// what it should.
func checkReasons(t *testing.T, c badCase, rej []rejectRow) {
	t.Helper()
	for table, want := range c.reason {
		if !slices.ContainsFunc(rej, func(r rejectRow) bool { return r.table == table && strings.Contains(r.reason, want) }) {
			t.Errorf("no %s reject says %q", table, want)
		}
	}
}

// runInProcess runs the command through Main.Run, turning a panic into a
// test failure with its stack.
func runInProcess(t *testing.T, args ...string) (err error, out string) {
	t.Helper()
	var buf bytes.Buffer
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("crmbatch %s panicked: %v\n%s", strings.Join(args, " "), p, debug.Stack())
		}
	}()
	err = (&Main{Stdout: &buf, Stderr: &buf}).Run(context.Background(), args)
	return err, buf.String()
}

// rejectRow is one row of the rejects CSV (-rejects FILE).
type rejectRow struct {
	table, file, column, rule, reason, record string
	line                                      int64
}

// readRejects reads the rejects CSV, sorted by table, file and line; none
// when the run stopped before writing it.
func readRejects(t *testing.T, path string) []rejectRow {
	t.Helper()
	fh, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	rows, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []rejectRow
	for _, r := range rows[1:] {
		line, _ := strconv.ParseInt(r[2], 10, 64)
		out = append(out, rejectRow{table: r[0], file: r[1], line: line, column: r[3], rule: r[4], reason: r[5], record: r[6]})
	}
	return out
}

// copyCase copies the case's folder into a temporary one.
func copyCase(t *testing.T, name string) string {
	t.Helper()
	src := filepath.Join("..", "..", "testdata", "badinput", name)
	dir := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// snapshot returns the SHA-256 of every file in dir, by name.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		fh, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		io.Copy(h, fh)
		fh.Close()
		out[e.Name()] = hex.EncodeToString(h.Sum(nil))[:12]
	}
	return out
}

// count counts the rows of a publishes table that meet a condition.
func count(t *testing.T, root, asOf, table, where string) int64 {
	t.Helper()
	db := openScratch(t)
	defer db.Close()
	n, err := db.Int(context.Background(), fmt.Sprintf("SELECT count(*) FROM read_parquet(%s) WHERE %s",
		engine.Quote(filepath.Join(pipelines.PartitionDir(root, table, asOf), "part-0.parquet")), where))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// checkRejectPlaces checks that every quarantined row names its file, a
// line and a rule.
func checkRejectPlaces(t *testing.T, root, asOf string) {
	t.Helper()
	p := filepath.Join(pipelines.PartitionDir(root, "rejects", asOf), "part-0.parquet")
	db := openScratch(t)
	defer db.Close()
	n, err := db.Int(context.Background(), fmt.Sprintf(`SELECT count(*) FROM read_parquet(%s)
		WHERE coalesce(source_file, '') = '' OR coalesce(line, 0) <= 0 OR coalesce(rule, '') = ''`, engine.Quote(p)))
	if err != nil {
		t.Fatal(err)
	}
	if n > 0 {
		t.Errorf("%d quarantined rows lack their file, line or rule", n)
	}
}

// longLineCase writes a data set whose customers.csv has one 100 MB line
// (a name of 100 MB) among good ones.
func longLineCase(t *testing.T, dir string) {
	t.Helper()
	src := filepath.Join("..", "..", "testdata", "badinput", "one_customer")
	cfg, err := os.ReadFile(filepath.Join(src, "crmbatch.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	orders, err := os.ReadFile(filepath.Join("..", "..", "testdata", "badinput", "zero_revenue", "orders.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"crmbatch.yaml": cfg, "orders.csv": orders} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeLong(t, filepath.Join(dir, "customers.csv"), "customer_id,name,signup_date\nC1,Ann Lee,2024-01-05\nC2,", 100, ",2024-02-01\nC3,Cy,2024-03-01\n")
}

// line50MB writes an orders.csv whose line 4 is 50 MB long, and whose
// lines 8 and 9 repeat a key: the duplicate must be named at line 9 (issue
// 13 case 4).
func line50MB(t *testing.T, dir string) {
	t.Helper()
	src := filepath.Join("..", "..", "testdata", "badinput", "one_customer")
	for _, name := range []string{"crmbatch.yaml", "customers.csv"} {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	head := "order_id,line_no,customer_id,order_ts,category,quantity,revenue\n" +
		"O1,1,C1,2024-02-01,books,1,10.5\nO2,1,C1,2024-02-02,books,1,11.5\nO3,1,C1,2024-02-03,"
	tail := ",1,12.5\nO4,1,C1,2024-02-04,books,1,13.5\nO5,1,C1,2024-02-05,books,1,14.5\nO6,1,C1,2024-02-06,books,1,15.5\n" +
		"O7,1,C1,2024-02-07,books,1,16.5\nO7,1,C1,2024-02-07,books,1,16.5\nO8,1,C1,2024-02-08,books,1,17.5\n"
	writeLong(t, filepath.Join(dir, "orders.csv"), head, 50, tail)
}

// writeLong writes head, mb MB of x and tail to path.
func writeLong(t *testing.T, path, head string, mb int, tail string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString(head)
	chunk := bytes.Repeat([]byte("x"), 1<<20)
	for i := 0; i < mb; i++ {
		w.Write(chunk)
	}
	w.WriteString(tail)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// Late rows (issue 13 case 9): a changed orders.csv with rows appended
// reports as late only the appended rows dated on or before the previous
// run's as-of date, not the whole file; a run with nothing new reports
// none.
func TestBadInputLateRows(t *testing.T) {
	heavy(t)
	dir := copyCase(t, "late_rows")
	root := t.TempDir()
	run := func(asOf string, want int64) {
		t.Helper()
		err, out := runInProcess(t, "run", "-config", filepath.Join(dir, "crmbatch.yaml"), "-output", root, "-as-of", asOf, "-quiet")
		if code := ExitCode(err); !slices.Contains(publishes, code) {
			t.Fatalf("as of %s: exit %d (%v)\n%s", asOf, code, err, out)
		}
		for _, in := range readManifest(t, root, asOf).Inputs {
			if in.Table == "orders" && in.Late != want {
				t.Errorf("as of %s: rows_late %d, want %d", asOf, in.Late, want)
			}
		}
	}
	run("2024-06-30", 0)
	f, err := os.OpenFile(filepath.Join(dir, "orders.csv"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range []string{"2024-05-01", "2024-05-02", "2024-06-03", "2024-06-29", "2024-06-30", "2024-07-01", "2024-07-02", "2024-07-03"} {
		fmt.Fprintf(f, "L%d,1,C1,%s 10:00:00,books,1,9.50,4.00\n", i, d)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	run("2024-07-31", 5)
	run("2024-08-31", 0)
}

// Two output roots sharing one database (issue 13 case 16): while another
// process holds the database, a run stops with exit 2 naming the database
// setting, not exit 1 from DuckDB's lock.
func TestBadInputSharedDatabase(t *testing.T) {
	dir := copyCase(t, "one_customer")
	db := filepath.Join(t.TempDir(), "shared.duckdb")
	cfg := filepath.Join(dir, "crmbatch.yaml")
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, append(b, "database: "+db+"\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	holder, err := engine.Open(context.Background(), engine.Options{Path: db})
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	code, out := runProcess(t, "run", "-config", cfg, "-output", t.TempDir(), "-quiet")
	if code != ExitUsage || !strings.Contains(out, "database") || !strings.Contains(out, "shared.duckdb") {
		t.Errorf("exit %d, want %d naming the database:\n%s", code, ExitUsage, out)
	}
}

// A full disk (issue 13 case 22): a run on a disk with 2 MB free stops
// before it writes, with exit 2 naming the folder and the bytes it needs;
// the last published run is untouched; once there is room, the next run
// publishes and leaves no staging behind. It mounts a 200 MB tmpfs, so it
// runs as root only.
func TestBadInputDiskFull(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIPPED under -short: mounts a tmpfs")
	}
	heavy(t)
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=200m", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("SKIPPED: cannot mount a tmpfs to fill (%v: %s); the full-disk case was not tried", err, out)
	}
	defer exec.Command("umount", mnt).Run()
	dir := copyCase(t, "one_customer")
	root := filepath.Join(mnt, "out")
	run := func() (int, error) {
		err, _ := runInProcess(t, "run", "-config", filepath.Join(dir, "crmbatch.yaml"), "-output", root, "-quiet")
		return ExitCode(err), err
	}
	if code, err := run(); !slices.Contains(publishes, code) {
		t.Fatalf("the first run: exit %d (%v)", code, err)
	}
	asOf, err := pipelines.LatestAsOf(root)
	if err != nil {
		t.Fatal(err)
	}
	good := snapshotTree(t, root)
	var st syscall.Statfs_t
	if err := syscall.Statfs(mnt, &st); err != nil {
		t.Fatal(err)
	}
	filler := filepath.Join(mnt, "filler")
	free := int64(st.Bavail) * int64(st.Bsize)
	if err := os.WriteFile(filler, make([]byte, free-2<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	code, err := run()
	if code != ExitUsage || err == nil || !strings.Contains(err.Error(), mnt) || !strings.Contains(err.Error(), "free") {
		t.Errorf("with 2 MB free: exit %d (%v), want %d naming %s and the space", code, err, ExitUsage, mnt)
	}
	if after := snapshotTree(t, root); !maps.Equal(good, after) {
		t.Errorf("the last published run changed in the failed run")
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if code, err := run(); !slices.Contains(publishes, code) {
		t.Fatalf("the run after freeing space: exit %d (%v)", code, err)
	}
	if _, err := os.Stat(filepath.Join(root, "_staging")); !os.IsNotExist(err) {
		t.Errorf("_staging left behind after the run that had room")
	}
	if _, err := pipelines.LatestAsOf(root); err != nil {
		t.Errorf("nothing published as of %s after freeing space: %v", asOf, err)
	}
}

// snapshotTree returns the SHA-256 of every published file under root
// (the warehouse and lock aside), by path.
func snapshotTree(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(p, "crmbatch.duckdb") || strings.Contains(p, "_lock") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		sum := sha256.Sum256(b)
		out[p] = hex.EncodeToString(sum[:8])
		return nil
	})
	return out
}
