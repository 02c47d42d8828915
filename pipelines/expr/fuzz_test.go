package expr

import (
	"errors"
	"slices"
	"testing"
)

// FuzzParse checks that Parse never panics, that every refusal is an
// *Error with an offset inside the input, and that every accepted
// expression re-parses to the same normalised string and columns. The
// normalised form may be longer than the input, so it is re-parsed without
// the length limit. The seed corpus is in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"Quantity * UnitPrice",
		"churn_probability > 0.6 and customer_lifetime_value > 500",
		"country IN ('LT', 'BD') AND NOT email_opt_in = false",
		"CASE WHEN recency BETWEEN 1 AND 5 THEN 'a' ELSE NULL END",
		"1); DROP TABLE x; --",
	} {
		f.Add(s)
	}
	cols := append(slices.Clone(customerColumns), "Quantity", "UnitPrice", "x", "a", "b", "d")
	f.Fuzz(func(t *testing.T, src string) {
		e, err := Parse(src, cols)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q): error %v is not an *Error", src, err)
			}
			if pe.Offset < 0 || pe.Offset > len(src) {
				t.Fatalf("Parse(%q): offset %d outside the input", src, pe.Offset)
			}
			return
		}
		again, err := ParseLimits(e.SQL, cols, &Limits{MaxLen: 1 << 20})
		if err != nil {
			t.Fatalf("Parse(%q) = %s, which is refused: %v", src, e.SQL, err)
		}
		if again.SQL != e.SQL {
			t.Fatalf("Parse(%q) = %s, which re-parses to %s", src, e.SQL, again.SQL)
		}
		if !slices.Equal(again.Columns, e.Columns) {
			t.Fatalf("Parse(%q) columns %q, re-parse columns %q", src, e.Columns, again.Columns)
		}
	})
}
