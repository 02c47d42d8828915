package expr

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// FuzzParseMapping fuzzes the column-mapping path of ingest: an expression
// over the header of a real export (spaces, dots, quotes, Lithuanian and
// Bengali letters, names equal but for case), given as a '|'-separated
// list. As the reader does, names that repeat an earlier one but for case
// are dropped first. Parse never panics; a refusal is an *Error with an
// offset inside the input; an accepted expression names only header
// columns and re-parses to itself. The seed corpus is in
// testdata/fuzz/FuzzParseMapping.
func FuzzParseMapping(f *testing.F) {
	for _, s := range [][2]string{
		{`"Unit Price" * "Qty."`, "Invoice No|Unit Price|Qty.|Customer ID"},
		{`CAST("Suma, €" AS DOUBLE)`, "Kliento Nr.|Užsakymo data|Suma, €"},
		{`"Kiekis" * "Kaina"`, "Prekė|Kiekis|Kaina|kaina"},
		{`strptime("তারিখ", '%d.%m.%Y')`, "গ্রাহক|তারিখ|মূল্য"},
		{`coalesce("Net.Amount", 0) - "disc""ount"`, `Net.Amount|disc"ount|x`},
		{`Quantity * UnitPrice`, "InvoiceNo|StockCode|Quantity|InvoiceDate|UnitPrice|CustomerID|Country"},
		{`"a b" + 1); DROP TABLE wh_files; --`, "a b"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, src, header string) {
		cols := distinctFold(strings.Split(header, "|"))
		e, err := Parse(src, cols)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q, %q): error %v is not an *Error", src, cols, err)
			}
			if pe.Offset < 0 || pe.Offset > len(src) {
				t.Fatalf("Parse(%q, %q): offset %d outside the input", src, cols, pe.Offset)
			}
			return
		}
		for _, c := range e.Columns {
			if !slices.Contains(cols, c) {
				t.Fatalf("Parse(%q, %q) uses column %q, which is not in the header", src, cols, c)
			}
		}
		again, err := ParseLimits(e.SQL, cols, &Limits{MaxLen: 1 << 20})
		if err != nil {
			t.Fatalf("Parse(%q, %q) = %s, which is refused: %v", src, cols, e.SQL, err)
		}
		if again.SQL != e.SQL || !slices.Equal(again.Columns, e.Columns) {
			t.Fatalf("Parse(%q, %q) = %s %q, which re-parses to %s %q", src, cols, e.SQL, e.Columns, again.SQL, again.Columns)
		}
	})
}

// distinctFold keeps the first of the names equal but for case, as the
// ingest reader does before parsing a mapping.
func distinctFold(cols []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range cols {
		if k := strings.ToLower(c); !seen[k] {
			seen[k] = true
			out = append(out, c)
		}
	}
	return out
}
