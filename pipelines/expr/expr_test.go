package expr

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// mappingColumns are raw order-line columns used by configuration mappings.
var mappingColumns = []string{"Quantity", "UnitPrice", "InvoiceDate", "x", "a", "b", "d", "Country", "date"}

// customerColumns are columns of the published customer table.
var customerColumns = []string{
	"customer_id", "churn_probability", "customer_lifetime_value", "country",
	"email_opt_in", "rfm_segment", "frequency", "recency", "T", "monetary_value",
	"Order", "first purchase",
}

func TestParseValid(t *testing.T) {
	for _, test := range []struct {
		src  string
		cols []string
		want string
		used []string
	}{
		// Configuration mappings.
		{"Quantity * UnitPrice", mappingColumns, `("Quantity" * "UnitPrice")`, []string{"Quantity", "UnitPrice"}},
		{"quantity*unitprice", mappingColumns, `("Quantity" * "UnitPrice")`, nil},
		{`"QUANTITY" * "UnitPrice"`, mappingColumns, `("Quantity" * "UnitPrice")`, nil},
		{"CAST(x AS DOUBLE)", mappingColumns, `CAST("x" AS DOUBLE)`, []string{"x"}},
		{"x::double", mappingColumns, `CAST("x" AS DOUBLE)`, nil},
		{"try_cast(x as decimal(18,2))", mappingColumns, `TRY_CAST("x" AS DECIMAL(18, 2))`, nil},
		{"strptime(d, '%d.%m.%Y')", mappingColumns, `strptime("d", '%d.%m.%Y')`, []string{"d"}},
		{"COALESCE(a, b)", mappingColumns, `coalesce("a", "b")`, []string{"a", "b"}},
		{"coalesce(b, a, b)", mappingColumns, `coalesce("b", "a", "b")`, []string{"b", "a"}},
		{"CASE WHEN Quantity < 0 THEN 0 ELSE Quantity END", mappingColumns,
			`CASE WHEN ("Quantity" < 0) THEN 0 ELSE "Quantity" END`, []string{"Quantity"}},
		{"case country when 'UK' then 'GB' else upper(country) end", mappingColumns,
			`CASE "Country" WHEN 'UK' THEN 'GB' ELSE upper("Country") END`, nil},
		{"a + b * 2 - 1", mappingColumns, `(("a" + ("b" * 2)) - 1)`, nil},
		{"(a + b) * 2", mappingColumns, `(("a" + "b") * 2)`, nil},
		{"-a + +1.5e3", mappingColumns, `((-"a") + (+1.5e3))`, nil},
		{"- -a", mappingColumns, `(-(-"a"))`, nil},
		{"-x::int", mappingColumns, `(-CAST("x" AS INT))`, nil},
		{"a || '-' || b", mappingColumns, `(("a" || '-') || "b")`, nil},
		{"'it''s'", mappingColumns, `'it''s'`, []string{}},
		{"round(.5, 2) % 3", mappingColumns, `(round(.5, 2) % 3)`, nil},
		{"date_diff('day', InvoiceDate, DATE '2024-01-31')", mappingColumns,
			`date_diff('day', "InvoiceDate", DATE '2024-01-31')`, nil},
		{"InvoiceDate + INTERVAL '30 days'", mappingColumns, `("InvoiceDate" + INTERVAL '30 days')`, nil},
		{"date", mappingColumns, `"date"`, []string{"date"}},
		{"year(date) >= 2020", mappingColumns, `(year("date") >= 2020)`, nil},
		{"TIMESTAMP '2024-01-31 12:00:00'", mappingColumns, `TIMESTAMP '2024-01-31 12:00:00'`, nil},
		{"\tQuantity\n", mappingColumns, `"Quantity"`, nil},
		// Segment filters.
		{"churn_probability > 0.6 and customer_lifetime_value > 500", customerColumns,
			`(("churn_probability" > 0.6) AND ("customer_lifetime_value" > 500))`,
			[]string{"churn_probability", "customer_lifetime_value"}},
		{"country IN ('LT', 'BD') AND NOT email_opt_in = false", customerColumns,
			`(("country" IN ('LT', 'BD')) AND (NOT ("email_opt_in" = FALSE)))`, nil},
		{"rfm_segment = 'Champions'", customerColumns, `("rfm_segment" = 'Champions')`, nil},
		{"rfm_segment != 'Lost' or rfm_segment == 'New'", customerColumns,
			`(("rfm_segment" <> 'Lost') OR ("rfm_segment" = 'New'))`, nil},
		{"a or b and not c", []string{"a", "b", "c"}, `("a" OR ("b" AND (NOT "c")))`, nil},
		{"frequency NOT BETWEEN 1 AND 3 + 1", customerColumns, `("frequency" NOT BETWEEN 1 AND (3 + 1))`, nil},
		{"recency between 0 and 30 and frequency > 2", customerColumns,
			`(("recency" BETWEEN 0 AND 30) AND ("frequency" > 2))`, nil},
		{"country not in ('LT')", customerColumns, `("country" NOT IN ('LT'))`, nil},
		{"rfm_segment ILIKE '%loyal%'", customerColumns, `("rfm_segment" ILIKE '%loyal%')`, nil},
		{"rfm_segment not like 'C%'", customerColumns, `("rfm_segment" NOT LIKE 'C%')`, nil},
		{"email_opt_in IS NOT NULL and country is null", customerColumns,
			`(("email_opt_in" IS NOT NULL) AND ("country" IS NULL))`, nil},
		{"not a = b is null", []string{"a", "b"}, `(NOT (("a" = "b") IS NULL))`, nil},
		{`"order" > 1 AND "First Purchase" < DATE '2020-02-29'`, customerColumns,
			`(("Order" > 1) AND ("first purchase" < DATE '2020-02-29'))`, []string{"Order", "first purchase"}},
		{"t > 10", customerColumns, `("T" > 10)`, nil},
		{"((((churn_probability))))", customerColumns, `"churn_probability"`, nil},
		{"regexp_matches(country, '^(LT|LV)$')", customerColumns, `regexp_matches("country", '^(LT|LV)$')`, nil},
		{"'ąčę 日本' = country", customerColumns, `('ąčę 日本' = "country")`, nil},
	} {
		e, err := Parse(test.src, test.cols)
		if err != nil {
			t.Errorf("Parse(%q): unexpected error: %v", test.src, err)
			continue
		}
		if e.SQL != test.want {
			t.Errorf("Parse(%q) = %s, want %s", test.src, e.SQL, test.want)
		}
		if test.used != nil && !slices.Equal(e.Columns, test.used) && !(len(test.used) == 0 && len(e.Columns) == 0) {
			t.Errorf("Parse(%q) columns = %q, want %q", test.src, e.Columns, test.used)
		}
		again, err := Parse(e.SQL, test.cols)
		if err != nil || again.SQL != e.SQL {
			t.Errorf("re-parse of %s: got %v, %v", e.SQL, again, err)
		}
	}
}

func TestParseHostile(t *testing.T) {
	long := "churn_probability > 0.5" + strings.Repeat(" OR churn_probability > 0.5", 200)
	deep := strings.Repeat("abs(", 70) + "recency" + strings.Repeat(")", 70)
	for _, test := range []struct {
		name   string
		src    string
		cause  error
		offset int
		token  string
		msg    string
	}{
		{"statement", "SELECT 1", ErrForbidden, 0, "SELECT", "SQL keyword SELECT"},
		{"lower-case statement", "1 + (select secret from t)", ErrForbidden, 5, "select", "SQL keyword SELECT"},
		{"attach", "ATTACH 'evil.db'", ErrForbidden, 0, "ATTACH", "SQL keyword ATTACH"},
		{"copy", "copy t to '/tmp/x'", ErrForbidden, 0, "copy", "SQL keyword COPY"},
		{"install", "INSTALL httpfs", ErrForbidden, 0, "INSTALL", "SQL keyword INSTALL"},
		{"load", "load httpfs", ErrForbidden, 0, "load", "SQL keyword LOAD"},
		{"pragma", "pragma version", ErrForbidden, 0, "pragma", "SQL keyword PRAGMA"},
		{"set", "SET memory_limit='1GB'", ErrForbidden, 0, "SET", "SQL keyword SET"},
		{"injection", "1); DROP TABLE x; --", ErrForbidden, 2, ";", "statement separator"},
		{"trailing semicolon", "recency > 1;", ErrForbidden, 11, ";", "statement separator"},
		{"line comment", "recency > 1 -- and more", ErrForbidden, 12, "--", "comments"},
		{"block comment", "recency /* x */ > 1", ErrForbidden, 8, "/*", "comments"},
		{"read_csv", "read_csv('/etc/passwd')", ErrForbidden, 0, "read_csv", "function read_csv is not allowed"},
		{"read_parquet", "recency > (read_parquet('s3://b/x'))", ErrForbidden, 11, "read_parquet", "function read_parquet"},
		{"read_text", "length(READ_TEXT('/etc/shadow'))", ErrForbidden, 7, "READ_TEXT", "function READ_TEXT"},
		{"glob", "glob('*')", ErrForbidden, 0, "glob", "function glob"},
		{"getenv", "getenv('HOME') = 'x'", ErrForbidden, 0, "getenv", "function getenv"},
		{"quoted function", `"read_csv"('x')`, ErrForbidden, 0, `"read_csv"`, "quoted function names"},
		{"unknown column", "churn_probabilty > 0.6", ErrUnknownColumn, 0, "churn_probabilty", `did you mean "churn_probability"?`},
		{"unknown column no hint", "zzzzzzzz > 1", ErrUnknownColumn, 0, "zzzzzzzz", `unknown column "zzzzzzzz"`},
		{"qualified name", "t.recency > 1", ErrForbidden, 1, ".", "unexpected character '.'"},
		{"star", "count(*)", ErrForbidden, 0, "count", "function count"},
		{"unterminated string", "country = 'LT", ErrSyntax, 10, "'LT", "unterminated string literal"},
		{"unterminated identifier", `"country = 'LT'`, ErrSyntax, 0, `"country = 'LT'`, "unterminated quoted identifier"},
		{"unclosed paren", "(recency > 1", ErrSyntax, 0, "(", "( is never closed"},
		{"extra paren", "recency > 1)", ErrSyntax, 11, ")", ") without a matching ("},
		{"empty", "   ", ErrSyntax, 0, "", "empty expression"},
		{"dangling operator", "recency >", ErrSyntax, 9, "", "unexpected end of expression"},
		{"chained comparison", "1 < recency < 5", ErrSyntax, 12, "<", "cannot be chained"},
		{"alias trick", "1abc", ErrSyntax, 0, "1abc", "malformed number"},
		{"hex", "0x10", ErrSyntax, 0, "0x10", "malformed number"},
		{"too long", long, ErrLimit, 4096, "", "longer than the limit of 4096"},
		{"too deep", deep, ErrLimit, 24, "abs", "nested deeper than 64"},
		{"bad type", "CAST(recency AS BLOB)", ErrForbidden, 16, "BLOB", "type identifier BLOB"},
		{"array type", "recency::INT[]", ErrForbidden, 12, "[", "unexpected character '['"},
		{"fullwidth semicolon", "recency > 1 ；drop", ErrForbidden, 12, "；", "U+FF1B"},
		{"cyrillic homoglyph", "сountry = 'LT'", ErrForbidden, 0, "с", "U+0441"},
		{"quoted homoglyph", `"сountry" = 'LT'`, ErrUnknownColumn, 0, `"сountry"`, `did you mean "country"?`},
		{"bidi override in string", "country = '\u202eTL'", ErrForbidden, 11, "\u202e", "U+202E"},
		{"zero-width space", "country\u200b = 'LT'", ErrForbidden, 7, "\u200b", "U+200B"},
		{"nul byte", "country = '\x00'", ErrForbidden, 11, "\x00", "control character"},
		{"invalid utf8", "country = '\xff'", ErrForbidden, 11, "\xff", "invalid UTF-8"},
		{"dollar quote", "$$x$$", ErrForbidden, 0, "$", "unexpected character"},
		{"parameter", "recency > ?", ErrForbidden, 10, "?", "unexpected character"},
		{"named argument", "round(recency := 1)", ErrForbidden, 14, ":", "unexpected character"},
		{"escape string", "E'\\x41'", ErrForbidden, 0, `E'\x41'`, "prefixed string literal"},
		{"deep parens", strings.Repeat("(", 200) + "1" + strings.Repeat(")", 200), ErrLimit, 130, "(", "nested too deeply"},
		{"bad date", "DATE '2024-02-30'", ErrSyntax, 5, "'2024-02-30'", "malformed DATE"},
		{"arity", "nullif(recency)", ErrSyntax, 0, "nullif", "exactly 2"},
		{"keyword as column", "recency > end", ErrSyntax, 10, "end", "unexpected keyword END"},
		{"distinct", "coalesce(distinct recency)", ErrSyntax, 9, "distinct", "unexpected keyword DISTINCT"},
		{"empty in", "country IN ()", ErrSyntax, 12, ")", "empty IN list"},
		{"case without end", "CASE WHEN recency > 1 THEN 1", ErrSyntax, 28, "", "expected END"},
	} {
		_, err := Parse(test.src, customerColumns)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s: Parse(%q) error = %v, want *Error", test.name, test.src, err)
			continue
		}
		if !errors.Is(err, test.cause) {
			t.Errorf("%s: error %v does not wrap %v", test.name, err, test.cause)
		}
		if e.Offset != test.offset {
			t.Errorf("%s: offset %d, want %d (%v)", test.name, e.Offset, test.offset, err)
		}
		if test.token != "" && e.Token != test.token {
			t.Errorf("%s: token %q, want %q", test.name, e.Token, test.token)
		}
		if !strings.Contains(err.Error(), test.msg) {
			t.Errorf("%s: error %q does not contain %q", test.name, err, test.msg)
		}
	}
}

func TestLimits(t *testing.T) {
	src := strings.Repeat("recency + ", 100) + "1"
	if _, err := Parse(src, customerColumns); !errors.Is(err, ErrLimit) {
		t.Errorf("100-term sum: got %v, want ErrLimit with the default depth", err)
	}
	e, err := ParseLimits(src, customerColumns, &Limits{MaxDepth: 200})
	if err != nil {
		t.Fatalf("100-term sum with MaxDepth 200: %v", err)
	}
	if _, err := ParseLimits(e.SQL, customerColumns, &Limits{MaxDepth: 200, MaxLen: 1 << 20}); err != nil {
		t.Errorf("normalised form refused: %v", err)
	}
	if _, err := ParseLimits("recency > 1", customerColumns, &Limits{MaxLen: 5}); !errors.Is(err, ErrLimit) {
		t.Errorf("MaxLen 5: got %v, want ErrLimit", err)
	}
}

func TestDuplicateColumnsPanic(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic for columns differing only in case")
		}
	}()
	Parse("a", []string{"a", "A"})
}

func TestAllowlists(t *testing.T) {
	for _, name := range Functions() {
		if _, err := Parse(name+"(a)", []string{"a"}); errors.Is(err, ErrForbidden) {
			t.Errorf("allowlisted function %s refused: %v", name, err)
		}
	}
	for _, typ := range Types() {
		if _, err := Parse("CAST(a AS "+typ+")", []string{"a"}); err != nil {
			t.Errorf("allowlisted type %s refused: %v", typ, err)
		}
	}
}
