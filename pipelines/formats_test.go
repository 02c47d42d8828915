package pipelines_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/crmbatch/crmbatch/engine"
)

// The same CDNOW transactions read as CSV, Parquet and newline-delimited
// JSON give the same customer table; a bad JSON value is quarantined with
// its line.
func TestParquetAndJSONSources(t *testing.T) {
	dir := t.TempDir()
	db, err := engine.Open(context.Background(), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	src, _ := filepath.Abs("../testdata/cdnow/cdnowElog.csv")
	pq, js := filepath.Join(dir, "orders.parquet"), filepath.Join(dir, "orders.json")
	for _, q := range []string{
		fmt.Sprintf("COPY (SELECT CAST(sampleid AS VARCHAR) AS customer_id, strptime(CAST(date AS VARCHAR), '%%Y%%m%%d') AS order_ts, sales AS revenue FROM read_csv(%s)) TO %s (FORMAT PARQUET)", engine.Quote(src), engine.Quote(pq)),
		fmt.Sprintf("COPY (SELECT CAST(sampleid AS VARCHAR) AS customer_id, strftime(strptime(CAST(date AS VARCHAR), '%%Y%%m%%d'), '%%Y-%%m-%%d') AS order_ts, CASE WHEN n = 10 THEN 'lots' ELSE CAST(sales AS VARCHAR) END AS revenue FROM (SELECT *, row_number() OVER () AS n FROM read_csv(%s)) ORDER BY n) TO %s (FORMAT JSON)", engine.Quote(src), engine.Quote(js)),
	} {
		if err := db.Exec(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	sums := map[string][2]float64{}
	for _, c := range []struct{ name, file string }{{"parquet", "orders.parquet"}, {"json", "orders.json"}} {
		cfgPath := writeFile(t, dir, c.name+".yaml", fmt.Sprintf("as_of: 1997-09-30\ntime_unit: weeks\nclv: {holdout_days: 0}\nsources:\n  orders: {files: [%s]}\n", c.file))
		cfg, m, err := runTestConfig(t, cfgPath, nil)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		o := inputOf(m, "orders")
		if o.Read != 6919 || o.Read != o.Accepted+o.Rejected+o.Excluded {
			t.Errorf("%s: read %d = %d + %d + %d?", c.name, o.Read, o.Accepted, o.Rejected, o.Excluded)
		}
		f := query(t, fmt.Sprintf("SELECT count(*) AS n, CAST(sum(frequency) AS BIGINT) AS x, sum(T) AS t FROM read_parquet(%s)", engine.Quote(published(cfg, "customers", "1997-09-30"))))
		sums[c.name] = [2]float64{float64(f.Col("x").Ints[0]), f.Col("t").Floats[0]}
		if c.name == "json" {
			if o.Rejected != 1 {
				t.Errorf("json: %d rows rejected, want the one 'lots' revenue", o.Rejected)
			}
			r := query(t, fmt.Sprintf("SELECT line, rule FROM read_parquet(%s)", engine.Quote(published(cfg, "rejects", "1997-09-30"))))
			found := false
			for i := 0; i < r.Len(); i++ {
				found = found || (r.Col("line").Ints[i] == 10 && r.Col("rule").Strings[i] == "unreadable_value")
			}
			if !found {
				t.Errorf("json: the bad value on line 10 is not quarantined as unreadable_value")
			}
		}
	}
	// lifetimes' summary: sum(x) = 2,457 over the 2,357 customers.
	if sums["parquet"][0] != 2457 {
		t.Errorf("parquet: sum of frequency %v, want 2457", sums["parquet"][0])
	}
}
