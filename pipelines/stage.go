package pipelines

import (
	"context"
	"fmt"
	"strings"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/pipelines/config"
)

// MaxAmount is the largest magnitude a numeric input value may have; larger
// ones are quarantined with rule not_finite. It keeps money within
// DECIMAL(18,4) (see moneyFields).
const MaxAmount = 1e13

// typed returns the SQL that reads value v as the canonical field's type,
// NULL when it cannot. Values arrive as text from CSV (and JSON strings), or
// typed from Parquet and expressions.
func (r *reader) typed(f config.Field, v string) string {
	if h, ok := r.direct[f.Name]; ok && r.format() == "csv" && v == "s."+engine.Ident(h) && r.readType(h) == f.Type {
		return v // typed by the CSV reader
	}
	if f.Type == "VARCHAR" && r.format() == "json" {
		// A nested object or array where text belongs cannot be read.
		return fmt.Sprintf("CASE WHEN regexp_matches(CAST(%[1]s AS VARCHAR), '^\\s*[\\[{]') AND json_valid(CAST(%[1]s AS VARCHAR)) THEN NULL ELSE CAST(%[1]s AS VARCHAR) END", v)
	}
	switch f.Type {
	case "BOOLEAN":
		return fmt.Sprintf(`CASE WHEN lower(trim(CAST(%[1]s AS VARCHAR))) IN ('true','t','yes','y','1') THEN true
			WHEN lower(trim(CAST(%[1]s AS VARCHAR))) IN ('false','f','no','n','0') THEN false END`, v)
	case "DATE", "TIMESTAMP":
		format := r.src.DateFormat
		if f.Type == "TIMESTAMP" && r.src.TimestampFormat != "" {
			format = r.src.TimestampFormat
		}
		if format == "" {
			return fmt.Sprintf("TRY_CAST(%s AS %s)", v, f.Type)
		}
		return fmt.Sprintf("coalesce(CAST(try_strptime(CAST(%[1]s AS VARCHAR), %[3]s) AS %[2]s), TRY_CAST(%[1]s AS %[2]s))", v, f.Type, engine.Quote(format))
	case "DOUBLE":
		if r.src.Decimal == "," && r.format() == "csv" {
			// As DuckDB's reader with decimal_separator: 12,5 is read,
			// and a number with a dot (12.5, 1.234,5) is not.
			return fmt.Sprintf("CASE WHEN NOT contains(CAST(%[1]s AS VARCHAR), '.') THEN TRY_CAST(replace(trim(CAST(%[1]s AS VARCHAR)), ',', '.') AS DOUBLE) END", v)
		}
		return fmt.Sprintf("TRY_CAST(%s AS DOUBLE)", v)
	case "BIGINT":
		// A whole number only: DuckDB's cast rounds 1.5 to 2.
		return fmt.Sprintf("CASE WHEN TRY_CAST(%[1]s AS DOUBLE) = trunc(TRY_CAST(%[1]s AS DOUBLE)) THEN TRY_CAST(%[1]s AS BIGINT) END", v)
	}
	return fmt.Sprintf("TRY_CAST(%s AS %s)", v, f.Type)
}

// nullable reports whether a value of field f that cannot be read is set
// to null and flagged (unreadable_<field>) rather than quarantining the
// row: an optional column that is not text, not part of the table's key
// and not the date that places the row before or after the as-of date. A
// customer with acquisition_cost "n/a" stays a customer.
func nullable(t *config.Table, f config.Field) bool {
	return !f.Required && f.Type != "VARCHAR" && !contains(t.Key, f.Name) && asOfColumn[t.Name] != f.Name
}

// idField reports whether f holds an identifier (customer_id, order_id,
// ...): its value is trimmed of surrounding blanks, and case-folded when
// id_case says so, so that "C1 " and "C1" are one customer.
func idField(f config.Field) bool {
	return f.Type == "VARCHAR" && strings.HasSuffix(f.Name, "_id")
}

// idSpace is the SQL of the characters trimmed off identifiers: space, tab
// and no-break space.
const idSpace = "' ' || chr(9) || chr(160)"

// trimID is the SQL of text s trimmed of idSpace. trim with a list of
// characters costs about 2.5 times a scan of the ids (20M order lines: 2.6 s
// of CPU per id column), and hardly any id needs it: a cheap test picks the
// rows that may, and only they are trimmed. The test is true whenever s
// starts or ends with one of the characters, so the result is trim's.
func trimID(s string) string {
	return fmt.Sprintf("CASE WHEN %s THEN trim(%s, %s) ELSE %s END", mayNeedTrim(s), s, idSpace, s)
}

func mayNeedTrim(s string) string {
	return fmt.Sprintf("(starts_with(%[1]s, ' ') OR ends_with(%[1]s, ' ') OR contains(%[1]s, chr(9)) OR contains(%[1]s, chr(160)))", s)
}

// idSQL is the SQL of identifier v as it is kept, with id_case idCase.
func idSQL(v, idCase string) string {
	e := fmt.Sprintf("nullif(%s, '')", trimID("CAST("+v+" AS VARCHAR)"))
	switch idCase {
	case "upper", "lower":
		return idCase + "(" + e + ")"
	}
	return e
}

// stage builds stg_<table> from raw_<table>: canonical typed columns plus
// _row (read order), _file, _line, and _rule/_reason/_column for values that
// cannot be read, required values that are missing and amounts that are not
// finite.
func (r *reader) stage(ctx context.Context) error {
	t := r.table
	src, err := r.source(ctx)
	if err != nil {
		return err
	}
	var inner, outer, castBad, missing, nonFinite, castCol []string
	if r.format() == "csv" {
		for h, typ := range r.exprColumns() {
			if typ == "VARCHAR" || r.readType(h) != "VARCHAR" {
				continue
			}
			raw := engine.Ident("_raw_" + h)
			bad := fmt.Sprintf("(s.%s IS NOT NULL AND s.%s IS NULL)", raw, engine.Ident(h))
			castBad = append(castBad, fmt.Sprintf("CASE WHEN %s THEN %s || ': cannot read ''' || left(s.%s, 80) || ''' as %s' END", bad, engine.Quote(h), raw, typ))
			castCol = append(castCol, fmt.Sprintf("CASE WHEN %s THEN %s END", bad, engine.Quote(h)))
		}
	}
	var notes []string
	for _, f := range t.Fields {
		var v string
		if h, ok := r.direct[f.Name]; ok {
			v = "s." + engine.Ident(h)
		} else if e, ok := r.exprs[f.Name]; ok {
			v = "(" + e + ")"
		} else {
			inner = append(inner, fmt.Sprintf("CAST(NULL AS %s) AS %s", f.Type, f.Name))
			outer = append(outer, f.Name)
			continue
		}
		outer = append(outer, f.Name)
		tv, id := r.typed(f, v), idField(f)
		vcol, have := f.Name, f.Name // the value as given, and the value read
		if tv == v && !id {
			// Typed by the CSV reader: nothing is left to fail.
			inner = append(inner, v+" AS "+f.Name)
		} else {
			vcol = "_v_" + f.Name
			val := tv
			if id {
				val = idSQL(tv, r.idCase)
				if tv != v {
					have = "_t_" + f.Name
					inner = append(inner, tv+" AS "+have)
				}
				given := "CAST(" + vcol + " AS VARCHAR)"
				notes = append(notes, fmt.Sprintf("CASE WHEN %[1]s THEN CASE WHEN %[2]s <> trim(%[2]s, %[3]s) THEN '%[4]s_trimmed' END END", mayNeedTrim(given), given, idSpace, f.Name))
				if r.idCase != "" {
					notes = append(notes, fmt.Sprintf("CASE WHEN %[1]s <> %[2]s THEN '%[2]s_case_folded' END", trimID(given), f.Name))
				}
			}
			inner = append(inner, fmt.Sprintf("%s AS %s, %s AS %s", val, f.Name, v, vcol))
			if h, direct := r.direct[f.Name]; direct && (f.Type == "DOUBLE" || f.Type == "BIGINT") && r.format() == "csv" && r.readType(h) == "VARCHAR" {
				// 1_000 reads as 1000: flagged, as the writer may have meant something else.
				notes = append(notes, fmt.Sprintf("CASE WHEN %[2]s IS NOT NULL AND regexp_matches(CAST(%[1]s AS VARCHAR), '[0-9]_[0-9]') THEN '%[3]s_digit_separator' END", vcol, f.Name, f.Name))
			}
			if tv != v {
				bad := fmt.Sprintf("(%s IS NOT NULL AND %s IS NULL)", vcol, have)
				if nullable(t, f) {
					// An optional value that cannot be read is set to null
					// and flagged: the row stays.
					notes = append(notes, fmt.Sprintf("CASE WHEN %s THEN 'unreadable_%s' END", bad, f.Name))
				} else {
					castBad = append(castBad, fmt.Sprintf("CASE WHEN %s THEN '%s: cannot read ''' || left(CAST(%s AS VARCHAR), 80) || ''' as %s' END", bad, f.Name, vcol, f.Type))
					castCol = append(castCol, fmt.Sprintf("CASE WHEN %s THEN '%s' END", bad, f.Name))
				}
			}
		}
		if f.Required {
			given := vcol
			if id {
				given = f.Name // an id of blanks is missing
			}
			missing = append(missing, fmt.Sprintf("CASE WHEN %s IS NULL THEN '%s: missing' END", given, f.Name))
			castCol = append(castCol, fmt.Sprintf("CASE WHEN %s IS NULL THEN '%s' END", given, f.Name))
		}
		if f.Type == "DOUBLE" {
			// Amounts beyond MaxAmount are not real amounts either, and
			// their sums would overflow to infinity.
			nonFinite = append(nonFinite, fmt.Sprintf("CASE WHEN isnan(%[1]s) OR isinf(%[1]s) THEN '%[1]s: ' || CAST(%[1]s AS VARCHAR) || ' is not a finite number' WHEN abs(%[1]s) > %[2]g THEN '%[1]s: ' || CAST(%[1]s AS VARCHAR) || ' is beyond +-%[2]g' END", f.Name, MaxAmount))
			castCol = append(castCol, fmt.Sprintf("CASE WHEN isnan(%[1]s) OR isinf(%[1]s) OR abs(%[1]s) > %[2]g THEN '%[1]s' END", f.Name, MaxAmount))
		}
	}
	// The cast checks of expression columns refer to s.*: keep them inside.
	exprBad, exprCol := castBad[:0:0], castCol[:0:0]
	nExpr := 0
	for _, c := range castBad {
		if strings.Contains(c, "s.\"_raw_") {
			exprBad = append(exprBad, c)
			nExpr++
		}
	}
	for _, c := range castCol {
		if strings.Contains(c, "s.\"_raw_") {
			exprCol = append(exprCol, c)
		}
	}
	castBad, castCol = castBad[nExpr:], castCol[nExpr:]
	if nExpr > 0 {
		inner = append(inner, "nullif(concat_ws('; ', "+strings.Join(exprBad, ", ")+"), '') AS _expr_reason", "coalesce("+strings.Join(exprCol, ", ")+") AS _expr_column")
		castBad = append([]string{"_expr_reason"}, castBad...)
		castCol = append([]string{"_expr_column"}, castCol...)
	}
	any := func(parts []string) string {
		if len(parts) == 0 {
			return "false"
		}
		return "coalesce(" + strings.Join(parts, ", ") + ") IS NOT NULL"
	}
	all := append(append(append([]string{}, castBad...), missing...), nonFinite...)
	// The rule is decided for every row; the reason and the column only for
	// the rows that have one (CASE evaluates its branch for those alone).
	// For CSV, stg_<table> is a view: the warehouse insert (merge) is the
	// one pass that computes it. Parquet and JSON rows get their record
	// filled in afterwards (keepRecords), so they are staged as a table.
	kind := "VIEW"
	if r.format() != "csv" {
		kind = "TABLE"
	}
	note := "CAST(NULL AS VARCHAR)"
	if len(notes) > 0 {
		note = "nullif(concat_ws(',', " + strings.Join(notes, ", ") + "), '')"
	}
	q := fmt.Sprintf(`CREATE OR REPLACE TEMP %[10]s stg_%[1]s AS
SELECT _row, _file, _k, %[2]s,
	CASE WHEN _rule IS NOT NULL THEN nullif(concat_ws('; ', %[3]s), '') END AS _reason,
	CASE WHEN _rule IS NOT NULL THEN coalesce(%[4]s) END AS _column,
	_rule, CAST(NULL AS VARCHAR) AS _record, CASE WHEN _rule IS NULL THEN %[11]s END AS _note
FROM (SELECT *, CASE WHEN NOT _keep THEN 'filtered' WHEN %[5]s THEN 'unreadable_value' WHEN %[6]s THEN 'missing_required' WHEN %[7]s THEN 'not_finite' END AS _rule
	FROM (SELECT s._row, s._file, s._k, %[12]s AS _keep, %[8]s FROM (%[9]s) s))`,
		t.Name, strings.Join(outer, ", "), strings.Join(append(all, "NULL"), ", "), strings.Join(append(castCol, "NULL"), ", "),
		any(castBad), any(missing), any(nonFinite), strings.Join(inner, ",\n\t"), src, kind, note, r.keep())
	if err := r.db.Exec(ctx, q); err != nil {
		return fmt.Errorf("sources.%s: mapping the columns of %s failed: %w; check the expressions under sources.%s.columns", t.Name, r.paths(), err, t.Name)
	}
	if r.format() == "csv" {
		return nil // the records of rejected rows are read back from the file (records.go)
	}
	return r.keepRecords(ctx)
}

// originalPath returns SQL mapping the file DuckDB read (expr) to the
// source file it stands for: transcoded copies are reported under the
// name of the file the user gave.
func (r *reader) originalPath(expr string) string {
	var whens []string
	for _, f := range r.files {
		if f.readPath != f.Path {
			whens = append(whens, fmt.Sprintf("WHEN %s THEN %s", engine.Quote(f.readPath), engine.Quote(f.Path)))
		}
	}
	if len(whens) == 0 {
		return expr
	}
	return fmt.Sprintf("CASE %s %s ELSE %s END", expr, strings.Join(whens, " "), expr)
}

// recordSQL renders a raw row (alias w) for the rejects output: the source
// columns as read, joined by the source's delimiter for CSV.
func (r *reader) recordSQL() string {
	var parts []string
	for _, h := range r.header {
		parts = append(parts, "coalesce(CAST(w."+engine.Ident(h)+" AS VARCHAR), '')")
	}
	delim := r.src.Delimiter
	if delim == "" || r.format() != "csv" {
		delim = ","
	}
	return "concat_ws(" + engine.Quote(delim) + ", " + strings.Join(parts, ", ") + ")"
}

// readType is the type the CSV reader gave source column h.
func (r *reader) readType(h string) string {
	if t := r.native[h]; t != "" {
		return t
	}
	return "VARCHAR"
}

// source returns the SELECT over raw_<table> that the staging reads: every
// source column (those used in expressions but read as text cast to their
// type, with the text kept as _raw_<col>), the read order _row, the file
// and _k, the row's ordinal among the rows its file gave. Line numbers are
// worked out later, only for the rows that are reported (linemap.go).
func (r *reader) source(ctx context.Context) (string, error) {
	var replace, rawCols []string
	if r.format() == "csv" {
		for h, typ := range r.exprColumns() {
			if typ != "VARCHAR" && r.readType(h) == "VARCHAR" {
				replace = append(replace, fmt.Sprintf("TRY_CAST(trim(r.%[1]s) AS %[2]s) AS %[1]s", engine.Ident(h), typ))
				rawCols = append(rawCols, fmt.Sprintf("r.%s AS %s", engine.Ident(h), engine.Ident("_raw_"+h)))
			}
		}
		if err := r.lineMap(ctx); err != nil {
			return "", err
		}
	}
	cols := "r.* EXCLUDE (_fidx)"
	if len(replace) > 0 {
		cols += " REPLACE (" + strings.Join(replace, ", ") + ")"
	}
	if len(rawCols) > 0 {
		cols += ", " + strings.Join(rawCols, ", ")
	}
	file, base := engine.Quote(r.files[0].Path), "0"
	if len(r.files) > 1 {
		var fw, bw []string
		for i, f := range r.files {
			fw = append(fw, fmt.Sprintf("WHEN %d THEN %s", i, engine.Quote(f.Path)))
			bw = append(bw, fmt.Sprintf("WHEN %d THEN %d", i, r.bases[i]))
		}
		file, base = "CASE r._fidx "+strings.Join(fw, " ")+" END", "CASE r._fidx "+strings.Join(bw, " ")+" END"
	}
	return fmt.Sprintf("SELECT r.rowid AS _row, %s AS _file, r.rowid - %s + 1 AS _k, %s FROM raw_%s r", file, base, cols, r.table.Name), nil
}

// keep is the SQL of the source's row filter (sources.<table>.where): rows
// for which it is not true get the rule filtered, which is counted, not
// quarantined.
func (r *reader) keep() string {
	if r.where == "" {
		return "true"
	}
	return "coalesce((" + r.where + "), false)"
}
