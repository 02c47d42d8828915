package portfolio

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/engine/frame"
	"github.com/crmbatch/crmbatch/models/cluster"
	"github.com/crmbatch/crmbatch/pipelines/batch"
)

// Clusters adds the column cluster (1..k, largest first; null for
// customers without orders) to the customer table and publishes
// cluster_profiles. Features are read from SQL (see features.go), log-
// transformed when portfolio.clusters.log is true, missing values imputed
// with the feature's mean, standardised, and clustered by k-means with k
// chosen by the mean silhouette (models/cluster.ChooseK).
func Clusters(ctx context.Context, b *batch.Batch) error {
	cfg := b.Cfg.Portfolio.Clusters
	if cfg.Disabled {
		return batch.Skip("portfolio.clusters.disabled is set")
	}
	if err := syncCustomers(ctx, b); err != nil {
		return err
	}
	available, err := buildFeatures(ctx, b)
	if err != nil {
		return err
	}
	names, err := selectFeatures(cfg, available)
	if err != nil {
		return err
	}
	sel := make([]string, len(names))
	for j, n := range names {
		sel[j] = fmt.Sprintf("CAST(%s AS DOUBLE) AS %s", engine.Ident(n), engine.Ident(n))
	}
	// Customers come as their row in the customer table, not as strings,
	// in customer_id order (k-means' restarts and samples depend on it).
	f, err := b.DB.QueryFrame(ctx, fmt.Sprintf(`SELECT r.rowid AS customer_row, f.* EXCLUDE (customer_id)
FROM (SELECT customer_id, %s FROM portfolio_features JOIN portfolio_customers USING (customer_id)) f
JOIN %s r USING (customer_id) ORDER BY f.customer_id`, strings.Join(sel, ", "), batch.CustomerRows))
	if err != nil {
		return fmt.Errorf("clusters: reading features: %w", err)
	}
	n, d := f.Len(), len(names)
	if n < 2*cfg.KMin {
		return batch.Skip(fmt.Sprintf("%d customers with orders are too few for %d clusters", n, cfg.KMin))
	}
	raw, trans := matrix(f, names, *cfg.Log)
	rows := f.Col("customer_row").Ints
	f = nil
	z, _ := cluster.Standardize(trans, d)
	kmax := min(cfg.KMax, n/2)
	set := &cluster.Settings{Src: rand.NewPCG(cfg.Seed, 0x636c7573), Restarts: cfg.Restarts, SampleSize: cfg.SampleSize}
	start := time.Now()
	choice, err := cluster.ChooseK(z, d, cfg.KMin, max(kmax, cfg.KMin), set)
	if err != nil {
		return fmt.Errorf("clusters: %w", err)
	}
	res := choice.Result
	labels := bySize(res.Labels, res.K)
	sil := math.NaN()
	for i, k := range choice.Ks {
		if k == choice.K {
			sil = choice.Silhouettes[i]
		}
	}
	b.Log.Info("clusters", "k", choice.K, "silhouette", sil, "features", len(names), "customers", n, "kmeans_seconds", time.Since(start).Seconds())

	col, valid := make([]int64, b.Customers.Len()), make([]bool, b.Customers.Len())
	for j, r := range rows {
		col[r], valid[r] = int64(labels[j]+1), true
	}
	b.Customers.Add(frame.NewInt("cluster", col, valid))
	prof := profileFrame(raw, trans, d, labels, res.K, names, cfg.Top, sil)
	return b.Out.WriteFrame("cluster_profiles", prof)
}

// matrix returns the n x d row-major feature matrix in original units and
// transformed (sign(x)·log(1+|x|) when logged), both with missing values
// replaced by the column mean of the present values (0 if none).
func matrix(f *frame.Frame, names []string, logged bool) (raw, trans []float64) {
	n, d := f.Len(), len(names)
	raw, trans = make([]float64, n*d), make([]float64, n*d)
	for j, name := range names {
		v, _ := f.Floats(name)
		var sumR, sumT float64
		var cnt int
		for _, x := range v {
			if !math.IsNaN(x) && !math.IsInf(x, 0) {
				sumR += x
				sumT += tr(x, logged)
				cnt++
			}
		}
		meanR, meanT := 0.0, 0.0
		if cnt > 0 {
			meanR, meanT = sumR/float64(cnt), sumT/float64(cnt)
		}
		for i, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				raw[i*d+j], trans[i*d+j] = meanR, meanT
				continue
			}
			raw[i*d+j], trans[i*d+j] = x, tr(x, logged)
		}
	}
	return raw, trans
}

func tr(x float64, logged bool) float64 {
	if !logged {
		return x
	}
	if x < 0 {
		return -math.Log1p(-x)
	}
	return math.Log1p(x)
}

// bySize renumbers labels 0..k-1 so that 0 is the largest cluster; ties keep
// the lower original label first.
func bySize(labels []int, k int) []int {
	size := make([]int, k)
	for _, l := range labels {
		size[l]++
	}
	order := make([]int, k)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return size[order[a]] > size[order[b]] })
	to := make([]int, k)
	for newL, old := range order {
		to[old] = newL
	}
	out := make([]int, len(labels))
	for i, l := range labels {
		out[i] = to[l]
	}
	return out
}

// profileFrame builds cluster_profiles: one row per cluster and feature with
// the cluster's mean in original units, the overall mean, and the
// standardised difference on the clustering scale; distinguishing names the
// top features by |z| in words.
func profileFrame(raw, trans []float64, d int, labels []int, k int, names []string, top int, sil float64) *frame.Frame {
	pr := cluster.Profile(raw, d, labels, k, names, 0)
	pt := cluster.Profile(trans, d, labels, k, names, top)
	overall := cluster.NewScaler(raw, d)
	var cl, size, feat []int64
	var share, mean, om, zs, sils []float64
	var fname, dist []string
	for c := 0; c < k; c++ {
		var words []string
		for _, ft := range pt[c].Distinguishing {
			dir := "high"
			if ft.Z < 0 {
				dir = "low"
			}
			words = append(words, fmt.Sprintf("%s %s (%+.1f sd)", dir, ft.Name, ft.Z))
		}
		text := strings.Join(words, ", ")
		for j := 0; j < d; j++ {
			cl = append(cl, int64(c+1))
			size = append(size, int64(pr[c].Size))
			share = append(share, pr[c].Share)
			feat = append(feat, int64(j+1))
			fname = append(fname, names[j])
			mean = append(mean, pr[c].Mean[j])
			om = append(om, overall.Mean[j])
			zs = append(zs, pt[c].Z[j])
			dist = append(dist, text)
			sils = append(sils, sil)
		}
	}
	return &frame.Frame{Cols: []*frame.Column{
		frame.NewInt("cluster", cl, nil),
		frame.NewInt("size", size, nil),
		frame.NewFloat("share", share),
		frame.NewInt("feature_order", feat, nil),
		frame.NewString("feature", fname, nil),
		frame.NewFloat("mean", mean),
		frame.NewFloat("overall_mean", om),
		frame.NewFloat("z", zs),
		frame.NewString("distinguishing", dist, nil),
		frame.NewFloat("silhouette", sils),
	}}
}
