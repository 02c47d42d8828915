package ops

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/pipelines/batch"
)

// CatalogFile is the BI catalog under the output root.
const CatalogFile = "catalog.duckdb"

// SettingsFile holds the catalog settings chosen with crmbatch publish;
// every later rebuild (after each run) keeps them.
const SettingsFile = "_catalog.json"

// CatalogSettings say how the catalog's views are written. The zero value
// means absolute paths and no personal data.
type CatalogSettings struct {
	// Root is the output root as the BI tool sees it, written into every
	// view's Parquet paths: empty means the root's absolute path here;
	// "." means paths relative to the folder the tool runs in, or to
	// DuckDB's file_search_path (a container that mounts the root
	// anywhere); another absolute path is where the same files are seen
	// (a share mounted at the path the BI server uses). DuckDB reads the
	// files when it creates a view, so that path must reach them here too.
	Root string `json:"root,omitempty"`
	// PersonalData keeps names, email addresses, phone numbers, postal
	// addresses, birth dates, social handles, their hashes, the contacts
	// table and the rejected rows' records in the views. Off, they are
	// left out (the Parquet files still hold them).
	PersonalData bool `json:"personal_data,omitempty"`
}

// ReadSettings returns the catalog settings of the output root.
func ReadSettings(root string) (CatalogSettings, error) {
	var s CatalogSettings
	b, err := os.ReadFile(filepath.Join(root, SettingsFile))
	if errors.Is(err, os.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("catalog: %s: %w", filepath.Join(root, SettingsFile), err)
	}
	return s, nil
}

// WriteSettings records the catalog settings of the output root.
func WriteSettings(root string, s CatalogSettings) error {
	b, _ := json.MarshalIndent(s, "", "  ")
	tmp := filepath.Join(root, SettingsFile+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(root, SettingsFile))
}

// personal are the columns that identify a person; personalTables hold
// nothing else.
var (
	personal       = map[string]bool{"name": true, "first_name": true, "last_name": true, "email": true, "phone": true, "address": true, "birth_date": true, "social_handle": true, "email_sha256": true, "phone_sha256": true, "phone_digits_sha256": true, "record": true}
	personalTables = map[string]bool{"contacts": true}
)

// CatalogResult says what BuildCatalog put in the catalog.
type CatalogResult struct {
	Path  string
	AsOf  string   // the run the plain views show
	Views []string // every view, plain and _history
	// Settings are the settings it was built with.
	Settings CatalogSettings
}

// BuildCatalog (re)builds <root>/catalog.duckdb with the root's settings
// (ReadSettings): for every table folder under root, a view <table> over
// the run BI tools see (see Shown) and a view <table>_history over every
// run, both with the column as_of. A documented table has every documented
// column in both views, null where a run did not produce it (an input that
// was absent), so dashboards do not break when a source is added or
// dropped. Every view and column carries a comment from docs
// (pipelines.Schema). The database is built in a temporary file and
// renamed into place, so a reader opens either the old catalog or the new
// one. The caller holds the lock.
func BuildCatalog(ctx context.Context, root string, docs []batch.TableDoc) (*CatalogResult, error) {
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	set, err := ReadSettings(root)
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
	res := &CatalogResult{Path: filepath.Join(root, CatalogFile), AsOf: shown, Settings: set}
	err = createViews(ctx, db, root, shown, docs, set, res)
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

func createViews(ctx context.Context, db *engine.DB, root, shown string, docs []batch.TableDoc, set CatalogSettings, res *CatalogResult) error {
	byName := map[string]batch.TableDoc{}
	for _, d := range docs {
		byName[d.Name] = d
	}
	seen := root // the root as the views name it
	switch set.Root {
	case "":
	case ".":
		// Relative paths resolve against file_search_path, also here.
		seen = "."
		if err := db.Exec(ctx, "SET file_search_path = "+engine.Quote(root)); err != nil {
			return err
		}
	default:
		seen = set.Root
		if _, err := os.Stat(filepath.Join(set.Root, RunsTable)); err != nil {
			return fmt.Errorf("the catalog root %s does not reach the published runs from this machine (%v): DuckDB reads the files when it creates a view. Mount the output root at the same path the BI tool uses (docker -v %s:%s), or publish with -root . and point the tool's file_search_path at the root", set.Root, err, root, root)
		}
	}
	tables, err := os.ReadDir(root)
	if err != nil {
		return err
	}
	for _, t := range tables {
		name := t.Name()
		if !t.IsDir() || strings.HasPrefix(name, "_") || strings.HasPrefix(name, ".") || (personalTables[name] && !set.PersonalData) {
			continue
		}
		all, _ := filepath.Glob(filepath.Join(root, name, "as_of=*", "*.parquet"))
		if len(all) == 0 {
			continue // not a table (an HTML report folder, say)
		}
		doc := byName[name]
		current := "as_of=" + shown
		if cur, _ := filepath.Glob(filepath.Join(root, name, current, "*.parquet")); len(cur) > 0 {
			from := fmt.Sprintf("read_parquet(%s, hive_partitioning=false)", engine.Quote(filepath.Join(seen, name, current, "*.parquet")))
			have, err := parquetColumns(ctx, db, fmt.Sprintf("read_parquet(%s, hive_partitioning=false)", engine.Quote(filepath.Join(root, name, current, "*.parquet"))))
			if err != nil {
				return err
			}
			sel := viewColumns(doc, have, set) + ", DATE " + engine.Quote(shown) + " AS as_of"
			if err := db.Exec(ctx, fmt.Sprintf("CREATE VIEW %s AS SELECT %s FROM %s", engine.Ident(name), sel, from)); err != nil {
				return err
			}
			if err := comment(ctx, db, name, fmt.Sprintf("%s (run as of %s)", doc.Doc, shown), withAsOf(doc, "as-of date of the run this view shows"), have); err != nil {
				return err
			}
			res.Views = append(res.Views, name)
		}
		hist := name + "_history"
		pattern := func(r string) string {
			return fmt.Sprintf("read_parquet(%s, hive_partitioning=true, union_by_name=true)", engine.Quote(filepath.Join(r, name, "as_of=*", "*.parquet")))
		}
		have, err := parquetColumns(ctx, db, pattern(root))
		if err != nil {
			return err
		}
		delete(have, "as_of")
		if err := db.Exec(ctx, fmt.Sprintf("CREATE VIEW %s AS SELECT %s, as_of FROM %s", engine.Ident(hist), viewColumns(doc, have, set), pattern(seen))); err != nil {
			return err
		}
		if err := comment(ctx, db, hist, doc.Doc+" (every published run; as_of tells them apart)", withAsOf(doc, "as-of date of the run (the Hive partition as_of=YYYY-MM-DD)"), have); err != nil {
			return err
		}
		res.Views = append(res.Views, hist)
	}
	return nil
}

// parquetColumns lists the columns of a read_parquet relation.
func parquetColumns(ctx context.Context, db *engine.DB, from string) (map[string]string, error) {
	f, err := db.QueryFrame(ctx, "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM "+from+")")
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for i := 0; i < f.Len(); i++ {
		out[f.Col("column_name").Strings[i]] = f.Col("column_type").Strings[i]
	}
	return out, nil
}

// viewColumns is the select list of a view: the documented columns in
// their order (null, typed, when the files lack one), then the files'
// undocumented ones; personal data left out unless allowed.
func viewColumns(doc batch.TableDoc, have map[string]string, set CatalogSettings) string {
	var sel []string
	listed := map[string]bool{}
	for _, c := range doc.Columns {
		if listed[c.Name] || c.Name == "as_of" || (personal[c.Name] && !set.PersonalData) {
			continue
		}
		listed[c.Name] = true
		if _, ok := have[c.Name]; ok {
			sel = append(sel, engine.Ident(c.Name))
		} else {
			sel = append(sel, fmt.Sprintf("CAST(NULL AS %s) AS %s", c.Type, engine.Ident(c.Name)))
		}
	}
	var rest []string
	for name := range have {
		if !listed[name] && name != "as_of" && !(personal[name] && !set.PersonalData) {
			rest = append(rest, name)
		}
	}
	sort.Strings(rest)
	for _, name := range rest {
		sel = append(sel, engine.Ident(name))
	}
	return strings.Join(sel, ", ")
}

func withAsOf(doc batch.TableDoc, what string) batch.TableDoc {
	doc.Columns = append(append([]batch.ColumnDoc(nil), doc.Columns...), batch.ColumnDoc{Name: "as_of", Type: "DATE", Doc: what})
	return doc
}

// comment sets the view's comment and one for every column: its
// documentation, a note when the files do not have it, or a pointer to
// crmbatch schema for a column without documentation.
func comment(ctx context.Context, db *engine.DB, view, text string, doc batch.TableDoc, have map[string]string) error {
	stmts := []string{fmt.Sprintf("COMMENT ON VIEW %s IS %s", engine.Ident(view), engine.Quote(strings.TrimSpace(text)))}
	cols, err := db.Strings(ctx, "SELECT column_name FROM duckdb_columns() WHERE table_name = ?", view)
	if err != nil {
		return err
	}
	docs := map[string]string{}
	for _, c := range doc.Columns {
		if _, ok := docs[c.Name]; !ok {
			docs[c.Name] = c.Doc
		}
	}
	for _, c := range cols {
		d, documented := docs[c]
		if d == "" {
			d = strings.ReplaceAll(c, "_", " ")
			if !documented {
				d += " (not documented; see crmbatch schema)"
			}
		}
		if _, ok := have[c]; !ok && c != "as_of" {
			d += " Null: the runs shown did not produce it (its input or stage was absent)."
		}
		stmts = append(stmts, fmt.Sprintf("COMMENT ON COLUMN %s.%s IS %s", engine.Ident(view), engine.Ident(c), engine.Quote(d)))
	}
	for _, s := range stmts {
		if err := db.Exec(ctx, s); err != nil {
			return err
		}
	}
	return nil
}
