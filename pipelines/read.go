package pipelines

import (
	"context"
	"fmt"
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

func (r *reader) paths() string {
	var s []string
	for _, f := range r.files {
		s = append(s, f.Path)
	}
	return strings.Join(s, ", ")
}

// csvOptions are the dialect options of read_csv for this source.
func (r *reader) csvOptions() []string {
	s := r.src
	opts := []string{fmt.Sprintf("header=%v", s.HasHeader())}
	if s.Delimiter != "" {
		opts = append(opts, "delim="+engine.Quote(s.Delimiter))
	}
	if s.Quote != "" {
		opts = append(opts, "quote="+engine.Quote(s.Quote))
	}
	if s.Decimal == "," {
		opts = append(opts, "decimal_separator=','")
	}
	if s.DateFormat != "" {
		opts = append(opts, "dateformat="+engine.Quote(s.DateFormat))
	}
	if s.TimestampFormat != "" {
		opts = append(opts, "timestampformat="+engine.Quote(s.TimestampFormat))
	}
	if e := duckEncoding(s.EncodingName()); e != "" && e != "utf-8" {
		opts = append(opts, "encoding="+engine.Quote(e))
	}
	return opts
}

func (r *reader) scan(extra ...string) string {
	switch r.format() {
	case "parquet":
		return fmt.Sprintf("read_parquet(%s%s)", r.fileList(), optList(extra))
	case "json":
		return fmt.Sprintf("read_json(%s, %s)", r.fileList(), strings.Join(append([]string{"format='newline_delimited'"}, extra...), ", "))
	}
	return fmt.Sprintf("read_csv(%s, %s)", r.fileList(), strings.Join(append(r.csvOptions(), extra...), ", "))
}

// discover reads the source's column names.
func (r *reader) discover(ctx context.Context) error {
	scan := r.scan()
	if r.format() != "parquet" {
		scan = r.scan("ignore_errors=true")
	}
	f, err := r.db.QueryFrame(ctx, "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM "+scan+")")
	if err != nil {
		return fmt.Errorf("sources.%s: cannot read the columns of %s: %v; check format, delimiter, quote and header", r.table.Name, r.paths(), err)
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
}

func (e *MissingColumnError) Error() string {
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
// 1.5 records every one.
func (r *reader) readRaw(ctx context.Context) error {
	raw := "raw_" + r.table.Name
	var opts []string
	if r.format() == "csv" {
		// The reject tables are per connection and accumulate across
		// scans: remember where ours start.
		r.scanFrom = -1
		if ok, err := r.db.Int(ctx, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'csv_scans' AND temporary"); err != nil {
			return err
		} else if ok > 0 {
			if r.scanFrom, err = r.db.Int(ctx, "SELECT coalesce(max(scan_id), -1) FROM csv_scans"); err != nil {
				return err
			}
		}
		r.native = r.readTypes()
		var cols []string
		for _, h := range r.header {
			cols = append(cols, engine.Quote(h)+": "+engine.Quote(r.readType(h)))
		}
		opts = []string{"columns={" + strings.Join(cols, ", ") + "}", "store_rejects=true", "rejects_table='csv_rejects'", "rejects_scan='csv_scans'"}
	}
	if r.format() == "json" {
		// A field mapped to text is read as text: a nested value in one
		// row then stays that row's problem (typed), instead of turning the
		// whole column into JSON with quoted strings.
		text := map[string]bool{}
		for _, f := range r.table.Fields {
			if h, ok := r.direct[f.Name]; ok && f.Type == "VARCHAR" {
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
	for i := range r.files {
		r.bases = append(r.bases, n)
		q := fmt.Sprintf("INSERT INTO %s BY NAME SELECT *, %d AS _fidx FROM %s", raw, i, r.scanFile(i, opts...))
		if i == 0 {
			q = fmt.Sprintf("CREATE OR REPLACE TEMP TABLE %s AS SELECT *, 0 AS _fidx FROM %s", raw, r.scanFile(0, opts...))
		}
		if err := r.db.Exec(ctx, q); err != nil {
			return fmt.Errorf("sources.%s: reading %s failed: %w", r.table.Name, r.files[i].Path, err)
		}
		var err error
		if n, err = r.db.Int(ctx, "SELECT count(*) FROM "+raw); err != nil {
			return err
		}
	}
	r.total = n
	return nil
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
		use(h, t)
	}
	for h, t := range r.exprColumns() {
		use(h, t)
	}
	for h := range conflict {
		want[h] = "VARCHAR"
	}
	for h, t := range want {
		if t == "VARCHAR" {
			delete(want, h)
		}
	}
	return want
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
