package funnel_test

import (
	"context"
	"math"
	"path/filepath"
	"testing"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/engine/frame"
	"github.com/crmbatch/crmbatch/pipelines"
	"github.com/crmbatch/crmbatch/pipelines/config"
)

func query(t *testing.T, db *engine.DB, q string) *frame.Frame {
	t.Helper()
	f, err := db.QueryFrame(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// checkPublished compares the published columns of table with
// pipelines.Schema and checks that no DOUBLE is NaN or infinite.
func checkPublished(t *testing.T, db *engine.DB, path, table string) {
	t.Helper()
	doc := map[string]string{}
	for _, td := range pipelines.Schema(nil) {
		if td.Name == table {
			for _, c := range td.Columns {
				doc[c.Name] = c.Type
			}
		}
	}
	f := query(t, db, "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet("+engine.Quote(path)+", hive_partitioning = false))")
	if f.Len() != len(doc) {
		t.Errorf("%s: %d columns published, %d documented", table, f.Len(), len(doc))
	}
	for i := 0; i < f.Len(); i++ {
		name, typ := f.Col("column_name").Strings[i], f.Col("column_type").Strings[i]
		if doc[name] != typ {
			t.Errorf("%s.%s is %s, documented as %q", table, name, typ, doc[name])
		}
		if typ == "DOUBLE" {
			n := query(t, db, "SELECT count(*) AS n FROM read_parquet("+engine.Quote(path)+") WHERE isnan("+engine.Ident(name)+") OR isinf("+engine.Ident(name)+")")
			if n.Col("n").Ints[0] != 0 {
				t.Errorf("%s.%s has %d NaN or infinite values", table, name, n.Col("n").Ints[0])
			}
		}
	}
}

// TestMavenPipeline runs the batch on the Maven Analytics CRM Sales
// Opportunities pipeline (testdata/pipeline) and compares the funnel and
// the win rates with DuckDB SQL over the raw CSV. The reference counts are
// those of testdata/pipeline/SOURCE.md: Won 4,238, Lost 2,473, Engaging
// 1,589, Prospecting 500, win rate 0.6315.
func TestMavenPipeline(t *testing.T) {
	ctx := context.Background()
	cfg, err := config.Load("../../testdata/pipeline/crmbatch.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Output = t.TempDir()
	m, err := pipelines.Run(ctx, pipelines.Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	db, err := engine.Open(ctx, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	pub := func(table string) string {
		return filepath.Join(pipelines.PartitionDir(cfg.OutputRoot(), table, m.AsOf), "part-0.parquet")
	}
	csv := "read_csv(" + engine.Quote("../../testdata/pipeline/sales_pipeline.csv") + ", header = true, all_varchar = true)"

	fun := query(t, db, "SELECT * FROM read_parquet("+engine.Quote(pub("sales_funnel"))+") ORDER BY step")
	ref := query(t, db, "SELECT deal_stage, count(*) AS n FROM "+csv+" GROUP BY 1")
	want := map[string]int64{}
	for i := 0; i < ref.Len(); i++ {
		want[ref.Col("deal_stage").Strings[i]] = ref.Col("n").Ints[i]
	}
	for stage, n := range map[string]int64{"Won": 4238, "Lost": 2473, "Engaging": 1589, "Prospecting": 500} {
		if want[stage] != n {
			t.Errorf("SQL reference: %s %d, SOURCE.md says %d", stage, want[stage], n)
		}
	}
	wantOrder := []string{"Prospecting", "Engaging", "Lost", "Won"}
	if fun.Len() != len(wantOrder) {
		t.Fatalf("sales_funnel has %d steps, want %v", fun.Len(), wantOrder)
	}
	// Every opportunity passed Prospecting; all but the 500 still there
	// reached Engaging; won / reached Engaging is the last conversion.
	reached := map[string]int64{"Prospecting": 8800, "Engaging": 8300, "Lost": 2473, "Won": 4238}
	conv := map[string]float64{"Prospecting": 8300.0 / 8800, "Engaging": 4238.0 / 8300}
	for i, stage := range wantOrder {
		got := fun.Col("stage").Strings[i]
		if got != stage {
			t.Errorf("step %d is %s, want %s", i+1, got, stage)
			continue
		}
		if c := fun.Col("opportunities_current").Ints[i]; c != want[stage] {
			t.Errorf("%s: opportunities_current %d, SQL says %d", stage, c, want[stage])
		}
		if r := fun.Col("opportunities_reached").Ints[i]; r != reached[stage] {
			t.Errorf("%s: opportunities_reached %d, want %d", stage, r, reached[stage])
		}
		c := fun.Col("conversion_to_next")
		if w, ok := conv[stage]; ok {
			if c.IsNull(i) || math.Abs(c.Floats[i]-w) > 1e-12 {
				t.Errorf("%s: conversion_to_next %v, want %v", stage, c.Floats[i], w)
			}
		} else if !c.IsNull(i) {
			t.Errorf("%s: conversion_to_next %v, want null for a closing stage", stage, c.Floats[i])
		}
		if stage == "Prospecting" || stage == "Engaging" {
			if p := fun.Col("win_probability").Floats[i]; math.Abs(p-4238.0/6711) > 1e-12 {
				t.Errorf("%s: win_probability %v, want 4238/6711", stage, p)
			}
		}
	}

	wr := query(t, db, "SELECT * FROM read_parquet("+engine.Quote(pub("win_rates"))+")")
	refAgent := query(t, db, `SELECT sales_agent, count(*) AS n,
	count(*) FILTER (WHERE deal_stage = 'Won') AS won,
	count(*) FILTER (WHERE deal_stage = 'Won') / count(*) FILTER (WHERE deal_stage IN ('Won', 'Lost'))::DOUBLE AS rate
FROM `+csv+` GROUP BY 1`)
	type rate struct {
		n, won int64
		rate   float64
	}
	agents := map[string]rate{}
	for i := 0; i < refAgent.Len(); i++ {
		agents[refAgent.Col("sales_agent").Strings[i]] = rate{refAgent.Col("n").Ints[i], refAgent.Col("won").Ints[i], refAgent.Col("rate").Floats[i]}
	}
	owners := 0
	for i := 0; i < wr.Len(); i++ {
		dim := wr.Col("dimension").Strings[i]
		rate := wr.Col("win_rate").Floats[i]
		switch dim {
		case "overall":
			if math.Abs(rate-0.6315) > 5e-5 || wr.Col("won").Ints[i] != 4238 || wr.Col("lost").Ints[i] != 2473 || wr.Col("opportunities").Ints[i] != 8800 {
				t.Errorf("overall: win rate %v, won %d, lost %d, want 0.6315, 4238, 2473", rate, wr.Col("won").Ints[i], wr.Col("lost").Ints[i])
			}
			if w := wr.Col("won_amount").Floats[i]; w != 10005534 {
				t.Errorf("overall won_amount %v, SOURCE.md says 10,005,534", w)
			}
		case "owner":
			owners++
			a := wr.Col("value").Strings[i]
			r, ok := agents[a]
			if !ok {
				t.Errorf("owner %q is not a sales agent", a)
				continue
			}
			if wr.Col("opportunities").Ints[i] != r.n || wr.Col("won").Ints[i] != r.won || math.Abs(rate-r.rate) > 1e-12 {
				t.Errorf("owner %s: %d opportunities, %d won, rate %v; SQL says %d, %d, %v", a, wr.Col("opportunities").Ints[i], wr.Col("won").Ints[i], rate, r.n, r.won, r.rate)
			}
		}
	}
	if owners != len(agents) || owners != 30 {
		t.Errorf("%d owners published, %d sales agents in the CSV (30 expected)", owners, len(agents))
	}
	checkPublished(t, db, pub("sales_funnel"), "sales_funnel")
	checkPublished(t, db, pub("win_rates"), "win_rates")
}
