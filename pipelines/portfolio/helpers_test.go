package portfolio_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/engine/frame"
	"github.com/crmbatch/crmbatch/pipelines"
	"github.com/crmbatch/crmbatch/pipelines/config"
	"github.com/crmbatch/crmbatch/pipelines/gen"
	"github.com/crmbatch/crmbatch/pipelines/portfolio"
)

// onlyPortfolio makes runs in this test binary execute the portfolio stages
// alone after the customer table, so the tests measure and check this
// package without the other model stages.
var onlyPortfolio sync.Once

func usePortfolioStages() {
	onlyPortfolio.Do(func() { pipelines.ModelStages = portfolio.Stages })
}

// run runs the batch with cfg as of asOf (zero: the config's).
func run(t testing.TB, cfg *config.Config, asOf time.Time) *pipelines.Manifest {
	t.Helper()
	usePortfolioStages()
	m, err := pipelines.Run(context.Background(), pipelines.Options{Config: cfg, AsOf: asOf})
	if err != nil {
		t.Fatalf("run as of %s: %v", asOf.Format(time.DateOnly), err)
	}
	for _, s := range m.Stages {
		if s.Status != "ok" {
			t.Logf("stage %s %s: %s", s.Name, s.Status, s.Note)
		}
	}
	return m
}

// generated writes a generated data set of n customers (seed 7, history up
// to asOf) and returns its configuration, as of the day before asOf, with
// outputs in a fresh folder.
func generated(t testing.TB, n int, asOf time.Time) (*config.Config, string) {
	t.Helper()
	dir := t.TempDir()
	if _, err := gen.Write(dir, gen.Options{Customers: n, Seed: 7, AsOf: asOf}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "crmbatch.yaml")
	if err := os.WriteFile(path, config.GeneratedYAML(asOf.AddDate(0, 0, -1), "out"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Threads = 2
	return cfg, dir
}

// query runs SQL in a scratch in-memory DuckDB (to read published Parquet
// and the raw files).
func query(t testing.TB, q string) *frame.Frame {
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

// published is the quoted path of a published table's Parquet file.
func published(cfg *config.Config, table, asOf string) string {
	return engine.Quote(filepath.Join(pipelines.PartitionDir(cfg.OutputRoot(), table, asOf), "part-0.parquet"))
}
