package portfolio_test

import (
	"fmt"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/models/cluster"
	"github.com/crmbatch/crmbatch/pipelines"
)

// On generated data (pipelines/gen) the clusters recover the planted
// behavioural groups, the whale curve has its defining shape, a second run
// on a later date reports lifecycle transitions that agree with the two
// published customer tables, and every output reads back with its
// documented types.
func TestGenerated(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIPPED under -short: generates and runs 20,000 customers twice")
	}
	end := time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)
	cfg, dir := generated(t, 20000, end)
	first := end.AddDate(0, 0, -91)
	second := end.AddDate(0, 0, -1)
	run(t, cfg, first)
	run(t, cfg, second)
	d1, d2 := first.Format(time.DateOnly), second.Format(time.DateOnly)

	t.Run("clusters recover planted groups", func(t *testing.T) {
		f := query(t, fmt.Sprintf(`SELECT c.cluster, t."group" AS grp FROM read_parquet(%s) c
			JOIN read_csv(%s) t USING (customer_id) WHERE c.cluster IS NOT NULL ORDER BY customer_id`,
			published(cfg, "customers", d2), engine.Quote(filepath.Join(dir, "truth_customers.csv"))))
		if f.Len() < 19000 {
			t.Fatalf("%d clustered customers, want about 20,000", f.Len())
		}
		a, b := make([]int, f.Len()), make([]int, f.Len())
		for i := range a {
			a[i], b[i] = int(f.Col("cluster").Ints[i]), int(f.Col("grp").Ints[i])
		}
		ari := cluster.AdjustedRand(a, b)
		prof := query(t, fmt.Sprintf("SELECT DISTINCT cluster, size, silhouette, distinguishing FROM read_parquet(%s) ORDER BY cluster", published(cfg, "cluster_profiles", d2)))
		for i := 0; i < prof.Len(); i++ {
			t.Logf("cluster %d: %d customers, %s", prof.Col("cluster").Ints[i], prof.Col("size").Ints[i], prof.Col("distinguishing").Strings[i])
		}
		t.Logf("k = %d, silhouette %.3f, adjusted Rand index against the planted groups %.3f", prof.Len(), prof.Col("silhouette").Floats[0], ari)
		if ari < 0.8 {
			t.Errorf("adjusted Rand index %.3f, want >= 0.8", ari)
		}
	})

	t.Run("whale curve", func(t *testing.T) {
		w := query(t, fmt.Sprintf("SELECT * FROM read_parquet(%s) ORDER BY point", published(cfg, "whale_curve", d2)))
		n := w.Len()
		if n != 201 {
			t.Errorf("%d points, want 201", n)
		}
		cs, ps := w.Col("customer_share").Floats, w.Col("profit_share").Floats
		if cs[0] != 0 || ps[0] != 0 || math.Abs(cs[n-1]-1) > 1e-12 || math.Abs(ps[n-1]-1) > 1e-9 {
			t.Errorf("curve runs from (%g, %g) to (%g, %g), want (0, 0) to (1, 1)", cs[0], ps[0], cs[n-1], ps[n-1])
		}
		peak := 0.0
		for i := 1; i < n; i++ {
			if cs[i] <= cs[i-1] {
				t.Fatalf("customer share not increasing at point %d", i)
			}
			// Customers are ranked by profit, so the slope never rises.
			if i > 1 {
				s0 := (ps[i-1] - ps[i-2]) / (cs[i-1] - cs[i-2])
				s1 := (ps[i] - ps[i-1]) / (cs[i] - cs[i-1])
				if s1 > s0+1e-9 {
					t.Fatalf("slope rises at point %d: %g after %g", i, s1, s0)
				}
			}
			peak = math.Max(peak, ps[i])
		}
		k := query(t, fmt.Sprintf("SELECT metric, value FROM read_parquet(%s) ORDER BY metric_order", published(cfg, "portfolio_kpis", d2)))
		kp := map[string]float64{}
		for i := 0; i < k.Len(); i++ {
			kp[k.Col("metric").Strings[i]] = k.Col("value").Floats[i]
		}
		t.Logf("whale peak %.3f at %.3f of customers; top 20%% earn %.3f of profit and %.3f of revenue",
			kp["whale_peak_profit_share"], kp["whale_peak_customer_share"], kp["top_profit_share"], kp["top_revenue_share"])
		if math.Abs(kp["whale_peak_profit_share"]-peak) > 0.01 || peak < 1 {
			t.Errorf("peak %g in the kpis, %g on the sampled curve; want equal and >= 1", kp["whale_peak_profit_share"], peak)
		}
	})

	t.Run("lifecycle transitions", func(t *testing.T) {
		got := query(t, fmt.Sprintf(`SELECT previous_as_of, from_stage, to_stage, customers FROM read_parquet(%s) ORDER BY ALL`, published(cfg, "lifecycle_transitions", d2)))
		want := query(t, fmt.Sprintf(`SELECT coalesce(p.lifecycle_stage, 'none') AS from_stage, coalesce(c.lifecycle_stage, 'none') AS to_stage, count(*) AS customers
			FROM read_parquet(%s) c FULL JOIN read_parquet(%s) p USING (customer_id) GROUP BY ALL ORDER BY ALL`,
			published(cfg, "customers", d2), published(cfg, "customers", d1)))
		if got.Len() != want.Len() {
			t.Fatalf("%d transitions, want %d", got.Len(), want.Len())
		}
		moved := int64(0)
		for i := 0; i < got.Len(); i++ {
			g := fmt.Sprint(got.Col("from_stage").Strings[i], "->", got.Col("to_stage").Strings[i], " ", got.Col("customers").Ints[i])
			w := fmt.Sprint(want.Col("from_stage").Strings[i], "->", want.Col("to_stage").Strings[i], " ", want.Col("customers").Ints[i])
			if g != w {
				t.Errorf("transition %s, want %s", g, w)
			}
			if got.Col("from_stage").Strings[i] != got.Col("to_stage").Strings[i] {
				moved += got.Col("customers").Ints[i]
			}
			if pd := got.Col("previous_as_of"); pd.IsNull(i) || pd.Ints[i] != first.Unix()/86400 {
				t.Errorf("previous_as_of is not %s", d1)
			}
		}
		t.Logf("%d transitions, %d customers changed stage between %s and %s", got.Len(), moved, d1, d2)
		if moved == 0 {
			t.Error("no customer changed stage in 90 days")
		}
	})

	t.Run("documented types", func(t *testing.T) {
		docs := map[string]map[string]string{}
		for _, td := range pipelines.Schema(cfg) {
			docs[td.Name] = map[string]string{}
			for _, c := range td.Columns {
				docs[td.Name][c.Name] = c.Type
			}
		}
		for _, table := range []string{"customers", "cluster_profiles", "lifecycle_stages", "lifecycle_transitions", "cohort_retention", "monthly_kpis", "segment_profitability", "whale_curve", "portfolio_kpis"} {
			f := query(t, fmt.Sprintf("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(%s, hive_partitioning = false))", published(cfg, table, d2)))
			for i := 0; i < f.Len(); i++ {
				name, typ := f.Col("column_name").Strings[i], f.Col("column_type").Strings[i]
				if want, ok := docs[table][name]; !ok {
					t.Errorf("%s.%s (%s) is not documented", table, name, typ)
				} else if want != typ {
					t.Errorf("%s.%s is %s, documented as %s", table, name, typ, want)
				}
			}
			// No NaN or infinity in any DOUBLE column.
			for i := 0; i < f.Len(); i++ {
				if f.Col("column_type").Strings[i] != "DOUBLE" {
					continue
				}
				c := engine.Ident(f.Col("column_name").Strings[i])
				bad := query(t, fmt.Sprintf("SELECT count(*) AS n FROM read_parquet(%s) WHERE isnan(%s) OR isinf(%s)", published(cfg, table, d2), c, c))
				if n := bad.Col("n").Ints[0]; n > 0 {
					t.Errorf("%s.%s has %d NaN or infinite values", table, f.Col("column_name").Strings[i], n)
				}
			}
		}
	})
}
