package scoring_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/pipelines"
	"github.com/crmbatch/crmbatch/pipelines/batch"
	"github.com/crmbatch/crmbatch/pipelines/config"
	"github.com/crmbatch/crmbatch/pipelines/scoring"
)

// BenchmarkChurnLeads times the churn and leads stages on generated data in
// size tiers (customers; leads are half as many). The data is generated,
// ingested and turned into a customer table once per tier, outside the
// timer; outputs go to a throwaway publisher. No CLV stage runs, so churn
// has no probability_alive feature here.
//
//	go test -run '^$' -bench ChurnLeads -benchtime 3x ./pipelines/scoring/
func BenchmarkChurnLeads(b *testing.B) {
	for _, n := range []int{10000, 100000} {
		b.Run(fmt.Sprintf("customers=%d", n), func(b *testing.B) { benchStages(b, n) })
	}
}

func benchStages(b *testing.B, customers int) {
	ctx := context.Background()
	dir := b.TempDir()
	path, _, asOf := generated(b, dir, customers, 3)
	cfg, err := config.Load(path)
	if err != nil {
		b.Fatal(err)
	}
	db, err := engine.Open(ctx, engine.Options{TempDir: filepath.Join(dir, "spill")})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	in, err := pipelines.Load(ctx, db, cfg, asOf, dir, true, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := pipelines.BuildCustomerTable(ctx, db, asOf, cfg.UnitDays(), in); err != nil {
		b.Fatal(err)
	}
	// Each iteration starts from the table as built.
	if err := db.Exec(ctx, "CREATE TEMP TABLE customer_base AS SELECT * FROM customer_table"); err != nil {
		b.Fatal(err)
	}
	acc := map[string]int64{}
	for _, t := range in.Tables {
		acc[t.Table] = t.Accepted
	}
	var churnSec, leadSec float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		pub, err := pipelines.NewPublisher(filepath.Join(dir, "out"), asOf)
		if err != nil {
			b.Fatal(err)
		}
		if err := batch.DropCustomerParts(ctx, db); err != nil {
			b.Fatal(err)
		}
		if err := db.Exec(ctx, "CREATE TEMP TABLE customer_table AS SELECT * FROM customer_base"); err != nil {
			b.Fatal(err)
		}
		cust, err := batch.OpenCustomers(ctx, db)
		if err != nil {
			b.Fatal(err)
		}
		bt := &batch.Batch{Cfg: cfg, DB: db, AsOf: asOf, Accepted: acc, Customers: cust, Out: pub}
		b.StartTimer()
		for _, st := range []struct {
			run func(context.Context, *batch.Batch) error
			sec *float64
		}{{scoring.Churn, &churnSec}, {scoring.Leads, &leadSec}} {
			start := time.Now()
			if err := st.run(ctx, bt); err != nil {
				b.Fatal(err)
			}
			*st.sec += time.Since(start).Seconds()
		}
		b.StopTimer()
		pub.Close()
		os.RemoveAll(filepath.Join(dir, "out"))
		b.StartTimer()
	}
	b.ReportMetric(churnSec/float64(b.N), "churn-s/op")
	b.ReportMetric(leadSec/float64(b.N), "leads-s/op")
}
