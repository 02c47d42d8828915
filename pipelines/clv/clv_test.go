package clv_test

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/engine/frame"
	"github.com/crmbatch/crmbatch/pipelines"
	"github.com/crmbatch/crmbatch/pipelines/config"
)

func run(t *testing.T, path string) *config.Config {
	t.Helper()
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Output = t.TempDir()
	if _, err := pipelines.Run(context.Background(), pipelines.Options{Config: cfg}); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func read(t *testing.T, cfg *config.Config, table, asOf, q string) *frame.Frame {
	t.Helper()
	db, err := engine.Open(context.Background(), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p := filepath.Join(pipelines.PartitionDir(cfg.OutputRoot(), table, asOf), "part-0.parquet")
	f, err := db.QueryFrame(context.Background(), fmt.Sprintf(q, "read_parquet("+engine.Quote(p)+", hive_partitioning=false)"))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func params(t *testing.T, cfg *config.Config, asOf, model, fittedOn string) map[string]float64 {
	f := read(t, cfg, "model_params", asOf, "SELECT parameter, estimate, log_likelihood, customers FROM %s WHERE model = '"+model+"' AND fitted_on = '"+fittedOn+"'")
	out := map[string]float64{}
	for i := 0; i < f.Len(); i++ {
		out[f.Col("parameter").Strings[i]] = f.Col("estimate").Floats[i]
		out["LL"] = f.Col("log_likelihood").Floats[i]
		out["n"] = f.Col("customers").Floats[i]
	}
	return out
}

func close3(got, want float64) bool { return math.Abs(got-want) <= 0.0005*math.Abs(want)+1e-12 }

// The nightly run on CDNOW (weeks, as of 1997-09-30) publishes the
// published parameters of Fader, Hardie & Lee (2005) and Fader & Hardie
// (2013) to 3 significant figures, and BTYD's predictions for customer 1516.
func TestCDNOWNightlyRunMatchesPapers(t *testing.T) {
	cfg := run(t, "../../testdata/cdnow/crmbatch.yaml")
	const asOf = "1997-09-30"
	// [PUB] FHL 2005; [PKG] BTYD walkthrough (recency from dates) r=0.2425982 alpha=4.4136842 a=0.7929899 b=2.4261667 LL=-9582.429.
	bg := params(t, cfg, asOf, "bgnbd", "full")
	for name, want := range map[string]float64{"r": 0.2426, "alpha": 4.414, "a": 0.7930, "b": 2.426} {
		if !close3(bg[name], want) {
			t.Errorf("BG/NBD %s = %.5g, want %.4g", name, bg[name], want)
		}
	}
	if math.Abs(bg["LL"]-(-9582.43)) > 0.01 || bg["n"] != 2357 {
		t.Errorf("BG/NBD LL %.4f on %v customers, want -9582.43 on 2357", bg["LL"], bg["n"])
	}
	// [PUB] FHL 2005: 0.553, 10.58, 0.606, 11.67 (BTYD 11.656 from dates), LL -9594.98.
	pn := params(t, cfg, asOf, "paretonbd", "full")
	for name, want := range map[string]float64{"r": 0.553, "alpha": 10.58, "s": 0.606, "beta": 11.66} {
		if math.Abs(pn[name]-want) > 0.0015*want {
			t.Errorf("Pareto/NBD %s = %.5g, want %.4g", name, pn[name], want)
		}
	}
	if math.Abs(pn["LL"]-(-9594.97)) > 0.01 {
		t.Errorf("Pareto/NBD LL %.4f, want -9594.97", pn["LL"])
	}
	// [PUB] Fader & Hardie (2013) note 025: p=6.25 q=3.74 gamma=15.44 on 946 repeat buyers.
	gg := params(t, cfg, asOf, "gammagamma", "full")
	for name, want := range map[string]float64{"p": 6.25, "q": 3.74, "gamma": 15.44} {
		if math.Abs(gg[name]-want) > 0.006*want {
			t.Errorf("Gamma-Gamma %s = %.5g, want %.4g", name, gg[name], want)
		}
	}
	if gg["n"] != 946 {
		t.Errorf("Gamma-Gamma fitted on %v customers, want 946", gg["n"])
	}
	f := read(t, cfg, "customers", asOf, `SELECT count(*) AS n,
		count(*) FILTER (WHERE probability_alive IS NULL OR customer_lifetime_value IS NULL OR isnan(customer_lifetime_value)) AS missing,
		max(probability_alive) FILTER (WHERE customer_id = '1516') AS p1516,
		max(clv_model) AS model FROM %s`)
	if f.Col("n").Ints[0] != 2357 || f.Col("missing").Ints[0] != 0 {
		t.Errorf("%d customers, %d without scores", f.Col("n").Ints[0], f.Col("missing").Ints[0])
	}
	// [PKG] BTYD §4.3: P(alive | x=26, t.x=30.857, T=31) = 0.9688523 (BG/NBD), 0.997874 (Pareto/NBD).
	want := map[string]float64{"BG/NBD": 0.9688523, "Pareto/NBD": 0.997874}[f.Col("model").Strings[0]]
	if got := f.Col("p1516").Floats[0]; math.Abs(got-want) > 2e-4 {
		t.Errorf("customer 1516 P(alive) = %.6f under %s, want %.6f", got, f.Col("model").Strings[0], want)
	}
}

// The nightly holdout evaluation on CDNOW (calibration to 1997-09-30, 39-week
// holdout) reproduces BTYD's holdout table (walkthrough §4.4).
func TestCDNOWHoldoutTable(t *testing.T) {
	cfg := run(t, "../../testdata/cdnow/crmbatch-holdout.yaml")
	f := read(t, cfg, "clv_holdout", "1998-06-30", "SELECT calibration_frequency AS bin, customers, mean_actual, mean_expected FROM %s WHERE model = 'bgnbd' AND calibration_frequency <> 'all' ORDER BY calibration_frequency = '7+', calibration_frequency")
	n := []int64{1411, 439, 214, 100, 62, 38, 29, 64}
	actual := []float64{0.2367116, 0.6970387, 1.392523, 1.560000, 2.532258, 2.947368, 3.862069, 6.359375}
	expected := []float64{0.2250893, 0.5231364, 1.044126, 1.520256, 2.163824, 2.653789, 3.503957, 6.157036}
	if f.Len() != 8 {
		t.Fatalf("%d bins, want 8", f.Len())
	}
	for i := range n {
		if f.Col("customers").Ints[i] != n[i] || math.Abs(f.Col("mean_actual").Floats[i]-actual[i]) > 1e-6 {
			t.Errorf("bin %s: %d customers, actual %.7f; want %d, %.7f", f.Col("bin").Strings[i], f.Col("customers").Ints[i], f.Col("mean_actual").Floats[i], n[i], actual[i])
		}
		if got := f.Col("mean_expected").Floats[i]; math.Abs(got-expected[i]) > 1e-3 {
			t.Errorf("bin %s: expected %.5f, BTYD %.5f", f.Col("bin").Strings[i], got, expected[i])
		}
	}
	p := params(t, cfg, "1998-06-30", "bgnbd", "calibration")
	if !close3(p["r"], 0.2426) || !close3(p["b"], 2.426) {
		t.Errorf("calibration fit r=%.5g b=%.5g, want BTYD's 0.2426, 2.426", p["r"], p["b"])
	}
	tr := read(t, cfg, "clv_tracking", "1998-06-30", "SELECT max(actual_cumulative) AS a, count(*) FILTER (WHERE expected_cumulative IS NULL) AS bad FROM %s")
	// 2,457 calibration + 1,882 holdout repeat purchase days (SOURCE.md).
	if tr.Col("a").Floats[0] != 2457+1882 || tr.Col("bad").Ints[0] != 0 {
		t.Errorf("tracking ends at %v repeat purchases with %d empty points, want 4339 and 0", tr.Col("a").Floats[0], tr.Col("bad").Ints[0])
	}
}
