package pipelines

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

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

// badLines builds badline_<table>, one row per record that DuckDB's last
// scans rejected, and notes their byte offsets per file. DuckDB reports a
// record's errors under its line (and, in badly broken quoting, under
// several bytes): one record is one line of DuckDB's.
func (r *reader) badLines(ctx context.Context) error {
	t := r.table.Name
	q := fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE badline_%[1]s AS
SELECT %[4]s AS file_path, e.line AS duck, min(e.line_byte_position) - 1 AS pos,
	first(e.column_name ORDER BY e.column_idx) AS column_name,
	CASE WHEN bool_and(CAST(e.error_type AS VARCHAR) = 'CAST') THEN 'unreadable_value' ELSE 'malformed_line' END AS rule,
	string_agg(CASE WHEN CAST(e.error_type AS VARCHAR) = 'CAST' AND regexp_matches(e.error_message, 'Could not convert string "(.*)" to')
		THEN e.column_name || ': cannot read ''' || left(regexp_extract(e.error_message, 'Could not convert string "(.*)" to', 1), 80) || ''' as ' || regexp_extract(e.error_message, 'to ''([^'']*)''', 1)
			|| CASE regexp_extract(e.error_message, 'to ''([^'']*)''', 1) WHEN 'DATE' THEN %[6]s WHEN 'TIMESTAMP' THEN %[7]s ELSE '' END
		WHEN CAST(e.error_type AS VARCHAR) = 'INVALID ENCODING' THEN e.error_message || %[5]s
		ELSE e.error_message END, '; ' ORDER BY e.column_idx) AS reason,
	left(trim(first(e.csv_line), chr(13) || chr(10)), %[3]d) AS record, CAST(NULL AS VARCHAR) AS key
FROM csv_rejects e JOIN csv_scans s USING (scan_id, file_id) WHERE e.scan_id > %[2]d
GROUP BY 1, 2`, t, r.scanFrom, maxRecordBytes, r.originalPath("s.file_path"),
		engine.Quote(fmt.Sprintf(" (if the file is not UTF-8, set sources.%s.encoding, e.g. windows-1252)", t)),
		engine.Quote(r.formatHint("date_format", r.src.DateFormat)), engine.Quote(r.formatHint("timestamp_format", r.src.TimestampFormat)))
	if err := r.db.Exec(ctx, q); err != nil {
		return err
	}
	bad, err := r.db.QueryFrame(ctx, fmt.Sprintf("SELECT file_path, pos FROM badline_%s ORDER BY ALL", t))
	if err != nil {
		return err
	}
	r.positions = map[string][]int64{}
	for i := 0; i < bad.Len(); i++ {
		p := bad.Col("file_path").Strings[i]
		r.positions[p] = append(r.positions[p], bad.Col("pos").Ints[i])
	}
	return nil
}

// formatHint says, after a date that cannot be read, which format it was
// read with and which setting sets it.
func (r *reader) formatHint(key, format string) string {
	if format == "" {
		return fmt.Sprintf(" (dates are read as ISO, 2024-03-31; set sources.%s.%s if the file writes them otherwise)", r.table.Name, key)
	}
	return fmt.Sprintf(" with sources.%s.%s %q", r.table.Name, key, format)
}

// indexFiles indexes the files whose records do not sit one per line
// (blank lines, line breaks inside quoted fields, lines set aside, or a
// file whose lines were not counted) and returns those where DuckDB did
// not account for every record (read or rejected).
func (r *reader) indexFiles() ([]*InputFile, error) {
	r.idx = map[string]*recordIndex{}
	var lost []*InputFile
	rows := r.fileRows()
	for i, f := range r.files {
		records := rows[i] + int64(len(r.positions[f.Path]))
		if f.readPath == f.Path && duckEncoding(r.src.EncodingName()) != "utf-16" && f.lines == int64(r.header0())+records {
			continue
		}
		idx, err := r.indexFile(f, r.positions[f.Path])
		if err != nil {
			return nil, err
		}
		r.idx[f.Path] = idx
		if idx.records != records {
			lost = append(lost, f)
		}
	}
	return lost, nil
}

// lineMap builds, for the files just read (after badLines and
// indexFiles), badrec_<table> (each record the CSV reader rejected, and
// each line set aside, with its physical line, rule, reason and text),
// bad_<table> (runs of rejected records) and shift_<table>, all by the
// original file path.
func (r *reader) lineMap(ctx context.Context) error {
	t, hdr := r.table.Name, r.header0()
	var ppaths []string
	var pos, prec, pline []int64
	var shiftRows shiftTable
	rows := r.fileRows()
	for i, f := range r.files {
		shifts := []recordShift{{Rec: 1, Phys: int64(hdr)}}
		if idx := r.idx[f.Path]; idx != nil {
			if records := rows[i] + int64(len(r.positions[f.Path])); idx.records != records {
				return &LostRowsError{Table: t, Path: f.Path, Read: rows[i], Rejected: records - rows[i], Records: idx.records}
			}
			shifts = idx.shifts
			for _, p := range r.positions[f.Path] {
				at := idx.at[p]
				ppaths, pos, prec, pline = append(ppaths, f.Path), append(pos, p), append(prec, at.Rec), append(pline, at.Line)
			}
		}
		shiftRows.add(f.Path, shifts)
	}
	if err := shiftRows.create(ctx, r.db, "shift_"+t); err != nil {
		return err
	}
	bp := &frame.Frame{}
	bp.Add(frame.NewString("file_path", ppaths, nil))
	bp.Add(frame.NewInt("pos", pos, nil))
	bp.Add(frame.NewInt("rec", prec, nil))
	bp.Add(frame.NewInt("line", pline, nil))
	if err := r.db.CreateTable(ctx, "badpos_"+t, bp); err != nil {
		return err
	}
	// A rejected record's data record and physical line are DuckDB's line
	// in a file of one record per line, else the indexed record at its byte.
	q := fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE badrec_%[1]s AS
SELECT b.* EXCLUDE (pos), coalesce(p.rec, b.duck - %[2]d) AS rec, coalesce(p.line, b.duck) AS line
FROM badline_%[1]s b LEFT JOIN badpos_%[1]s p USING (file_path, pos);
DROP TABLE badline_%[1]s; DROP TABLE badpos_%[1]s;
`, t, hdr) + badRunsSQL(t)
	if err := r.db.Exec(ctx, q); err != nil {
		return err
	}
	// Lines set aside are no records of the file DuckDB read: they join
	// the rejects after the runs are known, and the warehouse keeps them
	// (wh_aside) for reading records back.
	sp, sr, st, sl := r.setAsideRows()
	sa := &frame.Frame{}
	sa.Add(frame.NewString("file_path", sp, nil))
	sa.Add(frame.NewInt("line", sl, nil))
	sa.Add(frame.NewString("reason", sr, nil))
	sa.Add(frame.NewString("record", st, nil))
	if err := r.db.CreateTable(ctx, "aside_"+t, sa); err != nil {
		return err
	}
	if err := r.db.Exec(ctx, fmt.Sprintf(`INSERT INTO badrec_%[1]s BY NAME SELECT file_path, line, 'malformed_line' AS rule, reason, record FROM aside_%[1]s`, t)); err != nil {
		return err
	}
	return r.badKeys(ctx)
}

// badKeys fills in the key of the customers that DuckDB's reader rejected
// or crmbatch set aside, read from their text: their orders and other rows
// then say customer_quarantined, naming the customer's line, instead of
// unknown_customer.
func (r *reader) badKeys(ctx context.Context) error {
	h, ok := r.direct["customer_id"]
	if r.table.Name != "customers" || !ok {
		return nil
	}
	f, err := r.db.QueryFrame(ctx, "SELECT file_path, CAST(line AS BIGINT) AS line, record FROM badrec_customers WHERE record IS NOT NULL ORDER BY ALL")
	if err != nil || f.Len() == 0 {
		return err
	}
	byPath := map[string]*InputFile{}
	for _, file := range r.files {
		byPath[file.Path] = file
	}
	var paths, keys []string
	var lines []int64
	for i := 0; i < f.Len(); i++ {
		file := byPath[f.Col("file_path").Strings[i]]
		if file == nil {
			continue
		}
		col := slices.IndexFunc(file.head.names, func(n string) bool { return strings.EqualFold(n, h) })
		fields := splitRecord([]byte(f.Col("record").Strings[i]), file.head.delim, quoteByte(r.src.Quote))
		if col < 0 || col >= len(fields) || strings.TrimSpace(fields[col]) == "" {
			continue
		}
		paths, lines, keys = append(paths, file.Path), append(lines, f.Col("line").Ints[i]), append(keys, fields[col])
	}
	k := &frame.Frame{}
	k.Add(frame.NewString("file_path", paths, nil))
	k.Add(frame.NewInt("line", lines, nil))
	k.Add(frame.NewString("key", keys, nil))
	if err := r.db.CreateTable(ctx, "badkeys_customers", k); err != nil {
		return err
	}
	return r.db.Exec(ctx, fmt.Sprintf(`UPDATE badrec_customers SET key = %s FROM badkeys_customers k
WHERE k.file_path = badrec_customers.file_path AND k.line = badrec_customers.line;
DROP TABLE badkeys_customers`, idSQL("k.key", r.idCase)))
}

// LostRowsError is a CSV file whose records DuckDB's reader did not all
// account for (read or rejected): crmbatch stops rather than lose rows.
type LostRowsError struct {
	Table, Path             string
	Read, Rejected, Records int64
}

func (e *LostRowsError) Error() string {
	return fmt.Sprintf("sources.%s: DuckDB's CSV reader accounted for %d records of %s (%d read, %d rejected), but the file holds %d: rows would be lost without a trace, so the run stops. Look for a quoted field of over 2 MB or broken quoting in the file; please report it with the file",
		e.Table, e.Read+e.Rejected, e.Path, e.Read, e.Rejected, e.Records)
}

// indexFile reads one CSV file (as DuckDB read it) in Go for its record
// shifts, its number of records and the records at the given byte offsets.
func (r *reader) indexFile(f *InputFile, offsets []int64) (idx *recordIndex, err error) {
	err = r.withText(f, func(rd io.Reader, skipped int64) (err error) {
		idx, err = indexRecords(rd, quoteByte(r.src.Quote), f.head.delim, r.header0(), offsets, skipped)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sources.%s: reading the lines of %s: %w", r.table.Name, f.Path, err)
	}
	return idx, nil
}

// withText hands use the file f as DuckDB read it (decompressed, decoded
// to UTF-8), and the number of bytes DuckDB's offsets count before it
// (bomBytes).
func (r *reader) withText(f *InputFile, use func(rd io.Reader, skipped int64) error) error {
	dec, err := sourceDecoder(r.src.EncodingName(), f)
	if err != nil {
		return err
	}
	rd, closeFn, err := openText(f.readPath, dec)
	if err != nil {
		return err
	}
	defer closeFn()
	return use(rd, bomBytes(f, dec))
}

// bomBytes is the length of the byte-order mark that DuckDB counts at the
// start of a file whose decoder drops it: DuckDB's byte offsets in a
// UTF-16 file with a byte-order mark count it as the 3 bytes of UTF-8.
func bomBytes(f *InputFile, dec encoding.Encoding) int64 {
	if dec == nil {
		return 0
	}
	fh, err := os.Open(f.readPath)
	if err != nil {
		return 0
	}
	defer fh.Close()
	b := make([]byte, 2)
	if n, _ := io.ReadFull(fh, b); n == 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF)) {
		return 3
	}
	return 0
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

// shiftTable gathers the record shifts of several files for shift_<table>.
type shiftTable struct {
	paths     []string
	recs, phy []int64
}

func (st *shiftTable) add(path string, shifts []recordShift) {
	for _, s := range shifts {
		st.paths, st.recs, st.phy = append(st.paths, path), append(st.recs, s.Rec), append(st.phy, s.Phys)
	}
}

// create writes the gathered shifts as the temporary table name
// (file_path, rec, phys).
func (st *shiftTable) create(ctx context.Context, db *engine.DB, name string) error {
	f := &frame.Frame{}
	f.Add(frame.NewString("file_path", st.paths, nil))
	f.Add(frame.NewInt("rec", st.recs, nil))
	f.Add(frame.NewInt("phys", st.phy, nil))
	return db.CreateTable(ctx, name, f)
}
