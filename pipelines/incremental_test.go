package pipelines_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/pipelines"
	"github.com/crmbatch/crmbatch/pipelines/config"
)

// splitCDNOW writes the CDNOW transactions of [from, to) into a file.
func splitCDNOW(t *testing.T, dir, name, from, to string) {
	t.Helper()
	src, _ := filepath.Abs("../testdata/cdnow/cdnowElog.csv")
	db, err := engine.Open(context.Background(), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	q := fmt.Sprintf(`COPY (SELECT sampleid AS customer_id, strftime(strptime(CAST(date AS VARCHAR), '%%Y%%m%%d'), '%%Y-%%m-%%d') AS order_ts, sales AS revenue
		FROM read_csv(%s) WHERE date >= %s AND date < %s) TO %s (HEADER)`, engine.Quote(src), from, to, engine.Quote(filepath.Join(dir, name)))
	if err := db.Exec(context.Background(), q); err != nil {
		t.Fatal(err)
	}
}

func customersDigest(t *testing.T, cfg *config.Config, asOf string) string {
	t.Helper()
	f := query(t, fmt.Sprintf("SELECT count(*) AS n, CAST(sum(frequency) AS BIGINT) AS x, round(sum(revenue), 2) AS r, round(sum(T), 4) AS t FROM read_parquet(%s)", engine.Quote(published(cfg, "customers", asOf))))
	return fmt.Sprintf("%d/%d/%.2f/%.4f", f.Col("n").Ints[0], f.Col("x").Ints[0], f.Col("r").Floats[0], f.Col("t").Floats[0])
}

// Nightly incremental loads: an unchanged file is not read again, a new file
// is added, a changed file replaces its earlier rows (never double-counted),
// late rows are reported, and the result equals a full reload.
func TestIncrementalLoads(t *testing.T) {
	dir, out := t.TempDir(), t.TempDir()
	splitCDNOW(t, dir, "orders-1.csv", "19970101", "19970401")
	splitCDNOW(t, dir, "orders-2.csv", "19970401", "19970801")
	cfgPath := writeFile(t, dir, "c.yaml", "time_unit: weeks\nclv: {holdout_days: 0, models: [bgnbd]}\nsources:\n  orders: {files: [orders-*.csv]}\n")
	run := func(asOf string, full bool) (*config.Config, *pipelines.TableLoad) {
		t.Helper()
		cfg, err := config.Load(cfgPath)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Output = out
		d, _ := time.Parse(time.DateOnly, asOf)
		m, err := pipelines.Run(context.Background(), pipelines.Options{Config: cfg, AsOf: d, FullReload: full})
		if err != nil {
			t.Fatal(err)
		}
		return cfg, inputOf(m, "orders")
	}
	cfg, o := run("1997-07-31", false)
	if o.FilesLoaded != 2 || o.FilesUnchanged != 0 {
		t.Errorf("first run loaded %d files, reused %d; want 2, 0", o.FilesLoaded, o.FilesUnchanged)
	}
	first := customersDigest(t, cfg, "1997-07-31")

	_, o = run("1997-07-31", false)
	if o.FilesLoaded != 0 || o.FilesUnchanged != 2 {
		t.Errorf("same files again: loaded %d, reused %d; want 0, 2", o.FilesLoaded, o.FilesUnchanged)
	}
	if again := customersDigest(t, cfg, "1997-07-31"); again != first {
		t.Errorf("re-running the same as-of changed the customers: %s, then %s", first, again)
	}

	// A new file with August-September purchases, and 3 late July rows.
	splitCDNOW(t, dir, "orders-3.csv", "19970801", "19971001")
	late := "\n4,1997-07-20,10.0\n5,1997-07-21,11.0\n6,1997-07-22,12.0\n"
	f, _ := os.OpenFile(filepath.Join(dir, "orders-3.csv"), os.O_APPEND|os.O_WRONLY, 0o644)
	f.WriteString(strings.TrimPrefix(late, "\n"))
	f.Close()
	cfg, o = run("1997-09-30", false)
	if o.FilesLoaded != 1 || o.FilesUnchanged != 2 || o.Late != 3 {
		t.Errorf("new file: loaded %d, reused %d, late rows %d; want 1, 2, 3", o.FilesLoaded, o.FilesUnchanged, o.Late)
	}
	if o.Read != 4960+3 {
		t.Errorf("read %d rows up to 1997-09-30, want the 4,960 CDNOW calibration rows + 3 late ones", o.Read)
	}
	incremental := customersDigest(t, cfg, "1997-09-30")

	// Changing orders-1.csv (the same content, rewritten with one row less)
	// replaces its rows.
	b, _ := os.ReadFile(filepath.Join(dir, "orders-1.csv"))
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	os.WriteFile(filepath.Join(dir, "orders-1.csv"), []byte(strings.Join(lines[:len(lines)-1], "\n")+"\n"), 0o644)
	_, o = run("1997-09-30", false)
	if o.FilesLoaded != 1 || o.Read != 4960+3-1 {
		t.Errorf("changed file: loaded %d files, read %d rows; want 1 and %d", o.FilesLoaded, o.Read, 4960+3-1)
	}
	os.WriteFile(filepath.Join(dir, "orders-1.csv"), b, 0o644)
	_, o = run("1997-09-30", false)
	if o.Read != 4960+3 {
		t.Errorf("restored file: read %d rows, want %d", o.Read, 4960+3)
	}
	if got := customersDigest(t, cfg, "1997-09-30"); got != incremental {
		t.Errorf("after changing and restoring a file the customers are %s, were %s", got, incremental)
	}
	cfg, o = run("1997-09-30", true)
	if o.FilesLoaded != 3 {
		t.Errorf("full reload loaded %d files, want 3", o.FilesLoaded)
	}
	if full := customersDigest(t, cfg, "1997-09-30"); full != incremental {
		t.Errorf("full reload gives %s, incremental gave %s", full, incremental)
	}
}
