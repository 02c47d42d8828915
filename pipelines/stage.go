package pipelines

import (
	"context"
	"fmt"
	"strings"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/pipelines/config"
)

// typed returns the SQL that reads value v as the canonical field's type,
// NULL when it cannot.
func (r *reader) typed(f config.Field, v string, csvDirect bool) string {
	switch f.Type {
	case "BOOLEAN":
		return fmt.Sprintf(`CASE WHEN lower(trim(CAST(%[1]s AS VARCHAR))) IN ('true','t','yes','y','1') THEN true
			WHEN lower(trim(CAST(%[1]s AS VARCHAR))) IN ('false','f','no','n','0') THEN false END`, v)
	case "DATE", "TIMESTAMP":
		format := r.src.DateFormat
		if f.Type == "TIMESTAMP" && r.src.TimestampFormat != "" {
			format = r.src.TimestampFormat
		}
		if format == "" || csvDirect {
			return fmt.Sprintf("TRY_CAST(%s AS %s)", v, f.Type)
		}
		return fmt.Sprintf("coalesce(TRY_CAST(%[1]s AS %[2]s), CAST(try_strptime(CAST(%[1]s AS VARCHAR), %[3]s) AS %[2]s))", v, f.Type, engine.Quote(format))
	case "DOUBLE":
		if r.src.Decimal == "," && !csvDirect {
			return fmt.Sprintf("coalesce(TRY_CAST(%[1]s AS DOUBLE), TRY_CAST(replace(replace(CAST(%[1]s AS VARCHAR), '.', ''), ',', '.') AS DOUBLE))", v)
		}
	}
	return fmt.Sprintf("TRY_CAST(%s AS %s)", v, f.Type)
}

// stage builds stg_<table> from raw_<table>: canonical typed columns plus
// _row (read order), _file, _line, and _rule/_reason/_column for values that
// cannot be read, required values that are missing and amounts that are not
// finite.
func (r *reader) stage(ctx context.Context) error {
	t := r.table
	hdr := 0
	if r.format() == "csv" && r.src.HasHeader() {
		hdr = 1
	}
	lineExpr, err := r.lineExpr(ctx, hdr)
	if err != nil {
		return err
	}
	var inner, outer, castBad, missing, nonFinite, castCol []string
	for _, f := range t.Fields {
		var v string
		csvDirect := false
		if h, ok := r.direct[f.Name]; ok {
			v = "r." + engine.Ident(h)
			csvDirect = r.format() == "csv"
		} else if e, ok := r.exprs[f.Name]; ok {
			v = "(" + e + ")"
		} else {
			inner = append(inner, fmt.Sprintf("CAST(NULL AS %s) AS %s", f.Type, f.Name))
			outer = append(outer, f.Name)
			continue
		}
		vcol := "_v_" + f.Name
		inner = append(inner, fmt.Sprintf("%s AS %s, %s AS %s", r.typed(f, v, csvDirect), f.Name, v, vcol))
		outer = append(outer, f.Name)
		bad := fmt.Sprintf("(%s IS NOT NULL AND %s IS NULL)", vcol, f.Name)
		castBad = append(castBad, fmt.Sprintf("CASE WHEN %s THEN '%s: cannot read ''' || left(CAST(%s AS VARCHAR), 80) || ''' as %s' END", bad, f.Name, vcol, f.Type))
		castCol = append(castCol, fmt.Sprintf("CASE WHEN %s THEN '%s' END", bad, f.Name))
		if f.Required {
			missing = append(missing, fmt.Sprintf("CASE WHEN %s IS NULL THEN '%s: missing' END", vcol, f.Name))
			castCol = append(castCol, fmt.Sprintf("CASE WHEN %s IS NULL THEN '%s' END", vcol, f.Name))
		}
		if f.Type == "DOUBLE" {
			nonFinite = append(nonFinite, fmt.Sprintf("CASE WHEN isnan(%[1]s) OR isinf(%[1]s) THEN '%[1]s: ' || CAST(%[1]s AS VARCHAR) || ' is not a finite number' END", f.Name))
			castCol = append(castCol, fmt.Sprintf("CASE WHEN isnan(%[1]s) OR isinf(%[1]s) THEN '%[1]s' END", f.Name))
		}
	}
	any := func(parts []string) string {
		if len(parts) == 0 {
			return "false"
		}
		return "coalesce(" + strings.Join(parts, ", ") + ") IS NOT NULL"
	}
	all := append(append(append([]string{}, castBad...), missing...), nonFinite...)
	q := fmt.Sprintf(`CREATE OR REPLACE TABLE stg_%[1]s AS
SELECT _row, _file, _line, %[2]s,
	nullif(concat_ws('; ', %[3]s), '') AS _reason,
	coalesce(%[4]s) AS _column,
	CASE WHEN %[5]s THEN 'unreadable_value' WHEN %[6]s THEN 'missing_required' WHEN %[7]s THEN 'not_finite' END AS _rule,
	CAST(%[8]s AS VARCHAR) AS _record
FROM (SELECT r._row, r._file, %[9]s AS _line, %[10]s
      FROM (SELECT rowid AS _row, filename AS _file, rowid - min(rowid) OVER (PARTITION BY filename) + 1 AS _k, * EXCLUDE (filename) FROM raw_%[1]s) r
      %[11]s)
ORDER BY _row`,
		t.Name, strings.Join(outer, ", "), strings.Join(append(all, "NULL"), ", "), strings.Join(append(castCol, "NULL"), ", "),
		any(castBad), any(missing), any(nonFinite), r.recordStruct(), lineExpr.expr, strings.Join(inner, ",\n\t"), lineExpr.join)
	if err := r.db.Exec(ctx, q); err != nil {
		return fmt.Errorf("sources.%s: mapping the columns of %s failed: %w; check the expressions under sources.%s.columns", t.Name, r.paths(), err, t.Name)
	}
	return r.db.Exec(ctx, "DROP TABLE IF EXISTS raw_"+t.Name)
}

// recordStruct renders the source row for the rejects output.
func (r *reader) recordStruct() string {
	var parts []string
	for _, f := range r.table.Fields {
		if _, ok := r.direct[f.Name]; ok {
			parts = append(parts, engine.Quote(f.Name)+": _v_"+f.Name)
		} else if _, ok := r.exprs[f.Name]; ok {
			parts = append(parts, engine.Quote(f.Name)+": _v_"+f.Name)
		}
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

type lineSQL struct{ expr, join string }

// lineExpr returns the SQL for the source line of each accepted raw row.
// Rows are numbered per file in read order (_k); lines the CSV reader
// rejected are skipped by that numbering, so the line is _k + header + the
// number of rejected lines before it, found with an ASOF join on the count
// of good rows preceding each rejected line. This is exact for files without
// line breaks inside quoted fields. Parquet rows are numbered from 1.
func (r *reader) lineExpr(ctx context.Context, hdr int) (lineSQL, error) {
	if r.format() != "csv" {
		return lineSQL{expr: "r._k"}, nil
	}
	q := fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE bad_%[1]s AS
SELECT file_path, a, max(j) AS j FROM (
	SELECT file_path, line - %[2]d - row_number() OVER w AS a, row_number() OVER w AS j
	FROM (SELECT DISTINCT s.file_path, e.line FROM csv_rejects e JOIN csv_scans s USING (scan_id, file_id) WHERE e.scan_id > %[3]d)
	WINDOW w AS (PARTITION BY file_path ORDER BY line))
GROUP BY ALL`, r.table.Name, hdr, r.scanFrom)
	if err := r.db.Exec(ctx, q); err != nil {
		return lineSQL{}, err
	}
	return lineSQL{
		expr: fmt.Sprintf("r._k + %d + coalesce(b.j, 0)", hdr),
		join: fmt.Sprintf("ASOF LEFT JOIN bad_%s b ON b.file_path = r._file AND r._k > b.a", r.table.Name),
	}, nil
}
