package btyd

import (
	"bufio"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// cdnowSummary is the lifetimes CDNOW calibration summary (weeks), read from
// testdata/cdnow (see testdata/cdnow/SOURCE.md).
type cdnowSummary struct {
	id, x, tx, T, zbar []float64
}

// readCSV returns the rows of a comma-separated file without its header,
// tolerating CRLF line ends and a missing final newline.
func readCSV(t testing.TB, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer f.Close()
	var rows [][]string
	sc := bufio.NewScanner(f)
	for line := 0; sc.Scan(); line++ {
		s := strings.TrimRight(sc.Text(), "\r")
		if line == 0 || s == "" {
			continue
		}
		rows = append(rows, strings.Split(s, ","))
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return rows
}

func parseFloats(t testing.TB, row []string) []float64 {
	t.Helper()
	out := make([]float64, len(row))
	for i, s := range row {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("row %v column %d: %v", row, i+1, err)
		}
		out[i] = v
	}
	return out
}

// loadCDNOW reads cdnow_customers_summary_with_transactions.csv (ID, x, t_x,
// T, zbar; CRLF) and checks it against cdnow_customers_summary.csv.
func loadCDNOW(t testing.TB) cdnowSummary {
	t.Helper()
	var c cdnowSummary
	for _, row := range readCSV(t, "../../testdata/cdnow/cdnow_customers_summary_with_transactions.csv") {
		v := parseFloats(t, row)
		c.id = append(c.id, v[0])
		c.x = append(c.x, v[1])
		c.tx = append(c.tx, v[2])
		c.T = append(c.T, v[3])
		c.zbar = append(c.zbar, v[4])
	}
	plain := readCSV(t, "../../testdata/cdnow/cdnow_customers_summary.csv")
	if len(plain) != 2357 || len(c.x) != 2357 {
		t.Fatalf("got %d and %d customers, want 2357", len(plain), len(c.x))
	}
	for i, row := range plain {
		v := parseFloats(t, row)
		if v[1] != c.x[i] || v[2] != c.tx[i] || v[3] != c.T[i] {
			t.Fatalf("customer %v differs between the two summary files", v[0])
		}
	}
	return c
}

// elogSplit is the CDNOW event log split into calibration and holdout, as in
// the BTYD walkthrough (Sec. 2): same-day purchases merged, calibration ends
// 1997-09-30, holdout 1997-10-01..1998-06-30 (39 weeks), times in weeks.
type elogSplit struct {
	x, tx, T, birth []float64 // calibration summary; birth in weeks since 1997-01-01
	holdout         []float64 // repeat purchase days in the holdout
}

func loadElog(t testing.TB) elogSplit {
	t.Helper()
	day := func(s string) int {
		d, err := time.Parse("20060102", s)
		if err != nil {
			t.Fatalf("date %q: %v", s, err)
		}
		return int(d.Sub(time.Date(1997, 1, 1, 0, 0, 0, 0, time.UTC)).Hours() / 24)
	}
	calEnd := day("19970930")
	days := map[string]map[int]bool{}
	for _, row := range readCSV(t, "../../testdata/cdnow/cdnowElog.csv") {
		if days[row[1]] == nil {
			days[row[1]] = map[int]bool{}
		}
		days[row[1]][day(row[2])] = true
	}
	ids := make([]int, 0, len(days))
	for id := range days {
		n, _ := strconv.Atoi(id)
		ids = append(ids, n)
	}
	sort.Ints(ids)
	var e elogSplit
	for _, id := range ids {
		var ds []int
		for d := range days[strconv.Itoa(id)] {
			ds = append(ds, d)
		}
		sort.Ints(ds)
		first, last, x, hold := ds[0], ds[0], 0.0, 0.0
		for _, d := range ds[1:] {
			if d <= calEnd {
				x++
				last = d
			} else {
				hold++
			}
		}
		e.x = append(e.x, x)
		e.tx = append(e.tx, float64(last-first)/7)
		e.T = append(e.T, float64(calEnd-first)/7)
		e.birth = append(e.birth, float64(first)/7)
		e.holdout = append(e.holdout, hold)
	}
	if len(e.x) != 2357 {
		t.Fatalf("elog has %d customers, want 2357", len(e.x))
	}
	return e
}

// cumulativeActual returns the cumulative number of repeat purchase days of
// the cohort by the end of each week 1..weeks since 1997-01-01.
func cumulativeActual(t testing.TB, weeks int) []float64 {
	t.Helper()
	seen := map[string]int{}
	first := map[string]int{}
	var evs [][2]interface{}
	for _, row := range readCSV(t, "../../testdata/cdnow/cdnowElog.csv") {
		d, _ := time.Parse("20060102", row[2])
		dd := int(d.Sub(time.Date(1997, 1, 1, 0, 0, 0, 0, time.UTC)).Hours() / 24)
		k := row[1] + "/" + strconv.Itoa(dd)
		if _, ok := seen[k]; ok {
			continue
		}
		seen[k] = dd
		if f, ok := first[row[1]]; !ok || dd < f {
			first[row[1]] = dd
		}
		evs = append(evs, [2]interface{}{row[1], dd})
	}
	out := make([]float64, weeks)
	for _, ev := range evs {
		id, dd := ev[0].(string), ev[1].(int)
		if dd == first[id] {
			continue
		}
		for w := dd / 7; w < weeks; w++ {
			out[w]++
		}
	}
	return out
}

// assertClose fails unless |got-want| <= tol.
func assertClose(t testing.TB, name string, got, want, tol float64) {
	t.Helper()
	if !(math.Abs(got-want) <= tol) {
		t.Errorf("%s = %.10g, want %.10g ± %g", name, got, want, tol)
	}
}

// assertRel fails unless |got-want| <= rel*|want|.
func assertRel(t testing.TB, name string, got, want, rel float64) {
	t.Helper()
	if !(math.Abs(got-want) <= rel*math.Abs(want)) {
		t.Errorf("%s = %.10g, want %.10g (relative tolerance %g)", name, got, want, rel)
	}
}

func pow(x, y float64) float64 { return math.Pow(x, y) }
