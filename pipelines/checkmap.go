package pipelines

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/pipelines/config"
	"github.com/crmbatch/crmbatch/pipelines/expr"
)

// CheckMappings reads the columns of every configured source (the first
// record of each CSV file, DuckDB's description of Parquet and JSON) and
// checks each mapping against them as the ingest will: a mapping names a
// column or is an expression over the columns, every required column has
// a source, and every file of a source has the columns its mapping reads.
// It loads nothing, and reports every problem of every source at once,
// one per line, each naming its setting. The dry run and the start of
// every run call it, so that a mistake costs seconds, not a night's load.
func CheckMappings(ctx context.Context, db *engine.DB, cfg *config.Config) error {
	var errs []string
	for _, c := range configured(cfg) {
		t, src := c.table, c.src
		files, err := expandFiles(cfg, t.Name, src)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		r := &reader{db: db, table: t, src: src, files: files}
		if err := r.discover(ctx); err != nil {
			var empty *EmptyFileError
			if !errors.As(err, &empty) { // an empty source loads as 0 rows
				errs = append(errs, err.Error())
			}
			continue
		}
		errs = append(errs, r.mappingProblems()...)
	}
	if len(errs) > 0 {
		return &InputError{Err: fmt.Errorf("the mapping of the sources does not fit the files (%d problem(s)); nothing was loaded:\n  %s", len(errs), strings.Join(errs, "\n  "))}
	}
	return nil
}

// mappingProblems is mapColumns and checkFiles collecting every problem
// instead of stopping at the first.
func (r *reader) mappingProblems() []string {
	var errs, missing, reads []string
	header := caseDistinct(r.header)
	for _, f := range r.table.Fields {
		m, ok := r.src.Columns[f.Name]
		switch {
		case ok:
			if h, found := r.findHeader(m); found {
				reads = append(reads, h)
				continue
			}
			e, err := expr.Parse(m, header)
			if err != nil {
				errs = append(errs, fmt.Sprintf("sources.%s.columns.%s: %q is not a column of %s, and as an expression: %v", r.table.Name, f.Name, m, r.files[0].Path, err))
				continue
			}
			reads = append(reads, e.Columns...)
		default:
			if h, found := r.findHeader(f.Name); found {
				reads = append(reads, h)
			} else if f.Required {
				missing = append(missing, f.Name)
			}
		}
	}
	if len(missing) > 0 {
		errs = append(errs, (&MissingColumnError{Table: r.table.Name, Files: r.files[0].Path, Columns: missing, Have: r.header}).Error())
	}
	for _, f := range r.files[1:] {
		if f.head == nil {
			continue
		}
		has := map[string]bool{}
		for _, h := range f.head.names {
			has[strings.ToLower(h)] = true
		}
		var lack []string
		for _, h := range reads {
			if !has[strings.ToLower(h)] && !contains(lack, h) {
				lack = append(lack, h)
			}
		}
		if len(lack) > 0 {
			errs = append(errs, (&MissingColumnError{Table: r.table.Name, Files: f.Path, Columns: lack, Have: f.head.names, Source: true}).Error())
		}
	}
	return errs
}

// source is a configured input table with its source settings.
type source struct {
	table *config.Table
	src   *config.Source
}

// configured lists the input tables cfg has a source for, in load order.
func configured(cfg *config.Config) []source {
	var out []source
	for i := range config.Contract {
		if src := cfg.Sources[config.Contract[i].Name]; src != nil {
			out = append(out, source{&config.Contract[i], src})
		}
	}
	return out
}
