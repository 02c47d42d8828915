package logit

import (
	"compress/gzip"
	"encoding/csv"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
)

// table is a CSV file read into memory: a header and string rows.
type table struct {
	header []string
	rows   [][]string
}

// readTable reads a CSV file (gzip-compressed when the name ends in .gz).
func readTable(t testing.TB, path string) *table {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		defer gz.Close()
		r = gz
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return &table{header: recs[0], rows: recs[1:]}
}

func (tb *table) col(t testing.TB, name string) int {
	t.Helper()
	for j, h := range tb.header {
		if h == name {
			return j
		}
	}
	t.Fatalf("no column %q", name)
	return -1
}

// numeric returns column name as floats; blank or unparsable cells are NaN.
func (tb *table) numeric(t testing.TB, name string) []float64 {
	j := tb.col(t, name)
	out := make([]float64, len(tb.rows))
	for i, r := range tb.rows {
		v, err := strconv.ParseFloat(strings.TrimSpace(r[j]), 64)
		if err != nil {
			v = math.NaN()
		}
		out[i] = v
	}
	return out
}

// categorical returns column name as strings; cells in missing become "".
func (tb *table) categorical(t testing.TB, name string, missing ...string) []string {
	j := tb.col(t, name)
	out := make([]string, len(tb.rows))
	for i, r := range tb.rows {
		v := strings.TrimSpace(r[j])
		for _, m := range missing {
			if v == m {
				v = ""
			}
		}
		out[i] = v
	}
	return out
}

// filter keeps the rows for which keep returns true.
func (tb *table) filter(keep func(row []string) bool) {
	var rows [][]string
	for _, r := range tb.rows {
		if keep(r) {
			rows = append(rows, r)
		}
	}
	tb.rows = rows
}
