package gen

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// write runs Write into a fresh temporary directory.
func write(t testing.TB, o Options) (string, *Truth) {
	t.Helper()
	dir := t.TempDir()
	tr, err := Write(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	return dir, tr
}

// readCSV parses a whole output file with encoding/csv, checks its header
// and returns the data rows.
func readCSV(t testing.TB, dir string, file int) [][]string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, fileNames[file]))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.ReuseRecord = false
	head, err := r.Read()
	if err != nil {
		t.Fatalf("%s: %v", fileNames[file], err)
	}
	if got := strings.Join(head, ","); got != headers[file] {
		t.Fatalf("%s: header %q, want %q", fileNames[file], got, headers[file])
	}
	var rows [][]string
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", fileNames[file], err)
		}
		rows = append(rows, rec)
	}
	return rows
}

func TestDeterminism(t *testing.T) {
	o := Options{Customers: 3000, Seed: 42}
	o1, o3 := o, o
	o1.Workers, o3.Workers = 1, 3
	d1, _ := write(t, o1)
	d3, _ := write(t, o3)
	other := o
	other.Seed = 43
	d4, _ := write(t, other)
	for _, name := range append(fileNames[:], "truth.json") {
		a, err := os.ReadFile(filepath.Join(d1, name))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(d3, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between 1 and 3 workers with the same seed", name)
		}
		c, _ := os.ReadFile(filepath.Join(d4, name))
		if name != "truth.json" && bytes.Equal(a, c) {
			t.Errorf("%s is identical for seeds 42 and 43", name)
		}
	}
}

func TestOptionsValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    Options
	}{
		{"no customers", Options{}},
		{"negative years", Options{Customers: 1, Years: -1}},
		{"dirty share too large", Options{Customers: 1, DirtyShare: 0.7}},
		{"empty groups", Options{Customers: 1, Groups: []Group{}}},
		{"bad group", Options{Customers: 1, Groups: []Group{{Name: "x", Share: 1}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			if _, err := Write(dir, tc.o); err == nil {
				t.Fatal("Write succeeded, want an error")
			}
			if _, err := os.Stat(dir); err == nil {
				t.Error("Write created the directory despite invalid options")
			}
		})
	}
}

// TestCountsAndDirty parses every file, checks row counts against
// truth.json and re-classifies the planted dirty rows independently of
// the generator, so that an ingest's rejects can be asserted against the
// truth.
func TestCountsAndDirty(t *testing.T) {
	dir, tr := write(t, Options{Customers: 5000, Seed: 7, DirtyShare: 0.03})
	js, err := os.ReadFile(filepath.Join(dir, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	var onDisk Truth
	if err := json.Unmarshal(js, &onDisk); err != nil {
		t.Fatalf("truth.json: %v", err)
	}
	asOf, _ := time.Parse(time.DateTime, onDisk.AsOf)
	rows := make([][][]string, numFiles)
	for k, name := range fileNames {
		rows[k] = readCSV(t, dir, k)
		if got, want := int64(len(rows[k])), onDisk.Rows[name]; got != want {
			t.Errorf("%s: %d rows, truth.json says %d", name, got, want)
		}
	}
	if tr.Rows["truth_customers.csv"] != int64(tr.Customers) {
		t.Errorf("truth_customers.csv has %d rows, want %d", tr.Rows["truth_customers.csv"], tr.Customers)
	}

	validEmail := func(s string) bool {
		at := strings.IndexByte(s, '@')
		return at > 0 && strings.Count(s, "@") == 1 && !strings.ContainsAny(s, " ") &&
			strings.Contains(s[at+1:], ".")
	}
	got := map[string]map[string]int64{"customers.csv": {}, "orders.csv": {}, "interactions.csv": {}}
	seen := map[string]bool{}
	for _, r := range rows[fCustomers] {
		switch {
		case seen[r[0]]:
			got["customers.csv"]["duplicate_customer_id"]++
		case !parses(time.DateOnly, r[7]):
			got["customers.csv"]["unparseable_date"]++
		}
		seen[r[0]] = true
		if !validEmail(r[2]) {
			got["customers.csv"]["malformed_email"]++
		}
	}
	known := func(id string) bool { return id != "" && seen[id] }
	classify := func(file, cid, ts, revenue string) {
		kind := ""
		switch {
		case cid == "":
			kind = "empty_customer_id"
		case !known(cid):
			kind = "unknown_customer"
		case !parses(time.DateTime, ts):
			kind = "unparseable_date"
		case mustTS(ts).After(asOf):
			kind = "ts_after_as_of"
		}
		if kind == "" && revenue != "" {
			v, err := strconv.ParseFloat(revenue, 64)
			switch {
			case err != nil:
				kind = "unparseable_revenue"
			case math.IsNaN(v):
				kind = "revenue_nan"
			case math.IsInf(v, 0):
				kind = "revenue_inf"
			}
		}
		if kind != "" {
			got[file][kind]++
		}
	}
	for _, r := range rows[fOrders] {
		classify("orders.csv", r[2], r[3], r[7])
	}
	for _, r := range rows[fInteractions] {
		classify("interactions.csv", r[1], r[2], "")
	}
	for file, kinds := range onDisk.Dirty {
		var rejects int64
		for kind, want := range kinds {
			if got[file][kind] != want {
				t.Errorf("%s: %d %s rows found, truth.json says %d", file, got[file][kind], kind, want)
			}
			if want == 0 {
				t.Errorf("%s: no %s rows planted at DirtyShare 0.03", file, kind)
			}
			if kind != "malformed_email" {
				rejects += want
			}
		}
		if rejects != onDisk.Rejects[file] {
			t.Errorf("%s: rejects %d, want the sum of reject kinds %d", file, onDisk.Rejects[file], rejects)
		}
	}

	// Clean orders: every line is dated by AsOf and belongs to a customer;
	// truth_customers' per-customer order counts add up.
	var lines, orders int64
	lastOrder := ""
	for _, r := range rows[fOrders] {
		if strings.HasPrefix(r[0], "X") {
			continue
		}
		lines++
		if r[0] != lastOrder {
			orders++
			lastOrder = r[0]
		}
	}
	if orders != tr.Purchases.Orders {
		t.Errorf("%d clean orders in orders.csv, truth says %d", orders, tr.Purchases.Orders)
	}
	if want := tr.Purchases.RegularLines + tr.Purchases.ReturnLines + tr.Purchases.ZeroValueLines; lines != want {
		t.Errorf("%d clean order lines, truth says %d", lines, want)
	}
	var sumOrders, sumLines int64
	for _, r := range rows[fTruthCustomers] {
		sumOrders += atoi(t, r[14])
		sumLines += atoi(t, r[15])
	}
	if sumOrders != orders || sumLines != lines {
		t.Errorf("truth_customers: %d orders, %d lines; orders.csv has %d, %d", sumOrders, sumLines, orders, lines)
	}
	for _, p := range tr.Pairs {
		if !(p.Lift > 2) {
			t.Errorf("planted pair %s-%s: lift %.2f, want > 2", p.A, p.B, p.Lift)
		}
	}
}

func parses(layout, s string) bool {
	_, err := time.Parse(layout, s)
	return err == nil
}

func mustTS(s string) time.Time {
	v, _ := time.Parse(time.DateTime, s)
	return v
}

func atoi(t testing.TB, s string) int64 {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestNames checks that non-Latin names are valid UTF-8 in the right
// script, live in the matching country, and come at the configured share.
func TestNames(t *testing.T) {
	const n = 20000
	for _, share := range []float64{0.15, 0.3} {
		dir, tr := write(t, Options{Customers: n, Seed: 3, NonLatinShare: share, DirtyShare: -1, LeadsPerCustomer: -1})
		cust := readCSV(t, dir, fCustomers)
		truth := readCSV(t, dir, fTruthCustomers)
		if len(cust) != n {
			t.Fatalf("%d customer rows, want %d without dirty rows", len(cust), n)
		}
		var nonLatin int
		lt := 0
		for i, r := range cust {
			name, script, country := r[1], truth[i][2], r[6]
			if !utf8.ValidString(name) || !utf8.ValidString(r[4]) || !utf8.ValidString(r[5]) {
				t.Fatalf("%s: invalid UTF-8", r[0])
			}
			table, wantCountry := (*unicode.RangeTable)(nil), ""
			switch script {
			case ScriptBengali:
				table, wantCountry = unicode.Bengali, "BD"
			case ScriptUrdu:
				table, wantCountry = unicode.Arabic, "PK"
			case ScriptLithuanian:
				table, wantCountry = unicode.Latin, "LT"
				if strings.ContainsAny(strings.ToLower(name), "ąčęėįšųūž") {
					lt++
				}
			default:
				for _, c := range name {
					if c > unicode.MaxASCII {
						t.Fatalf("%s: Latin name %q is not plain ASCII", r[0], name)
					}
				}
			}
			if table == nil {
				continue
			}
			nonLatin++
			if country != wantCountry {
				t.Errorf("%s: %s name in %s, want %s", r[0], script, country, wantCountry)
			}
			for _, c := range name {
				if c != ' ' && !unicode.Is(table, c) {
					t.Fatalf("%s: %q holds %q outside the %s script", r[0], name, c, script)
				}
			}
		}
		// Binomial share: allow 4 standard errors.
		got := float64(nonLatin) / n
		if se := math.Sqrt(share * (1 - share) / n); math.Abs(got-share) > 4*se {
			t.Errorf("NonLatinShare %v: got %.4f", share, got)
		}
		if lt == 0 {
			t.Error("no Lithuanian name with diacritics")
		}
		if sum := tr.Scripts[ScriptBengali] + tr.Scripts[ScriptUrdu] + tr.Scripts[ScriptLithuanian]; sum != int64(nonLatin) {
			t.Errorf("truth counts %d non-Latin names, customers.csv has %d", sum, nonLatin)
		}
	}
}
