package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/crmbatch/crmbatch/engine"
)

// catalogColumns opens a catalog as a BI tool would and lists a view's
// columns with their comments.
func catalogColumns(t *testing.T, root, view string, setup ...string) (names []string, comments map[string]string) {
	t.Helper()
	ctx := context.Background()
	db, err := engine.Open(ctx, engine.Options{Path: filepath.Join(root, "catalog.duckdb"), TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range setup {
		if err := db.Exec(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	f, err := db.QueryFrame(ctx, "SELECT column_name, coalesce(comment, '') AS comment FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index", view)
	if err != nil {
		t.Fatal(err)
	}
	comments = map[string]string{}
	for i := 0; i < f.Len(); i++ {
		names = append(names, f.Col("column_name").Strings[i])
		comments[names[i]] = f.Col("comment").Strings[i]
	}
	if len(names) > 0 {
		if _, err := db.Int(ctx, "SELECT count(*) FROM "+engine.Ident(view)); err != nil {
			t.Errorf("view %s does not read: %v", view, err)
		}
	}
	return names, comments
}

// Issue 12, item 12: the BI catalog. Latest-run views carry as_of; the
// customers view has the same columns whatever the inputs (absent ones
// null and said so); every column has a comment; the views can name the
// root as a container sees it, or relative paths; personal data stays out
// unless allowed, and the settings hold for later runs.
func TestBICatalog(t *testing.T) {
	heavy(t)
	dir := t.TempDir()
	full := genData(t, filepath.Join(dir, "full"), 300, 13, "")
	base, _ := os.ReadFile(full)
	// The same data without interactions, published under its own root.
	lean := writeFile(t, filepath.Join(dir, "full"), "lean.yaml", strings.NewReplacer(
		"output: out", "output: lean-out",
		"  interactions:  {files: [interactions.csv]}\n", "").Replace(string(base)))
	for _, cfg := range []string{full, lean} {
		if r := user(t, "run", "-config", cfg, "-quiet"); r.code != ExitOK && r.code != ExitAlerts {
			t.Fatalf("run %s: %v", cfg, r)
		}
	}
	rootFull, rootLean := filepath.Join(dir, "full", "out"), filepath.Join(dir, "full", "lean-out")
	colsFull, comments := catalogColumns(t, rootFull, "customers")
	colsLean, leanComments := catalogColumns(t, rootLean, "customers")
	if !slices.Equal(colsFull, colsLean) {
		t.Errorf("the customers view changes with the inputs:\nwith interactions    %v\nwithout interactions %v", colsFull, colsLean)
	}
	if !slices.Contains(colsFull, "as_of") || !slices.Contains(colsFull, "support_ticket_30d") {
		t.Errorf("customers view columns %v lack as_of or support_ticket_30d", colsFull)
	}
	if !strings.Contains(leanComments["support_ticket_30d"], "Null: the runs shown did not produce it") {
		t.Errorf("an absent column is not said to be null: %q", leanComments["support_ticket_30d"])
	}
	for c, text := range comments {
		if strings.TrimSpace(text) == "" {
			t.Errorf("customers.%s has no comment", c)
		}
	}
	for _, pii := range []string{"name", "email"} {
		if slices.Contains(colsFull, pii) {
			t.Errorf("the customers view shows %s without -personal-data yes", pii)
		}
	}
	if c, _ := catalogColumns(t, rootFull, "contacts"); len(c) > 0 {
		t.Errorf("the contacts view is in the catalog without -personal-data yes")
	}

	// A root the BI server sees elsewhere (a share mounted at another
	// path), with personal data.
	mnt := filepath.Join(t.TempDir(), "mnt")
	if err := os.Symlink(rootFull, mnt); err != nil {
		t.Fatal(err)
	}
	if r := user(t, "publish", "-config", full, "-root", "/nowhere"); r.code == ExitOK || !strings.Contains(r.err.Error(), "does not reach the published runs") {
		t.Errorf("publish -root /nowhere: %v", r)
	}
	os.Remove(filepath.Join(rootFull, "_catalog.json"))
	r := user(t, "publish", "-config", full, "-root", mnt, "-personal-data", "yes")
	if r.code != ExitOK || !strings.Contains(r.stdout, "paths under "+mnt+", with personal data") {
		t.Fatalf("publish -root %s: %v", mnt, r)
	}
	// The next run keeps the settings.
	if r := user(t, "run", "-config", full, "-quiet"); r.code != ExitOK && r.code != ExitAlerts {
		t.Fatalf("run: %v", r)
	}
	ctx := context.Background()
	db, err := engine.Open(ctx, engine.Options{Path: filepath.Join(rootFull, "catalog.duckdb"), TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	sql, err := db.Strings(ctx, "SELECT sql FROM duckdb_views() WHERE view_name = 'customers'")
	db.Close()
	if err != nil || len(sql) != 1 || !strings.Contains(sql[0], "'"+mnt+"/customers/as_of=") {
		t.Errorf("the customers view does not read under %s: %v %v", mnt, sql, err)
	}
	if c, _ := catalogColumns(t, rootFull, "contacts"); !slices.Contains(c, "phone") {
		t.Errorf("contacts view columns with personal data: %v", c)
	}
	if c, _ := catalogColumns(t, rootFull, "customers"); !slices.Contains(c, "name") || !slices.Contains(c, "email") {
		t.Errorf("customers view columns with personal data: %v", c)
	}

	// Relative paths: a tool that opens the catalog from the root.
	if r := user(t, "publish", "-config", full, "-root", ".", "-personal-data", "no"); r.code != ExitOK || !strings.Contains(r.stdout, "paths relative") {
		t.Fatalf("publish -root .: %v", r)
	}
	cols, _ := catalogColumns(t, rootFull, "customers", "SET file_search_path = "+engine.Quote(rootFull))
	if len(cols) == 0 || slices.Contains(cols, "name") {
		t.Errorf("relative catalog: customers columns %v", cols)
	}
}
