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
		if r.src.Decimal == "," {
			return fmt.Sprintf("TRY_CAST(replace(replace(trim(CAST(%[1]s AS VARCHAR)), '.', ''), ',', '.') AS DOUBLE)", v)
		}
		return fmt.Sprintf("TRY_CAST(%s AS DOUBLE)", v)
	case "BIGINT":
		return fmt.Sprintf("coalesce(TRY_CAST(%[1]s AS BIGINT), CAST(TRY_CAST(%[1]s AS DOUBLE) AS BIGINT))", v)
	}
	return fmt.Sprintf("TRY_CAST(%s AS %s)", v, f.Type)
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
			if typ == "VARCHAR" {
				continue
			}
			raw := engine.Ident("_raw_" + h)
			bad := fmt.Sprintf("(s.%s IS NOT NULL AND s.%s IS NULL)", raw, engine.Ident(h))
			castBad = append(castBad, fmt.Sprintf("CASE WHEN %s THEN %s || ': cannot read ''' || left(s.%s, 80) || ''' as %s' END", bad, engine.Quote(h), raw, typ))
			castCol = append(castCol, fmt.Sprintf("CASE WHEN %s THEN %s END", bad, engine.Quote(h)))
		}
	}
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
		vcol := "_v_" + f.Name
		inner = append(inner, fmt.Sprintf("%s AS %s, %s AS %s", r.typed(f, v), f.Name, v, vcol))
		outer = append(outer, f.Name)
		bad := fmt.Sprintf("(%s IS NOT NULL AND %s IS NULL)", vcol, f.Name)
		castBad = append(castBad, fmt.Sprintf("CASE WHEN %s THEN '%s: cannot read ''' || left(CAST(%s AS VARCHAR), 80) || ''' as %s' END", bad, f.Name, vcol, f.Type))
		castCol = append(castCol, fmt.Sprintf("CASE WHEN %s THEN '%s' END", bad, f.Name))
		if f.Required {
			missing = append(missing, fmt.Sprintf("CASE WHEN %s IS NULL THEN '%s: missing' END", vcol, f.Name))
			castCol = append(castCol, fmt.Sprintf("CASE WHEN %s IS NULL THEN '%s' END", vcol, f.Name))
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
	q := fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE stg_%[1]s AS
SELECT _row, _file, _line, %[2]s,
	nullif(concat_ws('; ', %[3]s), '') AS _reason,
	coalesce(%[4]s) AS _column,
	CASE WHEN %[5]s THEN 'unreadable_value' WHEN %[6]s THEN 'missing_required' WHEN %[7]s THEN 'not_finite' END AS _rule,
	CAST(NULL AS VARCHAR) AS _record
FROM (SELECT s._row, s._file, s._line, %[9]s FROM (%[10]s) s)`,
		t.Name, strings.Join(outer, ", "), strings.Join(append(all, "NULL"), ", "), strings.Join(append(castCol, "NULL"), ", "),
		any(castBad), any(missing), any(nonFinite), "", strings.Join(inner, ",\n\t"), src)
	if err := r.db.Exec(ctx, q); err != nil {
		return fmt.Errorf("sources.%s: mapping the columns of %s failed: %w; check the expressions under sources.%s.columns", t.Name, r.paths(), err, t.Name)
	}
	// Keep the source row, as read, of the rows that failed.
	q = fmt.Sprintf("UPDATE stg_%[1]s SET _record = %[2]s FROM raw_%[1]s w WHERE w.rowid = stg_%[1]s._row AND stg_%[1]s._rule IS NOT NULL", t.Name, r.recordSQL())
	return r.db.Exec(ctx, q)
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

// source returns the SELECT over raw_<table> that the staging reads: every
// source column (those used in expressions cast to their type, with the text
// kept as _raw_<col>), the read order _row, the file and the line.
//
// Rows are numbered per file in read order (_k). Lines the CSV reader
// rejected are skipped by that numbering, so a row's line is _k + header +
// the number of rejected lines before it, found with an ASOF join on the
// count of good rows preceding each rejected line. This is exact for files
// without line breaks inside quoted fields. Parquet rows are numbered from 1.
func (r *reader) source(ctx context.Context) (string, error) {
	t := r.table.Name
	hdr := 0
	if r.format() == "csv" && r.src.HasHeader() {
		hdr = 1
	}
	var replace, rawCols []string
	if r.format() == "csv" {
		for h, typ := range r.exprColumns() {
			if typ != "VARCHAR" {
				replace = append(replace, fmt.Sprintf("TRY_CAST(trim(r.%[1]s) AS %[2]s) AS %[1]s", engine.Ident(h), typ))
				rawCols = append(rawCols, fmt.Sprintf("r.%s AS %s", engine.Ident(h), engine.Ident("_raw_"+h)))
			}
		}
	}
	cols := "r.* EXCLUDE (filename)"
	if len(replace) > 0 {
		cols += " REPLACE (" + strings.Join(replace, ", ") + ")"
	}
	if len(rawCols) > 0 {
		cols += ", " + strings.Join(rawCols, ", ")
	}
	numbered := fmt.Sprintf(`SELECT r.rowid AS _row, `+r.originalPath("r.filename")+` AS _file, r.filename AS _read_file, r.rowid - o._base + 1 AS _k, %s
	FROM raw_%s r JOIN (SELECT filename, min(rowid) AS _base FROM raw_%s GROUP BY filename) o USING (filename)`, cols, t, t)
	if r.format() != "csv" {
		return fmt.Sprintf("SELECT _k AS _line, * FROM (%s)", numbered), nil
	}
	q := fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE bad_%[1]s AS
SELECT file_path, a, max(j) AS j FROM (
	SELECT file_path, line - %[2]d - row_number() OVER w AS a, row_number() OVER w AS j
	FROM (SELECT DISTINCT s.file_path, e.line FROM csv_rejects e JOIN csv_scans s USING (scan_id, file_id) WHERE e.scan_id > %[3]d)
	WINDOW w AS (PARTITION BY file_path ORDER BY line))
GROUP BY ALL`, t, hdr, r.scanFrom)
	if err := r.db.Exec(ctx, q); err != nil {
		return "", err
	}
	n, err := r.db.Int(ctx, "SELECT count(*) FROM bad_"+t)
	if err != nil {
		return "", err
	}
	if n == 0 {
		return fmt.Sprintf("SELECT _k + %d AS _line, * FROM (%s)", hdr, numbered), nil
	}
	return fmt.Sprintf(`SELECT n._k + %d + coalesce(b.j, 0) AS _line, n.* FROM (%s) n
	ASOF LEFT JOIN bad_%s b ON b.file_path = n._read_file AND n._k > b.a`, hdr, numbered, t), nil
}
