package clv_test

import (
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"testing"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/pipelines"
	"github.com/crmbatch/crmbatch/pipelines/batch"
	"github.com/crmbatch/crmbatch/pipelines/clv"
	"github.com/crmbatch/crmbatch/pipelines/config"
	"github.com/crmbatch/crmbatch/pipelines/gen"
	"github.com/crmbatch/crmbatch/pipelines/scoring"
)

// On generated data the acquisition channels are planted to bring
// customers of different value: each group has its own channel mix (the
// partner channel brings big spenders) and the channel multiplies the
// purchase rate (gen.DefaultChannelEffects). acquisition_value ranks the
// channels by the mean predicted CLV of their new customers; the truth is
// the mean expected revenue of the next 12 months of the same customers
// given their latent rate, dropout probability, spend and whether they are
// alive (truth_customers.csv): (1 - exp(-lambda p t)) / p x E[order value]
// for the alive, 0 for the others. lead_scores' expected_value is the
// conversion probability times the expected CLV of the lead's source.
func TestAcquisitionValueRanksPlantedChannels(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and runs 20,000 customers")
	}
	saved := pipelines.ModelStages
	pipelines.ModelStages = []batch.Stage{clv.Stage, scoring.LeadsStage}
	defer func() { pipelines.ModelStages = saved }()
	cfg, dir, _ := runGeneratedStages(t, gen.Options{Customers: 20000, Seed: 51}, func(c *config.Config) {
		c.CLV.Covariates.Purchase = []string{"acquisition_channel"}
	})
	f := query(t, fmt.Sprintf(`WITH tc AS (
		SELECT customer_id, alive, "lambda" AS lam, p, expected_order_value AS eov, signup_ts FROM read_csv(%[1]s)
	), ch AS (
		SELECT customer_id, any_value(acquisition_channel) AS channel FROM read_csv(%[2]s, all_varchar = true) GROUP BY 1
	), truth AS (
		SELECT channel, avg(CASE WHEN alive THEN (1 - exp(-lam * p * 365.25)) / p * eov ELSE 0 END) AS true_value, count(*) AS n
		FROM tc JOIN ch USING (customer_id) WHERE signup_ts >= TIMESTAMP '2025-12-31' - INTERVAL 365 DAY GROUP BY 1
	)
	SELECT a.level AS channel, a.new_customers, a.mean_clv, a.clv_low, a.clv_high, a.mean_acquisition_cost, a.value_per_cost, a.rank,
		t.true_value, t.n
	FROM read_parquet(%[3]s) a JOIN truth t ON t.channel = a.level
	WHERE a.dimension = 'acquisition_channel' ORDER BY a.rank`,
		engine.Quote(filepath.Join(dir, "truth_customers.csv")), engine.Quote(filepath.Join(dir, "customers.csv")), publishedFile(cfg, "acquisition_value")))
	if f.Len() != 6 {
		t.Fatalf("%d acquisition channels, want 6", f.Len())
	}
	est, truth := make([]float64, 6), make([]float64, 6)
	for i := range est {
		est[i], truth[i] = f.Col("mean_clv").Floats[i], f.Col("true_value").Floats[i]
		t.Logf("%-12s %5d new customers: mean CLV %7.2f [%7.2f, %7.2f], cost %6.2f, value/cost %6.2f; true 12-month revenue %7.2f",
			f.Col("channel").Strings[i], f.Col("new_customers").Ints[i], est[i], f.Col("clv_low").Floats[i], f.Col("clv_high").Floats[i],
			f.Col("mean_acquisition_cost").Floats[i], f.Col("value_per_cost").Floats[i], truth[i])
	}
	rho := spearman(est, truth)
	t.Logf("Spearman rank correlation of the channels' mean CLV with their true value: %.3f", rho)
	if rho < 0.9 {
		t.Errorf("rank correlation %.3f with the planted channel values, want >= 0.9", rho)
	}
	if top := argmax(truth); top != 0 {
		t.Errorf("the most valuable channel is %s (true %.2f), acquisition_value ranks %s first", f.Col("channel").Strings[top], truth[top], f.Col("channel").Strings[0])
	}

	// With covariates configured the holdout compares the plain models,
	// then the winner with and without them, and the chosen one scores.
	h := query(t, fmt.Sprintf(`SELECT model, rmse, chosen FROM read_parquet(%s) WHERE calibration_frequency = 'all' ORDER BY model`, publishedFile(cfg, "clv_holdout")))
	var models []string
	chosen := ""
	for i := 0; i < h.Len(); i++ {
		models = append(models, fmt.Sprintf("%s %.5f", h.Col("model").Strings[i], h.Col("rmse").Floats[i]))
		if h.Col("chosen").Bools[i] {
			chosen = h.Col("model").Strings[i]
		}
	}
	used := query(t, fmt.Sprintf("SELECT any_value(clv_model) AS m, count(DISTINCT clv_model) AS k FROM read_parquet(%s)", publishedFile(cfg, "customers")))
	t.Logf("holdout RMSE: %v; chosen %s; customers scored by %s", models, chosen, used.Col("m").Strings[0])
	want := map[string]string{"bgnbd": "BG/NBD", "paretonbd": "Pareto/NBD", "bgnbd_cov": "BG/NBD with covariates", "paretonbd_cov": "Pareto/NBD with covariates"}[chosen]
	if h.Len() != 3 || used.Col("k").Ints[0] != 1 || used.Col("m").Strings[0] != want {
		t.Errorf("holdout over %v chose %q; customers scored by %q", models, chosen, used.Col("m").Strings[0])
	}

	l := query(t, fmt.Sprintf(`SELECT count(*) AS n, count(expected_value) AS valued,
		max(abs(expected_value - conversion_probability * expected_clv)) AS err,
		count(DISTINCT expected_clv) AS levels FROM read_parquet(%s)`, publishedFile(cfg, "lead_scores")))
	t.Logf("lead_scores: %d leads, %d with expected_value over %d source values", l.Col("n").Ints[0], l.Col("valued").Ints[0], l.Col("levels").Ints[0])
	if l.Col("valued").Ints[0] != l.Col("n").Ints[0] || l.Col("err").Floats[0] > 1e-9 || l.Col("levels").Ints[0] < 2 {
		t.Errorf("lead_scores: %d of %d leads valued, |expected_value - p x expected_clv| up to %g, %d distinct expected_clv",
			l.Col("valued").Ints[0], l.Col("n").Ints[0], l.Col("err").Floats[0], l.Col("levels").Ints[0])
	}
}

// spearman is the rank correlation of a and b (no ties).
func spearman(a, b []float64) float64 {
	ra, rb := ranks(a), ranks(b)
	n := float64(len(a))
	var d2 float64
	for i := range ra {
		d2 += (ra[i] - rb[i]) * (ra[i] - rb[i])
	}
	return 1 - 6*d2/(n*(n*n-1))
}

func ranks(v []float64) []float64 {
	idx := make([]int, len(v))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(i, j int) bool { return v[idx[i]] < v[idx[j]] })
	r := make([]float64, len(v))
	for k, i := range idx {
		r[i] = float64(k)
	}
	return r
}

func argmax(v []float64) int {
	best := 0
	for i, x := range v {
		if x > v[best] || math.IsNaN(v[best]) {
			best = i
		}
	}
	return best
}
