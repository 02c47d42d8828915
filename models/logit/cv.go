package logit

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/stat"
)

// StratifiedKFold assigns the rows to k folds so that each fold has nearly
// the same share of positives: each class is shuffled with src and dealt
// round-robin. It returns the test-row indices of each fold. k must be at
// least 2 and src must not be nil.
func StratifiedKFold(y []float64, k int, src rand.Source) [][]int {
	if k < 2 {
		panic("logit: StratifiedKFold needs k >= 2")
	}
	rng := rand.New(src)
	var cls [2][]int
	for i, v := range y {
		c := 0
		if v == 1 {
			c = 1
		}
		cls[c] = append(cls[c], i)
	}
	folds := make([][]int, k)
	next := 0
	for _, rows := range cls {
		rng.Shuffle(len(rows), func(a, b int) { rows[a], rows[b] = rows[b], rows[a] })
		for _, i := range rows {
			folds[next%k] = append(folds[next%k], i)
			next++
		}
	}
	return folds
}

// CVResult is the outcome of CrossValidate.
type CVResult struct {
	// FoldAUC holds the test ROC AUC of each fold.
	FoldAUC []float64
	// MeanAUC and SDAUC are the mean and sample standard deviation of FoldAUC.
	MeanAUC, SDAUC float64
}

// CrossValidate runs k-fold stratified cross-validation: for each fold it
// fits an Encoder (enc) and a model (fit) on the other folds and computes
// the ROC AUC on the fold. src seeds the fold assignment.
func CrossValidate(cols []Column, y []float64, k int, src rand.Source, enc *EncoderSettings, fit *Settings) (*CVResult, error) {
	n, err := checkColumns(cols)
	if err != nil {
		return nil, err
	}
	if len(y) != n {
		return nil, fmt.Errorf("logit: %d labels for %d rows", len(y), n)
	}
	folds := StratifiedKFold(y, k, src)
	res := &CVResult{}
	for f, test := range folds {
		inTest := make([]bool, n)
		for _, i := range test {
			inTest[i] = true
		}
		var train []int
		for i := 0; i < n; i++ {
			if !inTest[i] {
				train = append(train, i)
			}
		}
		e, err := NewEncoder(Subset(cols, train), enc)
		if err != nil {
			return nil, fmt.Errorf("logit: fold %d: %w", f, err)
		}
		xtr, err := e.Transform(Subset(cols, train))
		if err != nil {
			return nil, fmt.Errorf("logit: fold %d: %w", f, err)
		}
		m, err := Fit(Problem{X: xtr, Y: Pick(y, train), Names: e.Names()}, fit)
		if err != nil {
			return nil, fmt.Errorf("logit: fold %d: %w", f, err)
		}
		xte, err := e.Transform(Subset(cols, test))
		if err != nil {
			return nil, fmt.Errorf("logit: fold %d: %w", f, err)
		}
		auc := ROCAUC(Pick(y, test), m.Predict(xte, nil))
		if math.IsNaN(auc) {
			return nil, fmt.Errorf("logit: fold %d has a single class; use fewer folds", f)
		}
		res.FoldAUC = append(res.FoldAUC, auc)
	}
	res.MeanAUC, res.SDAUC = stat.MeanStdDev(res.FoldAUC, nil)
	return res, nil
}

// Pick returns v[rows[0]], v[rows[1]], ...: the values of a subset of rows.
func Pick(v []float64, rows []int) []float64 {
	out := make([]float64, len(rows))
	for k, i := range rows {
		out[k] = v[i]
	}
	return out
}

// Subset returns the columns restricted to the given rows, in that order.
func Subset(cols []Column, rows []int) []Column {
	out := make([]Column, len(cols))
	for c, col := range cols {
		out[c].Name = col.Name
		if col.Numeric != nil {
			out[c].Numeric = Pick(col.Numeric, rows)
			continue
		}
		s := make([]string, len(rows))
		for k, i := range rows {
			s[k] = col.Categorical[i]
		}
		out[c].Categorical = s
	}
	return out
}

// SoloAUC is the single-feature discrimination of one raw column.
type SoloAUC struct {
	// Name is the column name.
	Name string
	// AUC is the ROC AUC of the column alone: of its values for numeric
	// columns (missing values take the column mean), and of the in-sample
	// positive rate of each level for categorical columns ("" is a level).
	AUC float64
	// Strength is max(AUC, 1-AUC).
	Strength float64
	// Flagged is set when Strength exceeds the threshold: a feature this
	// predictive on its own is often target leakage (e.g. a field filled in
	// after the outcome).
	Flagged bool
}

// LeakageCheck returns the SoloAUC of every column of cols against y and
// flags those whose Strength exceeds threshold; zero threshold means 0.9.
// The in-sample level rates make high-cardinality categorical columns look
// stronger than they are; treat flags as prompts to check the column.
func LeakageCheck(cols []Column, y []float64, threshold float64) ([]SoloAUC, error) {
	n, err := checkColumns(cols)
	if err != nil {
		return nil, err
	}
	if len(y) != n {
		return nil, fmt.Errorf("logit: %d labels for %d rows", len(y), n)
	}
	if threshold == 0 {
		threshold = 0.9
	}
	out := make([]SoloAUC, len(cols))
	for c, col := range cols {
		score := make([]float64, n)
		if col.Numeric != nil {
			var sum, cnt float64
			for _, v := range col.Numeric {
				if !math.IsNaN(v) {
					sum += v
					cnt++
				}
			}
			for i, v := range col.Numeric {
				if math.IsNaN(v) {
					v = sum / math.Max(cnt, 1)
				}
				score[i] = v
			}
		} else {
			type acc struct{ pos, n float64 }
			rate := map[string]*acc{}
			for i, v := range col.Categorical {
				a := rate[v]
				if a == nil {
					a = &acc{}
					rate[v] = a
				}
				a.pos += y[i]
				a.n++
			}
			for i, v := range col.Categorical {
				score[i] = rate[v].pos / rate[v].n
			}
		}
		auc := ROCAUC(y, score)
		s := math.Max(auc, 1-auc)
		out[c] = SoloAUC{Name: col.Name, AUC: auc, Strength: s, Flagged: s > threshold}
	}
	return out, nil
}
