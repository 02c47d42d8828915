package ops_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/pipelines/batch"
	"github.com/crmbatch/crmbatch/pipelines/ops"
)

var dates = []string{"2024-01-01", "2024-01-02", "2024-01-03"}

var docs = []batch.TableDoc{
	{Name: "customers", Doc: "one row per customer", Columns: []batch.ColumnDoc{
		{Name: "customer_id", Type: "VARCHAR", Doc: "the customer's key"},
		{Name: "revenue", Type: "DOUBLE", Doc: "net revenue, returns subtracted"},
	}},
	{Name: "runs", Doc: "one row per run", Columns: []batch.ColumnDoc{{Name: "status", Type: "VARCHAR", Doc: "ok or alert"}}},
}

// fakeRoot publishes three runs of customers (day i has i customers with
// revenue i) and runs, as the publisher lays them out.
func fakeRoot(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	root := t.TempDir()
	db, err := engine.Open(ctx, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i, d := range dates {
		for table, q := range map[string]string{
			"customers": fmt.Sprintf("SELECT 'c' || range AS customer_id, CAST(%d AS DOUBLE) AS revenue FROM range(%d)", i+1, i+1),
			"runs":      fmt.Sprintf("SELECT DATE '%s' AS as_of, 'ok' AS status", d),
		} {
			dir := filepath.Join(root, table, "as_of="+d)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := db.Exec(ctx, fmt.Sprintf("COPY (%s) TO %s (FORMAT PARQUET)", q, engine.Quote(filepath.Join(dir, "part-0.parquet")))); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "_SUCCESS"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	// A folder of non-table files is not a view.
	if err := os.MkdirAll(filepath.Join(root, "report", "as_of="+dates[2]), 0o755); err != nil {
		t.Fatal(err)
	}
	return root
}

// openCatalog opens catalog.duckdb with a fresh connection, as a BI tool would.
func openCatalog(t *testing.T, root string) *engine.DB {
	t.Helper()
	db, err := engine.Open(context.Background(), engine.Options{Path: filepath.Join(root, ops.CatalogFile), TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestCatalog(t *testing.T) {
	ctx := context.Background()
	root := fakeRoot(t)
	res, err := ops.BuildCatalog(ctx, root, docs)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"customers", "customers_history", "runs", "runs_history"}; res.AsOf != dates[2] || !reflect.DeepEqual(res.Views, want) {
		t.Errorf("catalog as of %s with views %v, want %s and %v", res.AsOf, res.Views, dates[2], want)
	}
	leftovers, _ := filepath.Glob(filepath.Join(root, "_catalog*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary catalog files left: %v", leftovers)
	}
	db := openCatalog(t, root)
	for q, want := range map[string]int64{
		"SELECT count(*) FROM customers":                                    3,
		"SELECT CAST(sum(revenue) AS BIGINT) FROM customers":                9,
		"SELECT count(*) FROM customers_history":                            6,
		"SELECT count(DISTINCT as_of) FROM customers_history":               3,
		"SELECT count(*) FROM customers_history WHERE as_of = '2024-01-02'": 2,
		"SELECT count(*) FROM runs_history":                                 3,
	} {
		if n, err := db.Int(ctx, q); err != nil || n != want {
			t.Errorf("%s = %d (%v), want %d", q, n, err, want)
		}
	}
	comments := map[string]string{}
	f, err := db.QueryFrame(ctx, "SELECT table_name || '.' || column_name AS c, coalesce(comment, '') AS comment FROM duckdb_columns()")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < f.Len(); i++ {
		comments[f.Col("c").Strings[i]] = f.Col("comment").Strings[i]
	}
	for col, want := range map[string]string{
		"customers.revenue":         "net revenue, returns subtracted",
		"customers_history.revenue": "net revenue, returns subtracted",
		"customers_history.as_of":   "as-of date of the run (the Hive partition as_of=YYYY-MM-DD)",
		"runs.status":               "ok or alert",
	} {
		if comments[col] != want {
			t.Errorf("comment on %s = %q, want %q", col, comments[col], want)
		}
	}
	if v, err := db.Strings(ctx, "SELECT comment FROM duckdb_views() WHERE view_name = 'customers'"); err != nil || len(v) != 1 || v[0] != "one row per customer (run as of 2024-01-03)" {
		t.Errorf("view comment %q (%v)", v, err)
	}
}

// publish -as-of pins a run; the catalog follows the pointer; Latest
// follows the newest run again; an unknown date is refused.
func TestPointer(t *testing.T) {
	ctx := context.Background()
	root := fakeRoot(t)
	if err := ops.SetPointer(root, dates[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := ops.BuildCatalog(ctx, root, docs); err != nil {
		t.Fatal(err)
	}
	if n, err := openCatalog(t, root).Int(ctx, "SELECT count(*) FROM customers"); err != nil || n != 1 {
		t.Errorf("pinned to %s: %d customers (%v), want 1", dates[0], n, err)
	}
	if err := ops.SetPointer(root, "2023-12-31"); err == nil {
		t.Error("pinned a date without a run")
	}
	if got, _ := ops.Shown(root); got != dates[0] {
		t.Errorf("a refused pointer changed the shown run to %s", got)
	}
	if err := ops.SetPointer(root, ops.Latest); err != nil {
		t.Fatal(err)
	}
	if got, _ := ops.Shown(root); got != dates[2] {
		t.Errorf("latest shows %s, want %s", got, dates[2])
	}
}

// Retention keeps the newest runs and the pinned one, in every table.
func TestPrune(t *testing.T) {
	root := fakeRoot(t)
	if removed, err := ops.Prune(root, 0); err != nil || removed != nil {
		t.Errorf("keep 0 removed %v (%v)", removed, err)
	}
	if err := ops.SetPointer(root, dates[0]); err != nil {
		t.Fatal(err)
	}
	removed, err := ops.Prune(root, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(removed, []string{dates[1]}) {
		t.Errorf("removed %v, want [%s] (the pinned %s and the newest stay)", removed, dates[1], dates[0])
	}
	for _, table := range []string{"customers", "runs"} {
		for i, d := range dates {
			_, err := os.Stat(filepath.Join(root, table, "as_of="+d))
			if gone := os.IsNotExist(err); gone != (i == 1) {
				t.Errorf("%s as of %s: gone = %v", table, d, gone)
			}
		}
	}
	if got := ops.PublishedRuns(root); !reflect.DeepEqual(got, []string{dates[0], dates[2]}) {
		t.Errorf("published runs after pruning: %v", got)
	}
}

func TestLock(t *testing.T) {
	root := t.TempDir()
	unlock, err := ops.Lock(root)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ops.Lock(root); !errors.Is(err, ops.ErrLocked) {
		t.Errorf("second lock: %v, want ErrLocked", err)
	}
	unlock()
	again, err := ops.Lock(root)
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	again()
}
