package expansion_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/engine/frame"
	"github.com/crmbatch/crmbatch/pipelines"
	"github.com/crmbatch/crmbatch/pipelines/config"
	"github.com/crmbatch/crmbatch/pipelines/gen"
)

// generated writes a generated data set of n customers and runs the batch
// on it; it returns the config, the manifest and the truth.
func generated(t testing.TB, n int) (*config.Config, *pipelines.Manifest, *gen.Truth, string) {
	t.Helper()
	dir := t.TempDir()
	asOf := time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)
	truth, err := gen.Write(dir, gen.Options{Customers: n, Seed: 11, AsOf: asOf})
	if err != nil {
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
	m, err := pipelines.Run(context.Background(), pipelines.Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	return cfg, m, truth, dir
}

func query(t testing.TB, db *engine.DB, q string) *frame.Frame {
	t.Helper()
	f, err := db.QueryFrame(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestGenerated checks the expansion and funnel stages against what the
// generator planted (pipelines/gen truth.json): the planted product pairs
// are the rules with the highest lift, their lift is the measured one, no
// next best offer is a product the customer ordered, and the funnel counts
// the generator's won, lost and open opportunities.
func TestGenerated(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and runs 5,000 customers")
	}
	cfg, m, truth, dir := generated(t, 5000)
	ctx := context.Background()
	db, err := engine.Open(ctx, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	pub := func(table string) string {
		return engine.Quote(filepath.Join(pipelines.PartitionDir(cfg.OutputRoot(), table, m.AsOf), "part-0.parquet"))
	}

	// The 10 planted pairs, in both directions, are the 20 rules of
	// highest lift; lift is symmetric, so both directions have one rank.
	rules := query(t, db, "SELECT * FROM read_parquet("+pub("affinity_rules")+") ORDER BY rank")
	if rules.Len() < 2*len(truth.Pairs) {
		t.Fatalf("%d rules, want at least %d", rules.Len(), 2*len(truth.Pairs))
	}
	planted := map[[2]string]gen.Pair{}
	for _, p := range truth.Pairs {
		planted[[2]string{p.A, p.B}] = p
		planted[[2]string{p.B, p.A}] = p
	}
	for i := 0; i < 2*len(truth.Pairs); i++ {
		a, b := rules.Col("antecedent_product_id").Strings[i], rules.Col("consequent_product_id").Strings[i]
		p, ok := planted[[2]string{a, b}]
		if !ok {
			t.Errorf("rule %d %s -> %s (lift %.2f) is not a planted pair", i+1, a, b, rules.Col("lift").Floats[i])
			continue
		}
		// Truth counts clean orders; the run's baskets are the accepted
		// ones, so the lifts agree to a few percent, not exactly.
		if got := rules.Col("lift").Floats[i]; math.Abs(got-p.Lift)/p.Lift > 0.05 {
			t.Errorf("%s -> %s: lift %.3f, planted pair measured %.3f", a, b, got, p.Lift)
		}
		delete(planted, [2]string{a, b})
	}
	if len(planted) > 0 {
		t.Errorf("planted rules not among the top %d: %v", 2*len(truth.Pairs), planted)
	}
	next := 2 * len(truth.Pairs)
	t.Logf("%d rules; planted lifts %.2f..%.2f; best unplanted lift %.2f", rules.Len(), rules.Col("lift").Floats[next-1], rules.Col("lift").Floats[0], rules.Col("lift").Floats[next])

	// No offer is a product the customer ordered on any line of the input.
	orders := "read_csv(" + engine.Quote(filepath.Join(dir, "orders.csv")) + ", all_varchar = true)"
	bad := query(t, db, "SELECT count(*) AS n FROM read_parquet("+pub("next_best_offers")+") o JOIN (SELECT DISTINCT customer_id, product_id FROM "+orders+") b USING (customer_id, product_id)")
	if n := bad.Col("n").Ints[0]; n != 0 {
		t.Errorf("%d next best offers are products the customer already ordered", n)
	}
	offers := query(t, db, "SELECT count(*) AS n, count(DISTINCT customer_id) AS customers, min(score) AS lo, max(rank) AS max_rank FROM read_parquet("+pub("next_best_offers")+")")
	if offers.Col("customers").Ints[0] < 1000 || offers.Col("max_rank").Ints[0] != int64(cfg.Expansion.TopN) || !(offers.Col("lo").Floats[0] > 0) {
		t.Errorf("offers: %d rows for %d customers, max rank %d, min score %v", offers.Col("n").Ints[0], offers.Col("customers").Ints[0], offers.Col("max_rank").Ints[0], offers.Col("lo").Floats[0])
	}
	// The customer table carries the same offers, rank by rank.
	mismatch := query(t, db, `SELECT count(*) AS n FROM read_parquet(`+pub("customers")+`) c
	FULL JOIN (SELECT * FROM read_parquet(`+pub("next_best_offers")+`) WHERE rank = 1) o USING (customer_id)
	WHERE c.next_best_offer_1 IS DISTINCT FROM o.product_id`)
	if n := mismatch.Col("n").Ints[0]; n != 0 {
		t.Errorf("%d customers whose next_best_offer_1 differs from their rank-1 offer", n)
	}

	// The funnel and win rates count the generator's opportunities.
	wr := query(t, db, "SELECT won, lost, open, opportunities FROM read_parquet("+pub("win_rates")+") WHERE dimension = 'overall'")
	o := truth.Opportunities
	if wr.Col("won").Ints[0] != o.Won || wr.Col("lost").Ints[0] != o.Lost || wr.Col("open").Ints[0] != o.Open {
		t.Errorf("win_rates overall: won %d lost %d open %d; generator: %d %d %d", wr.Col("won").Ints[0], wr.Col("lost").Ints[0], wr.Col("open").Ints[0], o.Won, o.Lost, o.Open)
	}
	fun := query(t, db, "SELECT stage, kind, opportunities_reached, median_days_in_stage FROM read_parquet("+pub("sales_funnel")+") ORDER BY step")
	var stages []string
	for i := 0; i < fun.Len(); i++ {
		stages = append(stages, fun.Col("stage").Strings[i])
		if s := fun.Col("stage").Strings[i]; s != "lead" && s != "closed" {
			// Gamma(2, mean m) stage durations: the median is about 0.84 m.
			mean := o.StageMeanDays[s]
			if got := fun.Col("median_days_in_stage").Floats[i]; math.Abs(got-0.839*mean)/mean > 0.15 {
				t.Errorf("%s: median days in stage %.2f, Gamma(2) with mean %.0f days has median %.2f", s, got, mean, 0.839*mean)
			}
		}
	}
	want := []string{"lead", "prospecting", "qualification", "proposal", "negotiation", "closed"}
	if len(stages) != len(want) {
		t.Fatalf("funnel steps %v, want %v", stages, want)
	}
	for i := range want {
		if stages[i] != want[i] {
			t.Errorf("funnel steps %v, want %v", stages, want)
			break
		}
	}
	if r := fun.Col("opportunities_reached").Ints[1]; r != o.Count {
		t.Errorf("prospecting reached by %d opportunities, generator wrote %d", r, o.Count)
	}
}
