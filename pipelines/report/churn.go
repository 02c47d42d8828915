package report

import (
	"context"
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg/draw"
)

// decile is one calibration bin of the churn model on its holdout.
type decile struct {
	predicted, observed float64
	count               int64
}

// churnSection draws the churn model's calibration (observed churn rate
// against the mean predicted probability, per holdout decile) and its lift
// (each decile's churn rate over the overall rate, highest scores first),
// with the holdout metrics and the churn tiers.
func churnSection(ctx context.Context, s *source) (*Section, error) {
	sec := &Section{ID: "churn", Title: "Churn model",
		Intro: "Calibration and lift of the churn model on its stratified holdout: a calibrated model lies on the diagonal; a useful one has a top-decile lift well above 1."}
	f, why, err := s.table(ctx, "model_metrics", `SELECT kind, name, value, detail FROM {t}
		WHERE model = 'churn' AND kind IN ('calibration', 'metric') ORDER BY kind, name`)
	if err != nil || f == nil {
		sec.Missing = why
		return sec, err
	}
	val, _ := f.Floats("value")
	var bins []decile
	metrics := &Table{Caption: "Holdout metrics", Head: []string{"metric", "value"}, Num: []bool{false, true}}
	for i := 0; i < f.Len(); i++ {
		switch f.Col("kind").Strings[i] {
		case "calibration":
			var d decile
			if _, err := fmt.Sscanf(f.Col("detail").Strings[i], "mean_predicted=%g count=%d", &d.predicted, &d.count); err != nil {
				return nil, fmt.Errorf("report: model_metrics churn %s: detail %q: %w", f.Col("name").Strings[i], f.Col("detail").Strings[i], err)
			}
			d.observed = val[i]
			bins = append(bins, d)
		case "metric":
			switch n := f.Col("name").Strings[i]; n {
			case "holdout_auc", "baseline_auc", "cv_auc", "holdout_lift_top10", "holdout_capture_top10", "holdout_brier", "positive_rate":
				metrics.Rows = append(metrics.Rows, []string{n, num(val[i], 3)})
			}
		}
	}
	if len(bins) == 0 {
		sec.Missing = "model_metrics has no churn calibration in this run: " + s.why("churn")
		return sec, nil
	}
	cal, err := calibrationChart(bins)
	if err != nil {
		return nil, err
	}
	lift, err := liftChart(bins)
	if err != nil {
		return nil, err
	}
	sec.Charts = append(sec.Charts, cal, lift)
	sec.Tables = append(sec.Tables, metrics, churnTiers(s))
	if t := atRisk(s); t != nil {
		sec.Tables = append(sec.Tables, t)
	}
	sec.Notes = append(sec.Notes, fmt.Sprintf("Churn here is the model's: no purchase (for subscribers, a cancellation) in the %d days after the as-of date (churn.window_days). The tiers band churn_probability.", s.b.Cfg.Churn.WindowDays))
	return sec, nil
}

func calibrationChart(bins []decile) (Chart, error) {
	pl := newPlot("mean predicted churn probability", "observed churn rate")
	pts := make(plotter.XYs, len(bins))
	for i, b := range bins {
		pts[i].X, pts[i].Y = b.predicted, b.observed
	}
	sort.Slice(pts, func(a, b int) bool { return pts[a].X < pts[b].X })
	l, sc, err := plotter.NewLinePoints(pts)
	if err != nil {
		return Chart{}, err
	}
	l.Color, sc.Color = blue, blue
	sc.Shape = draw.CircleGlyph{}
	diag, err := line([]float64{0, 1}, []float64{0, 1}, grey, true)
	if err != nil {
		return Chart{}, err
	}
	pl.Add(diag, l, sc)
	pl.X.Min, pl.X.Max, pl.Y.Min, pl.Y.Max = 0, 1, 0, 1
	pl.X.Tick.Marker, pl.Y.Tick.Marker = percentTicks{}, percentTicks{}
	c, err := render("chart-calibration", "Churn calibration", pl, chartH+60, chartH)
	c.Legend = []Key{key("holdout deciles", blue, false), key("perfect calibration", grey, true)}
	return c, err
}

// liftChart shows each decile's churn rate over the holdout's, the decile
// with the highest predictions first.
func liftChart(bins []decile) (Chart, error) {
	bs := append([]decile(nil), bins...)
	sort.Slice(bs, func(a, b int) bool { return bs[a].predicted > bs[b].predicted })
	var pos, n float64
	for _, b := range bs {
		pos += b.observed * float64(b.count)
		n += float64(b.count)
	}
	overall := ratio(pos, n)
	names := make([]string, len(bs))
	lifts := make([]float64, len(bs))
	for i, b := range bs {
		names[i] = fmt.Sprint(i + 1)
		lifts[i] = ratio(b.observed, overall)
		if math.IsNaN(lifts[i]) {
			lifts[i] = 0
		}
	}
	pl, err := bars("decile (1 = highest predicted churn)", "lift", names, lifts, orange, false)
	if err != nil {
		return Chart{}, err
	}
	pl.X.Tick.Label.Rotation = 0
	pl.X.Tick.Label.XAlign = draw.XCenter
	pl.X.Tick.Label.YAlign = draw.YTop
	one, err := line([]float64{-0.5, float64(len(bs)) - 0.5}, []float64{1, 1}, grey, true)
	if err != nil {
		return Chart{}, err
	}
	pl.Add(one)
	c, err := render("chart-lift", "Churn lift by decile", pl, chartW, chartH)
	c.Legend = []Key{key("churn rate of the decile / overall churn rate", orange, false), key("no lift (1)", grey, true)}
	return c, err
}

// churnTiers counts the customers per churn_risk_tier, in the order of
// churn.tiers (low, medium, high), with each tier's band.
func churnTiers(s *source) *Table {
	t := &Table{Caption: "Customers by churn risk tier", Head: []string{"tier", "churn probability", "customers"}, Num: []bool{false, false, true}}
	tiers := tierCounts(s.b.Customers)
	lo := 0.0
	for i, tier := range s.b.Cfg.Churn.Tiers {
		band := fmt.Sprintf("%s to %s", pct(lo), pct(tier.Below))
		if i == len(s.b.Cfg.Churn.Tiers)-1 {
			band = "from " + pct(lo)
		}
		t.Rows = append(t.Rows, []string{tier.Name, band, count(tiers[tier.Name])})
		delete(tiers, tier.Name)
		lo = tier.Below
	}
	for _, k := range sortedKeys(tiers) { // tiers of an earlier configuration
		t.Rows = append(t.Rows, []string{k, "", count(tiers[k])})
	}
	return t
}
