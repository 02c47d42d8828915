package pipelines

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/pipelines/config"
	"github.com/crmbatch/crmbatch/pipelines/expr"
)

// reader turns one source's files into the staging table stg_<table>: one
// row per record read, with the canonical columns typed, the file and line
// it came from, and the reason its values could not be read, if any.
type reader struct {
	db    *engine.DB
	table *config.Table
	src   *config.Source
	files []*InputFile

	header   []string          // source column names
	sniffed  map[string]string // source column -> type DuckDB detects
	direct   map[string]string // canonical -> source column
	exprs    map[string]string // canonical -> SQL expression over source columns (validated, normalised)
	exprRefs []string          // source columns the expressions use
	scanFrom int64             // CSV reject scans before ours
	bases    []int64           // raw_<table> rows before each file's
	total    int64             // raw_<table> rows
	native   map[string]string // source column -> type the CSV reader gave it (absent: VARCHAR)
	text     map[string]bool   // source columns read as text after a value of theirs could not be read (see nullable)
	empty    []*InputFile      // files with nothing in them, left out
	workDir  string            // the run's work folder, for copies of files
	idCase   string            // id_case: "", upper or lower

	positions map[string][]int64      // file -> byte offsets of the records DuckDB rejected (badLines)
	idx       map[string]*recordIndex // file -> its index, for files not of one record per line (indexFiles)
}

func (r *reader) format() string { return r.src.FileFormat() }

func (r *reader) fileList() string {
	var s []string
	for _, f := range r.files {
		s = append(s, engine.Quote(f.readPath))
	}
	return "[" + strings.Join(s, ", ") + "]"
}

// scanFile is scan for the i-th file alone.
func (r *reader) scanFile(i int, extra ...string) string {
	all := r.files
	r.files = all[i : i+1]
	defer func() { r.files = all }()
	return r.scan(extra...)
}

func (r *reader) paths() string { return r.paths0(r.files) }

// csvOptions are the options of read_csv for file f: the whole dialect,
// so that DuckDB's sniffer guesses nothing (see csvhead.go).
func (r *reader) csvOptions(f *InputFile) []string {
	s := r.src
	q := engine.Quote(string(quoteByte(s.Quote)))
	opts := []string{"auto_detect=false", fmt.Sprintf("header=%v", s.HasHeader()), "delim=" + engine.Quote(string(f.head.delim)), "quote=" + q, "escape=" + q}
	if s.Decimal == "," {
		opts = append(opts, "decimal_separator=','")
	}
	if s.DateFormat != "" {
		opts = append(opts, "dateformat="+engine.Quote(s.DateFormat))
	}
	if s.TimestampFormat != "" {
		opts = append(opts, "timestampformat="+engine.Quote(s.TimestampFormat))
	}
	if e := duckEncoding(s.EncodingName()); e != "" && e != "utf-8" && f.readPath == f.Path {
		opts = append(opts, "encoding="+engine.Quote(e))
	}
	return opts
}

// csvScan is read_csv of file f with its columns read as types gives them
// (VARCHAR when absent).
func (r *reader) csvScan(f *InputFile, types func(h string) string, extra ...string) string {
	var cols []string
	for _, h := range f.head.names {
		cols = append(cols, engine.Quote(h)+": "+engine.Quote(types(h)))
	}
	opts := append(r.csvOptions(f), "columns={"+strings.Join(cols, ", ")+"}")
	return fmt.Sprintf("read_csv(%s, %s)", engine.Quote(f.readPath), strings.Join(append(opts, extra...), ", "))
}

// scan is the table function that reads the reader's Parquet or JSON
// files.
func (r *reader) scan(extra ...string) string {
	if r.format() == "parquet" {
		return fmt.Sprintf("read_parquet(%s%s)", r.fileList(), optList(extra))
	}
	return fmt.Sprintf("read_json(%s, %s)", r.fileList(), strings.Join(append([]string{"format='newline_delimited'"}, extra...), ", "))
}

// discover reads the source's column names: for CSV from the first record
// of every file (csvhead.go), leaving out empty files; for Parquet and JSON
// from DuckDB.
func (r *reader) discover(ctx context.Context) error {
	if r.format() == "csv" {
		return r.discoverCSV()
	}
	scan := r.scan()
	if r.format() != "parquet" {
		scan = r.scan("ignore_errors=true")
	}
	f, err := r.db.QueryFrame(ctx, "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM "+scan+")")
	if err != nil {
		return fmt.Errorf("sources.%s: cannot read the columns of %s: %v; check format, delimiter, quote and header", r.table.Name, r.paths(), shortErr(err))
	}
	r.sniffed = map[string]string{}
	for i, c := range f.Col("column_name").Strings {
		if c != "filename" {
			r.header = append(r.header, c)
			r.sniffed[c] = f.Col("column_type").Strings[i]
		}
	}
	if len(r.header) == 0 {
		return fmt.Errorf("sources.%s: %s has no columns; is the file empty?", r.table.Name, r.paths())
	}
	return nil
}

func (r *reader) discoverCSV() error {
	var kept []*InputFile
	for _, f := range r.files {
		h, err := readCSVHead(f, r.src, r.table.Name)
		var empty *EmptyFileError
		if errors.As(err, &empty) {
			r.empty = append(r.empty, f)
			continue
		}
		if err != nil {
			return err
		}
		f.head = h
		kept = append(kept, f)
	}
	r.files = kept
	if len(kept) == 0 {
		return &EmptyFileError{Table: r.table.Name, Path: r.paths0(r.empty)}
	}
	r.header = kept[0].head.names
	r.sniffed = map[string]string{}
	return nil
}

// paths0 lists the paths of files.
func (r *reader) paths0(files []*InputFile) string {
	var s []string
	for _, f := range files {
		s = append(s, f.Path)
	}
	return strings.Join(s, ", ")
}

// shortErr is an error's message cut to a length fit for a message: DuckDB
// quotes whole lines, which can be megabytes long.
func shortErr(err error) string {
	msg := err.Error()
	if len(msg) > 600 {
		msg = strings.ToValidUTF8(msg[:600], "") + " ..."
	}
	return msg
}

func (r *reader) findHeader(name string) (string, bool) {
	for _, h := range r.header {
		if h == name {
			return h, true
		}
	}
	for _, h := range r.header {
		if strings.EqualFold(h, name) {
			return h, true
		}
	}
	return "", false
}

// caseDistinct drops column names that repeat an earlier one but for case:
// expressions match column names regardless of case.
func caseDistinct(cols []string) []string {
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

// mapColumns decides, for each canonical column, which source column or
// expression gives it, and stops when a required column has no source.
func (r *reader) mapColumns() error {
	r.direct, r.exprs = map[string]string{}, map[string]string{}
	var missing []string
	for _, f := range r.table.Fields {
		m, ok := r.src.Columns[f.Name]
		switch {
		case ok:
			if h, found := r.findHeader(m); found {
				r.direct[f.Name] = h
				continue
			}
			e, err := expr.Parse(m, caseDistinct(r.header))
			if err != nil {
				return fmt.Errorf("sources.%s.columns.%s: %q is not a column of %s, and as an expression: %w", r.table.Name, f.Name, m, r.paths(), err)
			}
			r.exprs[f.Name] = e.SQL
			r.exprRefs = append(r.exprRefs, e.Columns...)
		default:
			if h, found := r.findHeader(f.Name); found {
				r.direct[f.Name] = h
			} else if f.Required {
				missing = append(missing, f.Name)
			}
		}
	}
	if len(missing) > 0 {
		return &MissingColumnError{Table: r.table.Name, Files: r.paths(), Columns: missing, Have: r.header}
	}
	return nil
}

// MissingColumnError stops a run before anything is published: a required
// canonical column has no source column.
type MissingColumnError struct {
	Table   string
	Files   string
	Columns []string
	Have    []string
	// Source says that Columns are source columns the mapping reads,
	// missing from one file of several.
	Source bool
}

func (e *MissingColumnError) Error() string {
	if e.Source {
		return fmt.Sprintf("sources.%s: %s has no column %s, which the mapping reads and the first file has (its columns: %s); every file of a source needs the columns its mapping reads: fix the export, or list the file under another source",
			e.Table, e.Files, strings.Join(e.Columns, ", "), strings.Join(e.Have, ", "))
	}
	return fmt.Sprintf("sources.%s: required column(s) %s not found in %s (its columns: %s); map them under sources.%s.columns, e.g. %s: <your column>",
		e.Table, strings.Join(e.Columns, ", "), e.Files, strings.Join(e.Have, ", "), e.Table, e.Columns[0])
}

func (r *reader) mappingDoc() []string {
	var out []string
	for _, f := range r.table.Fields {
		if h, ok := r.direct[f.Name]; ok {
			out = append(out, f.Name+" <- "+h)
		} else if e, ok := r.exprs[f.Name]; ok {
			out = append(out, f.Name+" <- "+e)
		}
	}
	return out
}

// readRaw loads the files into raw_<table>, one file after the other, with
// the file's index in _fidx; bases records where each file's rows start, so
// that a row's ordinal in its file is rowid - base + 1 with no per-row file
// name to join on.
//
// CSV is read with its declared types (readTypes) and store_rejects: the
// reader itself quarantines values it cannot read, malformed lines and
// invalid UTF-8, with their line, into the connection's reject tables
// (csv_rejects, csv_scans). DuckDB 1.1 lost some of those records in large
// files, so crmbatch once read every column as text and typed it in SQL;
// 1.5 records every one. Lines that would make the reader lose others are
// set aside first (repair.go), and the files are read again when a read
// shows a stray quote or a value that an optional column could not read
// (read as text the next time, see nullable).
func (r *reader) readRaw(ctx context.Context) error {
	if r.format() != "csv" {
		return r.readFiles(ctx)
	}
	for _, f := range r.files {
		if f.digitU {
			r.readNumbersAsText()
		}
		f.base, f.set = f.readPath, nil
		if f.setAsideLong() || f.mixed {
			if err := writeCopy(f, r.src.EncodingName(), r.workDir); err != nil {
				return fmt.Errorf("sources.%s: %w", r.table.Name, err)
			}
		}
	}
	broken := false
	for round := 0; ; round++ {
		if err := r.readFiles(ctx); err != nil {
			return err
		}
		changed, err := r.strays(ctx)
		if err != nil {
			return err
		}
		text, err := r.unreadableOptional(ctx)
		if err != nil {
			return err
		}
		if len(changed) == 0 && !text {
			if err := r.badLines(ctx); err != nil {
				return err
			}
			lost, err := r.indexFiles()
			if err != nil || len(lost) == 0 || broken {
				return err // lineMap stops the run on files that still lose records
			}
			// Quoting so broken that DuckDB and crmbatch split the
			// records differently: every line of a broken record is set
			// aside, once.
			broken = true
			if changed, err = r.setAsideBroken(ctx, lost); err != nil || len(changed) == 0 {
				return err
			}
		}
		if round == maxRepairRounds {
			return fmt.Errorf("sources.%s: %s still has quoted fields that run over many lines after %d lines with stray quotes were set aside; check the quoting of the file (sources.%s.quote)", r.table.Name, r.paths0(changed), maxRepairRounds, r.table.Name)
		}
		for _, f := range changed {
			if err := writeCopy(f, r.src.EncodingName(), r.workDir); err != nil {
				return fmt.Errorf("sources.%s: %w", r.table.Name, err)
			}
		}
	}
}

// readFiles reads every file once into raw_<table>.
func (r *reader) readFiles(ctx context.Context) error {
	raw := "raw_" + r.table.Name
	var opts []string
	if r.format() == "csv" {
		var err error
		if r.scanFrom, err = scanMark(ctx, r.db); err != nil {
			return err
		}
		r.native = r.readTypes()
		opts = []string{"store_rejects=true", "rejects_table='csv_rejects'", "rejects_scan='csv_scans'"}
	}
	if r.format() == "json" {
		// A field mapped to text is read as text: a nested value in one
		// row then stays that row's problem (typed), instead of turning the
		// whole column into JSON with quoted strings. Dates and timestamps
		// are read as text too and cast as in CSV: a UTC offset is dropped,
		// the local time kept (the sniffer would make them TIMESTAMPTZ and
		// turn them into UTC).
		text := map[string]bool{}
		for _, f := range r.table.Fields {
			if h, ok := r.direct[f.Name]; ok && (f.Type == "VARCHAR" || f.Type == "DATE" || f.Type == "TIMESTAMP") {
				text[h] = true
			}
		}
		var cols []string
		for _, h := range r.header {
			t := r.sniffed[h]
			if text[h] {
				t = "VARCHAR"
			}
			cols = append(cols, engine.Quote(h)+": "+engine.Quote(t))
		}
		opts = []string{"columns={" + strings.Join(cols, ", ") + "}"}
	}
	r.bases = r.bases[:0]
	var n int64
	for i, f := range r.files {
		r.bases = append(r.bases, n)
		sel, scan := "*", ""
		if r.format() == "csv" {
			sel, scan = r.csvSelect(f), r.csvScan(f, r.readType, opts...)
		} else {
			scan = r.scanFile(i, opts...)
		}
		q := fmt.Sprintf("INSERT INTO %s BY NAME SELECT %s, %d AS _fidx FROM %s", raw, sel, i, scan)
		if i == 0 {
			q = fmt.Sprintf("CREATE OR REPLACE TEMP TABLE %s AS SELECT %s, 0 AS _fidx FROM %s", raw, sel, scan)
		}
		if err := r.db.Exec(ctx, q); err != nil {
			return fmt.Errorf("sources.%s: reading %s failed: %s", r.table.Name, f.Path, shortErr(err))
		}
		var err error
		if n, err = r.db.Int(ctx, "SELECT count(*) FROM "+raw); err != nil {
			return err
		}
	}
	r.total = n
	return nil
}

// csvSelect selects the columns of raw_<table> (the first file's) from
// file f, whose header may order them differently or hold others.
func (r *reader) csvSelect(f *InputFile) string {
	has := map[string]string{}
	for _, h := range f.head.names {
		has[strings.ToLower(h)] = h
	}
	var cols []string
	for _, h := range r.header {
		if g, ok := has[strings.ToLower(h)]; ok {
			cols = append(cols, engine.Ident(g)+" AS "+engine.Ident(h))
		} else {
			cols = append(cols, fmt.Sprintf("CAST(NULL AS %s) AS %s", r.readType(h), engine.Ident(h)))
		}
	}
	return strings.Join(cols, ", ")
}

// checkFiles stops the load when a CSV file lacks a column that the
// mapping reads (the first file, whose columns are the header, has them).
func (r *reader) checkFiles() error {
	need := append([]string(nil), r.exprRefs...)
	for _, h := range r.direct {
		need = append(need, h)
	}
	for _, f := range r.files[1:] {
		has := map[string]bool{}
		for _, h := range f.head.names {
			has[strings.ToLower(h)] = true
		}
		var missing []string
		for _, h := range need {
			if !has[strings.ToLower(h)] && !contains(missing, h) {
				missing = append(missing, h)
			}
		}
		if len(missing) > 0 {
			sort.Strings(missing)
			return &MissingColumnError{Table: r.table.Name, Files: f.Path, Columns: missing, Have: f.head.names, Source: true}
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// readTypes decides the type DuckDB's CSV reader gives each source column
// (absent: VARCHAR). A column mapped straight to a canonical field is read
// as that field's type, so that the reader types it at its own speed; a
// column an expression uses is read as the type set under types, else the
// one DuckDB detects. A column that two uses want as different types, and a
// TIMESTAMP given only a date_format, are read as text and typed in SQL
// (typed), which tries the date format before the timestamp.
func (r *reader) readTypes() map[string]string {
	want := map[string]string{}
	conflict := map[string]bool{}
	use := func(h, t string) {
		if old, ok := want[h]; ok && old != t {
			conflict[h] = true
		}
		want[h] = t
	}
	for _, f := range r.table.Fields {
		h, ok := r.direct[f.Name]
		if !ok {
			continue
		}
		t := f.Type
		if t == "TIMESTAMP" && r.src.DateFormat != "" && r.src.TimestampFormat == "" {
			t = "VARCHAR"
		}
		if t == "BIGINT" {
			t = "DOUBLE" // the reader rounds 1.5 to 2 as a BIGINT; typed takes whole numbers only
		}
		use(h, t)
	}
	for h, t := range r.exprColumns() {
		use(h, t)
	}
	for h := range conflict {
		want[h] = "VARCHAR"
	}
	for h := range r.text {
		want[h] = "VARCHAR"
	}
	for h, t := range want {
		if t == "VARCHAR" {
			delete(want, h)
		}
	}
	return want
}

// readNumbersAsText reads the numeric columns as text: DuckDB's reader
// takes 1_000 as 1000 without a word, and as text such a value is read
// the same way and flagged (<column>_digit_separator, stage.go). Only
// files where the checksum pass saw a digit, an underscore and a digit pay
// for it.
func (r *reader) readNumbersAsText() {
	for _, f := range r.table.Fields {
		if h, ok := r.direct[f.Name]; ok && (f.Type == "DOUBLE" || f.Type == "BIGINT") {
			if r.text == nil {
				r.text = map[string]bool{}
			}
			r.text[h] = true
		}
	}
}

// unreadableOptional looks at the values DuckDB's last scans could not
// read: a column that gives a nullable field (stage.go) is read as text
// from then on, so that its bad values are set to null and flagged instead
// of costing the row. It reports whether it found a new one.
func (r *reader) unreadableOptional(ctx context.Context) (bool, error) {
	cand := map[string]bool{}
	for _, f := range r.table.Fields {
		if h, ok := r.direct[f.Name]; ok && nullable(r.table, f) && r.readType(h) != "VARCHAR" {
			cand[h] = true
		}
	}
	if len(cand) == 0 {
		return false, nil
	}
	names, err := r.db.Strings(ctx, fmt.Sprintf("SELECT DISTINCT column_name FROM csv_rejects WHERE scan_id > %d AND CAST(error_type AS VARCHAR) = 'CAST' ORDER BY 1", r.scanFrom))
	if err != nil {
		return false, err
	}
	added := false
	for _, h := range names {
		if cand[h] && !r.text[h] {
			if r.text == nil {
				r.text = map[string]bool{}
			}
			r.text[h], added = true, true
		}
	}
	return added, nil
}

// exprColumns returns the source columns used in expressions with the type
// each is read as: the one set under types, else the one DuckDB detects.
func (r *reader) exprColumns() map[string]string {
	out := map[string]string{}
	for _, h := range r.exprRefs {
		t := r.sniffed[h]
		if u, ok := r.src.Types[h]; ok {
			t = strings.ToUpper(u)
		}
		out[h] = t
	}
	return out
}

// sniffTypes gives the CSV columns that expressions use, and that have no
// type under types, the type all their values in the first rows of the
// first file have: BIGINT (whole numbers), DOUBLE, DATE, TIMESTAMP or
// BOOLEAN, else VARCHAR.
func (r *reader) sniffTypes(ctx context.Context) error {
	var cols []string
	for _, h := range r.exprRefs {
		if _, ok := r.src.Types[h]; !ok && !contains(cols, h) {
			cols = append(cols, h)
		}
	}
	if len(cols) == 0 {
		return nil
	}
	var sel []string
	for _, h := range cols {
		c := "trim(" + engine.Ident(h) + ")"
		num, date, ts := c, "TRY_CAST("+c+" AS DATE)", "TRY_CAST("+c+" AS TIMESTAMP)"
		if r.src.Decimal == "," {
			num = fmt.Sprintf("CASE WHEN NOT contains(%[1]s, '.') THEN replace(%[1]s, ',', '.') END", c)
		}
		if r.src.DateFormat != "" {
			date = fmt.Sprintf("try_strptime(%s, %s)", c, engine.Quote(r.src.DateFormat))
		}
		if r.src.TimestampFormat != "" {
			ts = fmt.Sprintf("try_strptime(%s, %s)", c, engine.Quote(r.src.TimestampFormat))
		}
		sel = append(sel, fmt.Sprintf(`CASE WHEN count(%[1]s) = 0 THEN 'VARCHAR'
	WHEN count(CASE WHEN regexp_full_match(%[1]s, '[+-]?[0-9]+') THEN 1 END) = count(%[1]s) THEN 'BIGINT'
	WHEN count(TRY_CAST(%[2]s AS DOUBLE)) = count(%[1]s) THEN 'DOUBLE'
	WHEN count(%[3]s) = count(%[1]s) THEN 'DATE'
	WHEN count(%[4]s) = count(%[1]s) THEN 'TIMESTAMP'
	WHEN count(TRY_CAST(%[1]s AS BOOLEAN)) = count(%[1]s) THEN 'BOOLEAN'
	ELSE 'VARCHAR' END AS %[5]s`, c, num, date, ts, engine.Ident(h)))
	}
	text := func(string) string { return "VARCHAR" }
	q := fmt.Sprintf("SELECT %s FROM (SELECT * FROM %s LIMIT 20480)", strings.Join(sel, ",\n"), r.csvScan(r.files[0], text, "ignore_errors=true"))
	f, err := r.db.QueryFrame(ctx, q)
	if err != nil {
		return fmt.Errorf("sources.%s: reading the columns %s of %s: %s", r.table.Name, strings.Join(cols, ", "), r.files[0].Path, shortErr(err))
	}
	for _, h := range cols {
		r.sniffed[h] = f.Col(h).Strings[0]
	}
	return nil
}

// optList renders extra read options after a file list.
func optList(extra []string) string {
	if len(extra) == 0 {
		return ""
	}
	return ", " + strings.Join(extra, ", ")
}

// fileRows returns the rows raw_<table> holds of each file, from bases.
func (r *reader) fileRows() []int64 {
	out := make([]int64, len(r.files))
	for i := range r.files {
		end := r.total
		if i+1 < len(r.files) {
			end = r.bases[i+1]
		}
		out[i] = end - r.bases[i]
	}
	return out
}
