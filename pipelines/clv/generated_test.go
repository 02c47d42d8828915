package clv_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/engine/frame"
	"github.com/crmbatch/crmbatch/models/btyd"
	"github.com/crmbatch/crmbatch/pipelines"
	"github.com/crmbatch/crmbatch/pipelines/batch"
	"github.com/crmbatch/crmbatch/pipelines/clv"
	"github.com/crmbatch/crmbatch/pipelines/config"
	"github.com/crmbatch/crmbatch/pipelines/gen"
)

// genAsOf is the generator's as-of date; runs are as of the day before.
var genAsOf = time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)

// runGenerated writes o to a temp folder, runs the clv stage alone on it
// with edit applied to the generated configuration, and returns the
// config, the data folder and the truth.
func runGenerated(t *testing.T, o gen.Options, edit func(*config.Config)) (*config.Config, string, *gen.Truth) {
	t.Helper()
	saved := pipelines.ModelStages
	pipelines.ModelStages = []batch.Stage{clv.Stage}
	defer func() { pipelines.ModelStages = saved }()
	return runGeneratedStages(t, o, edit)
}

// runGeneratedStages is runGenerated with the stages of
// pipelines.ModelStages.
func runGeneratedStages(t *testing.T, o gen.Options, edit func(*config.Config)) (*config.Config, string, *gen.Truth) {
	t.Helper()
	dir := t.TempDir()
	o.AsOf = genAsOf
	truth, err := gen.Write(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "crmbatch.yaml")
	if err := os.WriteFile(p, config.GeneratedYAML(genAsOf.AddDate(0, 0, -1), "out"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(cfg)
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
	}
	m, err := pipelines.Run(context.Background(), pipelines.Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range m.Stages {
		if s.Name == "clv" && s.Status != "ok" {
			t.Fatalf("clv stage %s: %s", s.Status, s.Note)
		}
	}
	return cfg, dir, truth
}

func query(t *testing.T, q string) *frame.Frame {
	t.Helper()
	db, err := engine.Open(context.Background(), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	f, err := db.QueryFrame(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func publishedFile(cfg *config.Config, table string) string {
	return engine.Quote(filepath.Join(pipelines.PartitionDir(cfg.OutputRoot(), table, genAsOf.AddDate(0, 0, -1).Format(time.DateOnly)), "part-0.parquet"))
}

// On generated data (20,000 customers in four groups, each with its own
// Gamma-Gamma p, q, gamma; 4% of repeat orders carry a return line of the
// previous order), Gamma-Gamma fitted per group on the customer table's
// gross repeat values recovers the planted parameters within 2 standard
// errors. Fitted on the net values (returns folded in, the old
// monetary_value), p comes out biased low.
func TestGammaGammaRecoversGroupsOnGrossValues(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and runs 20,000 customers")
	}
	cfg, dir, truth := runGenerated(t, gen.Options{Customers: 20000, Seed: 31}, nil)
	f := query(t, fmt.Sprintf(`SELECT t."group" AS g, CAST(c.frequency AS DOUBLE) AS x, c.gross_monetary_value AS gross, c.monetary_value AS net
		FROM read_parquet(%s) c JOIN read_csv(%s) t USING (customer_id) WHERE c.frequency > 0 ORDER BY customer_id`,
		publishedFile(cfg, "customers"), engine.Quote(filepath.Join(dir, "truth_customers.csv"))))
	g := f.Col("g").Ints
	x, _ := f.Floats("x")
	gross, _ := f.Floats("gross")
	net, _ := f.Floats("net")
	for gi, gr := range truth.Groups {
		var gx, gz, nz []float64
		for i := range g {
			if int(g[i]) == gi {
				gx, gz, nz = append(gx, x[i]), append(gz, gross[i]), append(nz, net[i])
			}
		}
		m, fit, err := btyd.FitGammaGamma(gx, gz, nil)
		if err != nil {
			t.Fatalf("%s: %v", gr.Name, err)
		}
		mn, fitNet, err := btyd.FitGammaGamma(gx, nz, nil)
		if err != nil {
			t.Fatalf("%s net: %v", gr.Name, err)
		}
		want := []float64{gr.GammaGamma.P, gr.GammaGamma.Q, gr.GammaGamma.Gamma}
		got := []float64{m.P, m.Q, m.Gamma}
		var z, zNet []string
		for k, name := range []string{"p", "q", "gamma"} {
			zk := (got[k] - want[k]) / fit.StdErrors[k]
			z = append(z, fmt.Sprintf("%s %.3f (truth %g, z %+.2f)", name, got[k], want[k], zk))
			zNet = append(zNet, fmt.Sprintf("%s %+.2f", name, ([]float64{mn.P, mn.Q, mn.Gamma}[k]-want[k])/fitNet.StdErrors[k]))
			if math.Abs(zk) > 2 {
				t.Errorf("%s: Gamma-Gamma %s = %.4f, truth %g, %.2f standard errors away", gr.Name, name, got[k], want[k], zk)
			}
		}
		t.Logf("%s, %d repeat buyers: gross %s; net values z %s", gr.Name, len(gx), strings.Join(z, ", "), strings.Join(zNet, ", "))
	}
}

// On generated data from one group whose purchase rate depends on the
// acquisition channel (gen's planted ChannelEffects), BG/NBD with the
// channel as a purchase covariate (clv.covariates.purchase) recovers every
// planted contrast against the reference channel within 2 standard errors,
// and r, alpha, a, b of the reference channel.
func TestCovariatesRecoverChannelEffects(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and runs 20,000 customers")
	}
	group := gen.DefaultGroups()[1] // occasional: few same-day orders to merge
	group.Acquisition = [6]float64{1, 1, 1, 1, 1, 1}
	cfg, _, truth := runGenerated(t, gen.Options{Customers: 20000, Seed: 41, Groups: []gen.Group{group}, DirtyShare: -1, LeadsPerCustomer: -1},
		func(c *config.Config) {
			c.CLV.Models = []string{"bgnbd"}
			c.CLV.Covariates.Purchase = []string{"acquisition_channel"}
			zero := 0
			c.CLV.HoldoutDays = &zero
		})
	f := query(t, fmt.Sprintf(`SELECT parameter, estimate, std_error, log_likelihood FROM read_parquet(%s)
		WHERE model = 'bgnbd_cov' AND fitted_on = 'full' ORDER BY parameter`, publishedFile(cfg, "model_params")))
	est := map[string][2]float64{}
	for i := 0; i < f.Len(); i++ {
		est[f.Col("parameter").Strings[i]] = [2]float64{f.Col("estimate").Floats[i], f.Col("std_error").Floats[i]}
	}
	effects := truth.Covariates.PurchaseRate
	levels := make([]string, 0, len(effects))
	for l := range effects {
		levels = append(levels, l)
	}
	sort.Strings(levels)
	ref := levels[0] // the encoder's reference: the first level in sorted order
	check := func(name string, want float64) {
		e, ok := est[name]
		if !ok {
			t.Errorf("model_params has no %s; it has %v", name, est)
			return
		}
		got, se := e[0], e[1]
		z := (got - want) / se
		t.Logf("%-40s %9.4f  se %.4f  truth %9.4f  z %+.2f", name, got, se, want, z)
		if math.Abs(z) > 2 || math.IsNaN(z) {
			t.Errorf("%s = %.4f (se %.4f), truth %.4f: %.2f standard errors away", name, got, se, want, z)
		}
	}
	for _, l := range levels[1:] {
		check("purchase:acquisition_channel="+l, effects[l]-effects[ref])
	}
	// The baseline is a customer of the reference channel: alpha / exp(effect).
	check("r", group.BGNBD.R)
	check("alpha", group.BGNBD.Alpha*math.Exp(-effects[ref]))
	check("a", group.BGNBD.A)
	check("b", group.BGNBD.B)
	plain := query(t, fmt.Sprintf(`SELECT any_value(log_likelihood) FILTER (WHERE model = 'bgnbd') AS plain,
		any_value(log_likelihood) FILTER (WHERE model = 'bgnbd_cov') AS cov FROM read_parquet(%s) WHERE fitted_on = 'full'`, publishedFile(cfg, "model_params")))
	lr := 2 * (plain.Col("cov").Floats[0] - plain.Col("plain").Floats[0])
	t.Logf("likelihood ratio of the channel covariate: %.1f on %d degrees of freedom", lr, len(levels)-1)
	c := query(t, fmt.Sprintf("SELECT count(*) FILTER (WHERE clv_model = 'BG/NBD with covariates') AS n, count(*) AS all FROM read_parquet(%s)", publishedFile(cfg, "customers")))
	if c.Col("n").Ints[0] != c.Col("all").Ints[0] {
		t.Errorf("%d of %d customers scored by BG/NBD with covariates; without a holdout the lower AIC (LR %.1f) should choose it", c.Col("n").Ints[0], c.Col("all").Ints[0], lr)
	}
}

// The Klaviyo-style customer fields on generated data (3,000 customers)
// hold their definitions: historic_clv is net revenue to date,
// average_order_value net revenue per purchase day, predicted_number_of_orders
// the expected purchases over the horizon, predicted_clv those times
// expected_average_spend, total_clv the sum of historic and predicted,
// mean_days_between_orders (Klaviyo's average_days_between_orders) the
// span of purchase days over the repeat purchases, and
// ranked_channel_affinity the channels of the last 365 days' interactions,
// most used first, as counted here from interactions.csv.
func TestKlaviyoFields(t *testing.T) {
	cfg, dir, _ := runGenerated(t, gen.Options{Customers: 3000, Seed: 61}, nil)
	customers := publishedFile(cfg, "customers")
	f := query(t, fmt.Sprintf(`SELECT count(*) AS n,
		count(*) FILTER (WHERE abs(historic_clv - coalesce(revenue, 0)) > 1e-6) AS bad_historic,
		count(*) FILTER (WHERE frequency IS NOT NULL AND abs(average_order_value - revenue / (frequency + 1)) > 1e-6) AS bad_aov,
		count(*) FILTER (WHERE predicted_number_of_orders IS DISTINCT FROM expected_purchases_12m) AS bad_orders,
		count(*) FILTER (WHERE frequency IS NOT NULL AND abs(predicted_clv - expected_purchases_12m * expected_average_spend) > 1e-6) AS bad_predicted,
		count(*) FILTER (WHERE frequency IS NOT NULL AND abs(total_clv - historic_clv - predicted_clv) > 1e-6) AS bad_total,
		count(*) FILTER (WHERE frequency > 0 AND abs(mean_days_between_orders - recency / frequency) > 1e-9) AS bad_days,
		count(predicted_clv) AS predicted, count(expected_next_purchase_date) AS next_dates,
		avg(predicted_clv / nullif(customer_lifetime_value, 0)) AS revenue_per_value
		FROM read_parquet(%s)`, customers))
	for _, c := range []string{"bad_historic", "bad_aov", "bad_orders", "bad_predicted", "bad_total", "bad_days"} {
		if v := f.Col(c).Ints[0]; v != 0 {
			t.Errorf("%s: %d customers", c, v)
		}
	}
	n := f.Col("n").Ints[0]
	t.Logf("%d customers, %d with predicted_clv, %d with an expected next purchase date; predicted_clv / CLV = %.2f on average (margin and discounting)",
		n, f.Col("predicted").Ints[0], f.Col("next_dates").Ints[0], f.Col("revenue_per_value").Floats[0])
	if f.Col("predicted").Ints[0] < n*9/10 || f.Col("next_dates").Ints[0] < n/2 {
		t.Errorf("%d of %d customers with predicted_clv, %d with a next purchase date", f.Col("predicted").Ints[0], n, f.Col("next_dates").Ints[0])
	}
	a := query(t, fmt.Sprintf(`WITH i AS (
		SELECT customer_id, channel, count(*) AS k FROM read_csv(%s, all_varchar = true)
		WHERE TRY_CAST(ts AS TIMESTAMP) >= TIMESTAMP '2024-12-31' AND TRY_CAST(ts AS TIMESTAMP) < TIMESTAMP '2025-12-31'
			AND channel <> '' GROUP BY ALL
	), want AS (
		SELECT customer_id, list(channel ORDER BY k DESC, channel) AS channels FROM i GROUP BY 1
	)
	SELECT count(*) AS n, count(*) FILTER (WHERE string_split(c.ranked_channel_affinity, ',') = w.channels) AS same,
		count(*) FILTER (WHERE c.ranked_channel_affinity IS NOT NULL AND w.customer_id IS NULL) AS extra,
		any_value(c.ranked_channel_affinity) FILTER (WHERE length(c.ranked_channel_affinity) > 20) AS example
	FROM read_parquet(%s) c LEFT JOIN want w USING (customer_id) WHERE w.customer_id IS NOT NULL OR c.ranked_channel_affinity IS NOT NULL`,
		engine.Quote(filepath.Join(dir, "interactions.csv")), customers))
	t.Logf("ranked_channel_affinity: %d of %d customers as counted from interactions.csv, e.g. %q", a.Col("same").Ints[0], a.Col("n").Ints[0], a.Col("example").Strings[0])
	if a.Col("same").Ints[0] != a.Col("n").Ints[0] || a.Col("n").Ints[0] < int64(n)/2 {
		t.Errorf("ranked_channel_affinity agrees for %d of %d customers (%d listed without interactions)", a.Col("same").Ints[0], a.Col("n").Ints[0], a.Col("extra").Ints[0])
	}
}
