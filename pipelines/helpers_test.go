package pipelines_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/engine/frame"
	"github.com/crmbatch/crmbatch/pipelines"
	"github.com/crmbatch/crmbatch/pipelines/config"
)

// runTestConfig loads a config, points its output at a fresh temp folder and
// runs the batch.
func runTestConfig(t *testing.T, path string, edit func(*config.Config)) (*config.Config, *pipelines.Manifest, error) {
	t.Helper()
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	cfg.Output = t.TempDir()
	if edit != nil {
		edit(cfg)
	}
	m, err := pipelines.Run(context.Background(), pipelines.Options{Config: cfg})
	return cfg, m, err
}

// query runs SQL in a scratch in-memory DuckDB (to read published Parquet).
func query(t *testing.T, q string) *frame.Frame {
	t.Helper()
	db, err := engine.Open(context.Background(), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	f, err := db.QueryFrame(context.Background(), q)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return f
}

func published(cfg *config.Config, table, asOf string) string {
	return filepath.Join(pipelines.PartitionDir(cfg.OutputRoot(), table, asOf), "part-0.parquet")
}

// sharedData returns a path under ../shared/data, or skips loudly when the
// shared data sets are not on this machine.
func sharedData(t *testing.T, rel string) string {
	t.Helper()
	p := filepath.Join("..", "..", "shared", "data", rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("SKIPPED: %s is not on this machine (needs ../shared/data next to the repository); this real-data check did not run", p)
	}
	abs, _ := filepath.Abs(p)
	return abs
}

func inputOf(m *pipelines.Manifest, table string) *pipelines.TableLoad {
	for _, t := range m.Inputs {
		if t.Table == table {
			return t
		}
	}
	return nil
}

// checkDocumentedTypes compares every published Parquet file under root for
// asOf with pipelines.Schema().
func checkDocumentedTypes(t *testing.T, root, asOf string) {
	t.Helper()
	docs := map[string]map[string]string{}
	for _, td := range pipelines.Schema(nil) {
		docs[td.Name] = map[string]string{}
		for _, c := range td.Columns {
			docs[td.Name][c.Name] = c.Type
		}
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, e := range entries {
		p := filepath.Join(pipelines.PartitionDir(root, e.Name(), asOf), "part-0.parquet")
		if _, err := os.Stat(p); err != nil {
			continue
		}
		doc, ok := docs[e.Name()]
		if !ok {
			t.Errorf("published table %s is not documented in Schema()", e.Name())
			continue
		}
		f := query(t, "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet("+engine.Quote(p)+", hive_partitioning=false))")
		for i := 0; i < f.Len(); i++ {
			name, typ := f.Col("column_name").Strings[i], f.Col("column_type").Strings[i]
			if want, ok := doc[name]; !ok {
				t.Errorf("%s.%s (%s) is not documented", e.Name(), name, typ)
			} else if want != typ {
				t.Errorf("%s.%s is %s, documented as %s", e.Name(), name, typ, want)
			}
		}
		checked++
	}
	if checked < 2 {
		t.Errorf("checked %d published tables, want at least customers and rejects", checked)
	}
}
