package scoring_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/pipelines/config"
)

// The churn model is trained on P(alive) under a BG/NBD refitted at the
// cutoff. It must score with the same definition (BG/NBD refitted at the
// as-of date), not with the customer table's probability_alive, which
// comes from whichever model the clv stage published. So forcing the clv
// stage to Pareto/NBD or to BG/NBD must leave every churn probability as
// it is. (Before the fix the scored P(alive) was the customer table's: on
// CDNOW master churn_probability moved by up to 0.082 and 318 customers
// changed tier, issue 11.)
func TestChurnPAliveIndependentOfCLVModel(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the batch twice on 3,000 generated customers")
	}
	path, _, asOf := generated(t, t.TempDir(), 3000, 21)
	var files []string
	for _, model := range []string{"bgnbd", "paretonbd"} {
		cfg, _ := run(t, path, func(c *config.Config) {
			c.CLV.Models = []string{model}
			c.Output = t.TempDir()
		})
		files = append(files, engine.Quote(published(cfg, "customers", asOf)))
	}
	f := query(t, fmt.Sprintf(`SELECT count(*) AS n,
		count(*) FILTER (WHERE a.churn_probability IS NOT NULL) AS scored,
		max(abs(a.probability_alive - b.probability_alive)) AS dalive,
		max(abs(a.churn_probability - b.churn_probability)) AS dchurn,
		count(*) FILTER (WHERE a.churn_risk_tier IS DISTINCT FROM b.churn_risk_tier) AS tiers
	FROM read_parquet(%s) a JOIN read_parquet(%s) b USING (customer_id)`, files[0], files[1]))
	n, scored := f.Col("n").Ints[0], f.Col("scored").Ints[0]
	dAlive, dChurn, tiers := f.Col("dalive").Floats[0], f.Col("dchurn").Floats[0], f.Col("tiers").Ints[0]
	t.Logf("%d customers, %d scored; customer-table P(alive) differs by up to %.4f between the models; churn probability by %.2g, %d tiers", n, scored, dAlive, dChurn, tiers)
	if scored < 2000 {
		t.Fatalf("%d of %d customers have a churn probability", scored, n)
	}
	if !(dAlive > 0.01) {
		t.Fatalf("BG/NBD and Pareto/NBD P(alive) differ by only %.4f: the test would not catch the defect", dAlive)
	}
	if dChurn > 1e-12 || tiers != 0 || math.IsNaN(dChurn) {
		t.Errorf("churn_probability moves by %.4g and %d customers change tier when the clv model changes", dChurn, tiers)
	}
}
