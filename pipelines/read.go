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
	where    string            // the source's row filter (validated SQL), or ""
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
	var kept []*InputFile
	for _, f := range r.files {
		if f.Bytes == 0 {
			r.empty = append(r.empty, f)
		} else {
			kept = append(kept, f)
		}
	}
	if r.files = kept; len(kept) == 0 {
		return &EmptyFileError{Table: r.table.Name, Path: r.paths0(r.empty)}
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
	if w := strings.TrimSpace(r.src.Where); w != "" {
		e, err := expr.Parse(w, caseDistinct(r.header))
		if err != nil {
			return fmt.Errorf("sources.%s.where: %q over the columns of %s: %w", r.table.Name, w, r.paths(), err)
		}
		r.where = e.SQL
		r.exprRefs = append(r.exprRefs, e.Columns...)
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

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
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
