package pipelines

import (
	"context"
	"fmt"

	"golang.org/x/text/encoding"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/engine/frame"
)

// The line map of a CSV load (see lines.go for the rules). Rows carry only
// _k, their ordinal among the rows DuckDB accepted from their file; the
// line of the few rows that are reported is worked out from two small
// tables, kept in the warehouse beside the rows:
//
//   - wh_badruns (path, a, j): the CSV reader rejected j records up to the
//     end of a run of rejected records that follows a accepted rows: an
//     accepted row k > a is data record k + j.
//   - wh_shifts (path, rec, phys): from data record rec on, a record's
//     physical line is rec + phys.

// header0 is the number of header lines of the source's CSV files.
func (r *reader) header0() int {
	if r.src.HasHeader() {
		return 1
	}
	return 0
}

// lineMap builds, for the files just read, badrec_<table> (each record the
// CSV reader rejected, with its physical line, rule, reason and text),
// bad_<table> (runs of rejected records) and shift_<table>, all by the
// original file path.
func (r *reader) lineMap(ctx context.Context) error {
	t, hdr := r.table.Name, r.header0()
	q := fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE badline_%[1]s AS
SELECT %[4]s AS file_path, e.line AS duck,
	first(e.column_name ORDER BY e.column_idx) AS column_name,
	CASE WHEN bool_and(CAST(e.error_type AS VARCHAR) = 'CAST') THEN 'unreadable_value' ELSE 'malformed_line' END AS rule,
	string_agg(CASE WHEN CAST(e.error_type AS VARCHAR) = 'CAST' AND regexp_matches(e.error_message, 'Could not convert string "(.*)" to')
		THEN e.column_name || ': cannot read ''' || left(regexp_extract(e.error_message, 'Could not convert string "(.*)" to', 1), 80) || ''' as ' || regexp_extract(e.error_message, 'to ''([^'']*)''', 1)
		ELSE e.error_message END, '; ' ORDER BY e.column_idx) AS reason,
	left(trim(first(e.csv_line), chr(13) || chr(10)), %[3]d) AS record
FROM csv_rejects e JOIN csv_scans s USING (scan_id, file_id) WHERE e.scan_id > %[2]d
GROUP BY ALL`, t, r.scanFrom, maxRecordBytes, r.originalPath("s.file_path"))
	if err := r.db.Exec(ctx, q); err != nil {
		return err
	}
	bad, err := r.db.QueryFrame(ctx, fmt.Sprintf("SELECT file_path, count(*) AS n FROM badline_%s GROUP BY ALL", t))
	if err != nil {
		return err
	}
	rejected := map[string]int64{}
	for i := 0; i < bad.Len(); i++ {
		rejected[bad.Col("file_path").Strings[i]] = bad.Col("n").Ints[i]
	}
	var paths []string
	var recs, ducks, phys []int64
	rows := r.fileRows()
	for i, f := range r.files {
		records := rows[i] + rejected[f.Path]
		shifts := []recordShift{{Rec: 1, DuckLine: int64(hdr), Phys: int64(hdr)}}
		if f.readPath != f.Path || duckEncoding(r.src.EncodingName()) == "utf-16" || f.lines != int64(hdr)+records {
			// Blank lines or line breaks inside quoted fields (or a file
			// whose lines were not counted): index it.
			if shifts, err = r.indexFile(f); err != nil {
				return err
			}
		}
		for _, s := range shifts {
			paths, recs, ducks, phys = append(paths, f.Path), append(recs, s.Rec), append(ducks, s.DuckLine), append(phys, s.Phys)
		}
	}
	sh := &frame.Frame{}
	sh.Add(frame.NewString("file_path", paths, nil))
	sh.Add(frame.NewInt("rec", recs, nil))
	sh.Add(frame.NewInt("duck", ducks, nil))
	sh.Add(frame.NewInt("phys", phys, nil))
	if err := r.db.CreateTable(ctx, "shift_"+t, sh); err != nil {
		return err
	}
	// A rejected record's DuckDB line gives its data record through the
	// shift in force there (the last one starting at or before it).
	q = fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE badrec_%[1]s AS
SELECT b.*, b.duck - s.duck AS rec, b.duck - s.duck + s.phys AS line
FROM badline_%[1]s b ASOF LEFT JOIN (SELECT *, rec + duck AS duck_from FROM shift_%[1]s) s
	ON s.file_path = b.file_path AND b.duck >= s.duck_from;
DROP TABLE badline_%[1]s;
`, t) + badRunsSQL(t)
	return r.db.Exec(ctx, q)
}

// indexFile reads one CSV file in Go for its record shifts.
func (r *reader) indexFile(f *InputFile) ([]recordShift, error) {
	dec, err := sourceDecoder(r.src.EncodingName(), f)
	if err != nil {
		return nil, err
	}
	rd, closeFn, err := openText(f.readPath, dec)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	shifts, _, err := indexRecords(rd, quoteByte(r.src.Quote), r.header0())
	if err != nil {
		return nil, fmt.Errorf("sources.%s: reading the lines of %s: %w", r.table.Name, f.Path, err)
	}
	return shifts, nil
}

// sourceDecoder returns the decoder that turns the file DuckDB read (f's
// readPath) into UTF-8 text: nil when it is UTF-8 already.
func sourceDecoder(enc string, f *InputFile) (encoding.Encoding, error) {
	if f.readPath != f.Path || enc == "utf-8" {
		return nil, nil
	}
	if enc == "utf-16" || enc == "utf-16le" {
		return decoderFor("utf-16le")
	}
	return decoderFor(enc)
}

func quoteByte(q string) byte {
	if q != "" {
		return q[0]
	}
	return '"'
}

// lineSQL returns a SELECT over rel (which has _file and a _k column named
// by k) adding the physical line as column out, through the warehouse's
// line map. Rows of files with no map (Parquet, JSON) are numbered by _k.
func lineSQL(table, rel, file, k, out string) string {
	return fmt.Sprintf(`SELECT x.* EXCLUDE (_drec), x._drec + coalesce(s.phys, 0) AS %[5]s FROM (
	SELECT r.*, r.%[3]s + coalesce(b.j, 0) AS _drec FROM (%[1]s) r
	ASOF LEFT JOIN (SELECT * FROM wh_badruns WHERE table_name = %[4]s) b ON b.path = r.%[2]s AND r.%[3]s > b.a) x
ASOF LEFT JOIN (SELECT * FROM wh_shifts WHERE table_name = %[4]s) s ON s.path = x.%[2]s AND x._drec >= s.rec`, rel, file, k, engine.Quote(table), out)
}

// keepRecords fills in _record for Parquet and JSON rows that failed a
// rule: the source columns as read.
func (r *reader) keepRecords(ctx context.Context) error {
	t := r.table.Name
	q := fmt.Sprintf("UPDATE stg_%[1]s SET _record = %[2]s FROM raw_%[1]s w WHERE w.rowid = stg_%[1]s._row AND stg_%[1]s._rule IS NOT NULL", t, r.recordSQL())
	return r.db.Exec(ctx, q)
}

// badRunsSQL builds bad_<table>, the runs of rejected records, from
// badrec_<table> (file_path, rec).
func badRunsSQL(t string) string {
	return fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE bad_%[1]s AS
SELECT file_path, a, max(j) AS j FROM (
	SELECT file_path, rec - row_number() OVER w AS a, row_number() OVER w AS j
	FROM badrec_%[1]s WINDOW w AS (PARTITION BY file_path ORDER BY rec))
GROUP BY ALL`, t)
}
