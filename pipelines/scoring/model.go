package scoring

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"

	"gonum.org/v1/gonum/blas/blas64"

	"github.com/crmbatch/crmbatch/models/logit"
	"github.com/crmbatch/crmbatch/pipelines/batch"
	"github.com/crmbatch/crmbatch/pipelines/config"
)

// model is a fitted scoring model: the encoder and the logistic regression
// fitted on every labelled row, with what the reasons need.
type model struct {
	name    string
	enc     *logit.Encoder
	fit     *logit.Result
	numeric map[string]bool // raw numeric feature names
	// upFirst lists the contributions that raise the score before those
	// that lower it (churn: what drives the risk); otherwise reasons are
	// ordered by absolute size.
	upFirst bool
}

// train evaluates a model on a stratified holdout (and optionally k-fold
// cross-validation), then refits it on every labelled row. The metrics,
// calibration and coefficients go to mm. baseline, when not nil, is a
// naive score of every row (higher = more likely positive) whose holdout
// AUC is reported as baseline_auc. It returns a batch.Skip error when there
// are too few rows or one class only.
func train(name string, cols []logit.Column, y, baseline []float64, set config.Model, mm *metrics) (*model, error) {
	n := len(y)
	var pos int
	for _, v := range y {
		if v == 1 {
			pos++
		}
	}
	switch {
	case n < set.MinRows:
		return nil, batch.Skip(fmt.Sprintf("%s: %d labelled rows, fewer than min_rows %d", name, n, set.MinRows))
	case pos < set.MinClass || n-pos < set.MinClass:
		return nil, batch.Skip(fmt.Sprintf("%s: %d positive and %d negative labelled rows; each class needs at least min_class %d", name, pos, n-pos, set.MinClass))
	}
	enc := &logit.EncoderSettings{MinCount: set.MinCount, DropFirst: true, RawIndicators: true}
	fitSet := &logit.Settings{C: set.C}

	// Stratified holdout: deal the rows into k folds and hold out the first.
	k := max(2, int(math.Round(1/set.HoldoutShare)))
	test := logit.StratifiedKFold(y, k, rand.NewPCG(set.Seed, 1))[0]
	inTest := make([]bool, n)
	for _, i := range test {
		inTest[i] = true
	}
	var trainRows []int
	for i := range y {
		if !inTest[i] {
			trainRows = append(trainRows, i)
		}
	}
	sub := logit.Subset(cols, trainRows)
	e, err := logit.NewEncoder(sub, enc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	xtr, err := e.Transform(sub)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	hold, err := logit.Fit(logit.Problem{X: xtr, Y: logit.Pick(y, trainRows), Names: e.Names()}, &logit.Settings{C: set.C, NoStdErr: true})
	if err != nil {
		return nil, fmt.Errorf("%s: holdout fit: %w", name, err)
	}
	xte, err := e.Transform(logit.Subset(cols, test))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	yte := logit.Pick(y, test)
	p := hold.Predict(xte, nil)
	lift, capture := logit.Lift(yte, p, 0.1)
	mm.metric(name, "holdout_auc", logit.ROCAUC(yte, p), "ROC AUC on the stratified holdout")
	mm.metric(name, "holdout_pr_auc", logit.AveragePrecision(yte, p), "average precision on the holdout")
	mm.metric(name, "holdout_log_loss", logit.LogLoss(yte, p), "")
	mm.metric(name, "holdout_brier", logit.Brier(yte, p), "")
	mm.metric(name, "holdout_lift_top10", lift, "positive rate in the top decile / overall rate")
	mm.metric(name, "holdout_capture_top10", capture, "share of positives in the top decile")
	if baseline != nil {
		mm.metric(name, "baseline_auc", logit.ROCAUC(yte, logit.Pick(baseline, test)), "holdout AUC of the naive rule (days since the last purchase)")
	}
	mm.metric(name, "rows", float64(n), "labelled rows")
	mm.metric(name, "holdout_rows", float64(len(test)), "")
	mm.metric(name, "positive_rate", float64(pos)/float64(n), "share of positive labels")
	for b, bin := range logit.Calibration(yte, p, 10) {
		mm.add(row{model: name, kind: "calibration", name: fmt.Sprintf("decile_%02d", b+1), value: bin.Observed, se: math.NaN(),
			detail: fmt.Sprintf("mean_predicted=%.4f count=%d", bin.MeanPredicted, bin.Count)})
	}
	if set.CVFolds >= 2 {
		cv, err := logit.CrossValidate(cols, y, set.CVFolds, rand.NewPCG(set.Seed, 2), enc, &logit.Settings{C: set.C, NoStdErr: true})
		if err != nil {
			return nil, fmt.Errorf("%s: cross-validation: %w", name, err)
		}
		mm.metric(name, "cv_auc", cv.MeanAUC, fmt.Sprintf("%d-fold stratified cross-validated ROC AUC", set.CVFolds))
		mm.metric(name, "cv_auc_sd", cv.SDAUC, "")
	}

	// The published model: every labelled row.
	e, err = logit.NewEncoder(cols, enc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	x, err := e.Transform(cols)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	res, err := logit.Fit(logit.Problem{X: x, Y: y, Names: e.Names()}, fitSet)
	if err != nil {
		return nil, fmt.Errorf("%s: fit: %w", name, err)
	}
	if err := res.Err(); err != nil {
		mm.warn(name, "fit", err.Error())
	}
	m := &model{name: name, enc: e, fit: res, numeric: map[string]bool{}}
	for _, c := range cols {
		if c.Numeric != nil {
			m.numeric[c.Name] = true
		}
	}
	m.coefficients(cols, mm)
	for _, note := range append(e.Notes, res.Notes...) {
		mm.add(row{model: name, kind: "note", name: "encoder", value: math.NaN(), se: math.NaN(), detail: note})
	}
	return m, nil
}

// coefficients records the fitted coefficients with their standard errors
// (kind coefficient: per standard deviation for numeric features, per unit
// for 0/1 indicators) and on the features' own units (kind
// coefficient_per_unit; numeric coefficients and errors divided by the
// training standard deviation, the intercept moved to zero-valued features).
func (m *model) coefficients(cols []logit.Column, mm *metrics) {
	res := m.fit
	mm.add(row{model: m.name, kind: "coefficient", name: "(intercept)", value: res.Intercept, se: res.InterceptSE})
	mean, sd := map[string]float64{}, map[string]float64{}
	for _, c := range cols {
		if c.Numeric != nil {
			mean[c.Name], sd[c.Name] = imputedMeanSD(c.Numeric)
		}
	}
	intercept := res.Intercept
	for j, name := range res.Names {
		b, se := res.Coef[j], res.StdErr[j]
		mm.add(row{model: m.name, kind: "coefficient", name: name, value: b, se: se, detail: m.scaleOf(name)})
		if s, ok := sd[name]; ok && s > 0 {
			intercept -= b * mean[name] / s
			b, se = b/s, se/s
		}
		mm.add(row{model: m.name, kind: "coefficient_per_unit", name: name, value: b, se: se})
	}
	mm.add(row{model: m.name, kind: "coefficient_per_unit", name: "(intercept)", value: intercept, se: math.NaN()})
}

func (m *model) scaleOf(name string) string {
	if m.numeric[name] {
		return "per standard deviation"
	}
	return "indicator (0/1) against the reference level"
}

// imputedMeanSD returns the mean of the non-NaN values and the population
// standard deviation after NaNs are replaced by that mean, as the encoder
// does.
func imputedMeanSD(v []float64) (float64, float64) {
	var sum, cnt float64
	for _, x := range v {
		if !math.IsNaN(x) {
			sum += x
			cnt++
		}
	}
	if cnt == 0 {
		return 0, 0
	}
	mean := sum / cnt
	var ss float64
	for _, x := range v {
		if !math.IsNaN(x) {
			ss += (x - mean) * (x - mean)
		}
	}
	return mean, math.Sqrt(ss / float64(len(v)))
}

// score returns the probabilities of the rows of cols and the top three
// reasons of each row: the largest absolute contributions first, or with
// upFirst the largest positive ones, then the largest negative ones.
func (m *model) score(cols []logit.Column) ([]float64, [3][]string, error) {
	var reasons [3][]string
	x, err := m.enc.Transform(cols)
	if err != nil {
		return nil, reasons, fmt.Errorf("%s: scoring: %w", m.name, err)
	}
	p := m.fit.Predict(x, nil)
	n, _ := x.Dims()
	for k := range reasons {
		reasons[k] = make([]string, n)
	}
	raw := x.RawMatrix()
	for i := 0; i < n; i++ {
		for k, r := range m.reasons(raw, i) {
			reasons[k][i] = r
		}
	}
	return p, reasons, nil
}

func (m *model) reasons(raw blas64.General, i int) []string {
	p := len(m.fit.Coef)
	row := raw.Data[i*raw.Stride : i*raw.Stride+p]
	ex := m.fit.Explain(row, 3)
	all := append(append([]logit.Contribution{}, ex.Positive...), ex.Negative...)
	if !m.upFirst {
		sort.SliceStable(all, func(a, b int) bool { return math.Abs(all[a].Value) > math.Abs(all[b].Value) })
	}
	var out []string
	for _, c := range all {
		if len(out) == 3 {
			break
		}
		if math.Abs(c.Value) < 0.005 {
			continue // negligible: not a reason
		}
		j := indexOf(m.fit.Names, c.Name)
		out = append(out, m.reasonText(c, row[j]))
	}
	return out
}

// reasonText words one contribution in the words a person uses (see
// Words): "days since the last purchase is high (+0.84)", "last NPS is
// unknown (+0.20)", "source is referral (+0.70)", "free email address: yes
// (-0.50)".
func (m *model) reasonText(c logit.Contribution, x float64) string {
	v := fmt.Sprintf("(%+.2f)", c.Value)
	base, missing := strings.CutSuffix(c.Name, " (missing)")
	switch {
	case m.numeric[c.Name] && x < 0:
		return levelWords(c.Name, "low", v)
	case m.numeric[c.Name]:
		return levelWords(c.Name, "high", v)
	case missing && m.numeric[base]:
		return levelWords(base, "missing", v)
	}
	if f, level, ok := strings.Cut(c.Name, "="); ok {
		return categoryWords(f, level, v)
	}
	return Feature(c.Name) + " " + v
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}
