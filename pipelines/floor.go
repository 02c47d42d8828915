package pipelines

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/pipelines/config"
)

// FloorResult is the DuckDB-only floor of a nightly run: the spine's work
// that no design can skip, done by DuckDB alone on the same files with the
// same memory limit and threads.
type FloorResult struct {
	Seconds    float64 // wall time of the floor
	CPUSeconds float64 // CPU time of the floor (all threads)
	Rows       int64   // order lines read
}

// Floor runs the floor on cfg's customers, orders and interactions: read
// the three CSVs with declared types (store_rejects on, as crmbatch reads
// them), build a per-customer summary (the BTYD summary, revenue and
// interaction counts) and write it as ZSTD Parquet into dir. crmbatch bench
// states a run's speed as a ratio to it, measured in the same process on
// the same machine minutes apart, since absolute times on a shared machine
// drift.
func Floor(ctx context.Context, cfg *config.Config, dir string) (*FloorResult, error) {
	start, cpu := time.Now(), cpuSeconds()
	db, err := engine.Open(ctx, engine.Options{MemoryLimit: cfg.MemoryLimit, Threads: cfg.Threads, TempDir: filepath.Join(dir, "floor.tmp")})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	read := func(table string, cols string) (string, error) {
		src := cfg.Sources[table]
		if src == nil || len(src.Files) == 0 {
			return "", fmt.Errorf("floor: the config has no %s source", table)
		}
		return fmt.Sprintf("CREATE TABLE %s AS SELECT * FROM read_csv(%s, header=true, columns={%s}, store_rejects=true, rejects_table='rej_%s', rejects_scan='scan_%s')",
			table, engine.Quote(cfg.Resolve(src.Files[0])), cols, table, table), nil
	}
	var stmts []string
	for _, t := range []struct{ name, cols string }{
		{"customers", `'customer_id': 'VARCHAR', 'name': 'VARCHAR', 'email': 'VARCHAR', 'phone': 'VARCHAR', 'address': 'VARCHAR', 'city': 'VARCHAR', 'country': 'VARCHAR', 'signup_date': 'DATE', 'acquisition_channel': 'VARCHAR', 'acquisition_cost': 'DOUBLE', 'birth_date': 'DATE', 'partner_id': 'VARCHAR', 'email_opt_in': 'BOOLEAN', 'sms_opt_in': 'BOOLEAN', 'social_handle': 'VARCHAR'`},
		{"orders", `'order_id': 'VARCHAR', 'line_no': 'BIGINT', 'customer_id': 'VARCHAR', 'order_ts': 'TIMESTAMP', 'product_id': 'VARCHAR', 'category': 'VARCHAR', 'quantity': 'DOUBLE', 'revenue': 'DOUBLE', 'cost': 'DOUBLE', 'channel': 'VARCHAR', 'sales_rep': 'VARCHAR'`},
		{"interactions", `'interaction_id': 'VARCHAR', 'customer_id': 'VARCHAR', 'ts': 'TIMESTAMP', 'channel': 'VARCHAR', 'type': 'VARCHAR', 'value': 'DOUBLE', 'cost': 'DOUBLE'`},
	} {
		q, err := read(t.name, t.cols)
		if err != nil {
			return nil, err
		}
		stmts = append(stmts, q)
	}
	asOf := engine.Quote(cfg.AsOf)
	out := filepath.Join(dir, "floor_customers.parquet")
	stmts = append(stmts, fmt.Sprintf(`COPY (
WITH days AS (SELECT customer_id, CAST(order_ts AS DATE) AS d, sum(revenue) AS v FROM orders GROUP BY ALL),
summary AS (SELECT customer_id, count(*) - 1 AS frequency, max(d) - min(d) AS recency, DATE %[1]s - min(d) AS T,
	sum(v) AS revenue, avg(v) AS monetary_value FROM days GROUP BY ALL),
touch AS (SELECT customer_id, count(*) AS interactions, count(*) FILTER (WHERE type = 'complaint') AS complaints FROM interactions GROUP BY ALL)
SELECT c.customer_id, c.country, c.acquisition_channel, s.*  EXCLUDE (customer_id), t.* EXCLUDE (customer_id)
FROM customers c LEFT JOIN summary s USING (customer_id) LEFT JOIN touch t USING (customer_id)
) TO %[2]s (FORMAT PARQUET, COMPRESSION ZSTD)`, asOf, engine.Quote(out)))
	for _, q := range stmts {
		if err := db.Exec(ctx, q); err != nil {
			return nil, err
		}
	}
	n, err := db.Int(ctx, "SELECT count(*) FROM orders")
	if err != nil {
		return nil, err
	}
	os.Remove(out)
	return &FloorResult{Seconds: time.Since(start).Seconds(), CPUSeconds: cpuSeconds() - cpu, Rows: n}, nil
}
