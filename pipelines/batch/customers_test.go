package batch_test

import (
	"context"
	"strings"
	"testing"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/engine/frame"
	"github.com/crmbatch/crmbatch/pipelines/batch"
)

// The customer table is a view over parts: added columns appear in
// customer order, a column added again takes its new values and moves to
// the end, and a second customer table on the same connection starts
// afresh.
func TestCustomersParts(t *testing.T) {
	ctx := context.Background()
	db, err := engine.Open(ctx, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	build := func() *batch.Customers {
		t.Helper()
		if err := batch.DropCustomerParts(ctx, db); err != nil {
			t.Fatal(err)
		}
		if err := db.Exec(ctx, "CREATE TEMP TABLE customer_table AS SELECT 'c' || i AS customer_id, i * 10 AS spend FROM range(5) t(i) ORDER BY i"); err != nil {
			t.Fatal(err)
		}
		c, err := batch.OpenCustomers(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	c := build()
	c.Add(frame.NewFloat("score", []float64{0.5, 1.5, 2.5, 3.5, 4.5}))
	c.Add(frame.NewString("tier", []string{"a", "b", "c", "d", "e"}, nil))
	if err := c.Release(ctx); err != nil {
		t.Fatal(err)
	}
	c.Add(frame.NewFloat("spend", []float64{9, 8, 7, 6, 5})) // replaces a base column
	c.Add(frame.NewFloat("score2", []float64{1, 2, 3, 4, 5}))
	if err := c.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(c.Names(), ","), "customer_id,score,tier,spend,score2"; got != want {
		t.Errorf("columns %s, want %s", got, want)
	}
	got, err := db.Strings(ctx, "SELECT concat_ws('/', customer_id, spend, score, tier, score2) FROM customer_table")
	if err != nil {
		t.Fatal(err)
	}
	if want := "c0/9.0/0.5/a/1.0 c1/8.0/1.5/b/2.0 c2/7.0/2.5/c/3.0 c3/6.0/3.5/d/4.0 c4/5.0/4.5/e/5.0"; strings.Join(got, " ") != want {
		t.Errorf("rows\n%s\nwant\n%s", strings.Join(got, " "), want)
	}
	described, err := db.Strings(ctx, "SELECT column_name FROM (DESCRIBE customer_table)")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(described, ",") != strings.Join(c.Names(), ",") {
		t.Errorf("the view has columns %v, Names %v", described, c.Names())
	}
	// Pulled again after Release: from DuckDB, not the cache.
	f, err := c.Floats("spend")
	if err != nil || len(f) != 5 || f[0] != 9 || f[4] != 5 {
		t.Errorf("Floats(spend) = %v, %v", f, err)
	}
	// A new customer table on the same connection.
	c = build()
	if got := strings.Join(c.Names(), ","); got != "customer_id,spend" {
		t.Errorf("rebuilt table has columns %s", got)
	}
	n, err := db.Int(ctx, "SELECT count(*) FROM duckdb_tables() WHERE starts_with(table_name, 'customer_part_')")
	if err != nil || n != 1 {
		t.Errorf("%d parts after a rebuild (%v), want 1", n, err)
	}
}
