package ops

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/pipelines/batch"
)

// CatalogFile is the BI catalog under the output root.
const CatalogFile = "catalog.duckdb"

// CatalogResult says what BuildCatalog put in the catalog.
type CatalogResult struct {
	Path  string
	AsOf  string   // the run the plain views show
	Views []string // every view, plain and _history
}

// BuildCatalog (re)builds <root>/catalog.duckdb: for every table folder
// under root, a view <table> over the run BI tools see (see Shown) and a
// view <table>_history over every run, with the Hive partition column
// as_of. Views and columns carry comments from docs (pipelines.Schema).
// The database is built in a temporary file and renamed into place, so a
// reader opens either the old catalog or the new one. The views name the
// Parquet files by absolute path: after moving the output root, run
// crmbatch publish to rebuild them. The caller holds the lock.
func BuildCatalog(ctx context.Context, root string, docs []batch.TableDoc) (*CatalogResult, error) {
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	shown, err := Shown(root)
	if err != nil {
		return nil, err
	}
	if shown == "" {
		return nil, fmt.Errorf("catalog: no published run under %s", root)
	}
	tmp := filepath.Join(root, "_"+CatalogFile+".tmp")
	os.Remove(tmp)
	os.Remove(tmp + ".wal")
	spill, err := os.MkdirTemp("", "crmbatch-catalog-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(spill)
	db, err := engine.Open(ctx, engine.Options{Path: tmp, TempDir: spill, Threads: 1})
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	res := &CatalogResult{Path: filepath.Join(root, CatalogFile), AsOf: shown}
	err = createViews(ctx, db, root, shown, docs, res)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("catalog: %w", err)
	}
	if err := os.Rename(tmp, res.Path); err != nil {
		return nil, err
	}
	return res, nil
}

func createViews(ctx context.Context, db *engine.DB, root, shown string, docs []batch.TableDoc, res *CatalogResult) error {
	byName := map[string]batch.TableDoc{}
	for _, d := range docs {
		byName[d.Name] = d
	}
	tables, err := os.ReadDir(root)
	if err != nil {
		return err
	}
	for _, t := range tables {
		name := t.Name()
		if !t.IsDir() || strings.HasPrefix(name, "_") || strings.HasPrefix(name, ".") {
			continue
		}
		all, _ := filepath.Glob(filepath.Join(root, name, "as_of=*", "*.parquet"))
		if len(all) == 0 {
			continue // not a table (an HTML report folder, say)
		}
		doc := byName[name]
		current := filepath.Join(root, name, "as_of="+shown)
		if cur, _ := filepath.Glob(filepath.Join(current, "*.parquet")); len(cur) > 0 {
			q := fmt.Sprintf("CREATE VIEW %s AS SELECT * FROM read_parquet(%s, hive_partitioning=false)",
				engine.Ident(name), engine.Quote(filepath.Join(current, "*.parquet")))
			if err := db.Exec(ctx, q); err != nil {
				return err
			}
			if err := comment(ctx, db, name, fmt.Sprintf("%s (run as of %s)", doc.Doc, shown), doc); err != nil {
				return err
			}
			res.Views = append(res.Views, name)
		}
		hist := name + "_history"
		q := fmt.Sprintf("CREATE VIEW %s AS SELECT * FROM read_parquet(%s, hive_partitioning=true, union_by_name=true)",
			engine.Ident(hist), engine.Quote(filepath.Join(root, name, "as_of=*", "*.parquet")))
		if err := db.Exec(ctx, q); err != nil {
			return err
		}
		hdoc := doc
		hdoc.Columns = append(append([]batch.ColumnDoc(nil), doc.Columns...), batch.ColumnDoc{Name: "as_of", Doc: "as-of date of the run (the Hive partition as_of=YYYY-MM-DD)"})
		if err := comment(ctx, db, hist, doc.Doc+" (every published run; as_of tells them apart)", hdoc); err != nil {
			return err
		}
		res.Views = append(res.Views, hist)
	}
	return nil
}

// comment sets the view's comment and those of its documented columns.
func comment(ctx context.Context, db *engine.DB, view, text string, doc batch.TableDoc) error {
	stmts := []string{fmt.Sprintf("COMMENT ON VIEW %s IS %s", engine.Ident(view), engine.Quote(strings.TrimSpace(text)))}
	cols, err := db.Strings(ctx, "SELECT column_name FROM duckdb_columns() WHERE table_name = ?", view)
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, c := range cols {
		have[c] = true
	}
	for _, c := range doc.Columns {
		if c.Doc == "" || !have[c.Name] {
			continue
		}
		have[c.Name] = false // the first doc of a column wins
		stmts = append(stmts, fmt.Sprintf("COMMENT ON COLUMN %s.%s IS %s", engine.Ident(view), engine.Ident(c.Name), engine.Quote(c.Doc)))
	}
	for _, s := range stmts {
		if err := db.Exec(ctx, s); err != nil {
			return err
		}
	}
	return nil
}
