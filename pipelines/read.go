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
}

func (r *reader) format() string { return r.src.FileFormat() }

func (r *reader) fileList() string {
	var s []string
	for _, f := range r.files {
		s = append(s, engine.Quote(f.readPath))
	}
	return "[" + strings.Join(s, ", ") + "]"
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
	return opts
}

func (r *reader) scan(extra ...string) string {
	switch r.format() {
	case "parquet":
		return fmt.Sprintf("read_parquet(%s, %s)", r.fileList(), strings.Join(append([]string{"filename=true"}, extra...), ", "))
	case "json":
		return fmt.Sprintf("read_json(%s, %s)", r.fileList(), strings.Join(append([]string{"format='newline_delimited'", "filename=true"}, extra...), ", "))
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

// readRaw loads the files into raw_<table>. CSV files are read with every
// column as VARCHAR: DuckDB 1.1's store_rejects silently drops some rows
// with conversion errors in large files, so all typing happens in SQL
// (stage), where every failure is seen. The CSV reader itself only rejects
// malformed lines (wrong field count, bad quoting, invalid UTF-8), which
// store_rejects records with their line.
func (r *reader) readRaw(ctx context.Context) error {
	raw := "raw_" + r.table.Name
	if r.format() != "csv" {
		return r.db.Exec(ctx, fmt.Sprintf("CREATE OR REPLACE TEMP TABLE %s AS SELECT * FROM %s", raw, r.scan()))
	}
	// The reject tables are per connection and accumulate across scans:
	// remember where ours start.
	r.scanFrom = -1
	if ok, err := r.db.Int(ctx, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'csv_scans' AND temporary"); err != nil {
		return err
	} else if ok > 0 {
		if r.scanFrom, err = r.db.Int(ctx, "SELECT coalesce(max(scan_id), -1) FROM csv_scans"); err != nil {
			return err
		}
	}
	q := fmt.Sprintf("CREATE OR REPLACE TEMP TABLE %s AS SELECT * FROM %s", raw,
		r.scan("all_varchar=true", "store_rejects=true", "rejects_table='csv_rejects'", "rejects_scan='csv_scans'", "filename=true"))
	if err := r.db.Exec(ctx, q); err != nil {
		return fmt.Errorf("sources.%s: reading %s failed: %w", r.table.Name, r.paths(), err)
	}
	return nil
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
