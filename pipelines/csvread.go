package pipelines

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/crmbatch/crmbatch/engine"
)

// Reading CSV: the dialect from each file's header (csvhead.go) handed to
// DuckDB's reader in full, the columns typed as they are read, lines set
// aside where the reader would lose others (repair.go), and the files read
// again when a read shows what to read otherwise.

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
