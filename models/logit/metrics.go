package logit

import (
	"math"
	"sort"
)

// order returns the row indices sorted by decreasing score.
func order(score []float64) []int {
	idx := make([]int, len(score))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return score[idx[a]] > score[idx[b]] })
	return idx
}

func checkLen(y, score []float64) {
	if len(y) != len(score) {
		panic("logit: labels and scores have different lengths")
	}
}

// ROCAUC returns the area under the ROC curve of score for the 0/1 labels y,
// computed as the Mann-Whitney U statistic with tied scores given average
// ranks (Hanley & McNeil 1982): the probability that a random positive
// scores above a random negative, ties counting one half. It returns NaN
// when y holds a single class (the AUC is undefined).
func ROCAUC(y, score []float64) float64 {
	checkLen(y, score)
	idx := order(score)
	var n1, n0, rankSum float64
	n := len(idx)
	for i := 0; i < n; {
		j := i
		for j < n && score[idx[j]] == score[idx[i]] {
			j++
		}
		// Ranks in increasing order: positions n-j+1 .. n-i, averaged.
		avg := float64(2*n-i-j+1) / 2
		for k := i; k < j; k++ {
			if y[idx[k]] == 1 {
				n1++
				rankSum += avg
			} else {
				n0++
			}
		}
		i = j
	}
	if n1 == 0 || n0 == 0 {
		return math.NaN()
	}
	return (rankSum - n1*(n1+1)/2) / (n1 * n0)
}

// AveragePrecision returns the area under the precision-recall curve as
// scikit-learn's average_precision_score: sum over distinct thresholds of
// (R_k - R_{k-1}) * P_k, tied scores forming one threshold. It returns NaN
// when y has no positive.
func AveragePrecision(y, score []float64) float64 {
	checkLen(y, score)
	idx := order(score)
	var pos float64
	for _, v := range y {
		pos += v
	}
	if pos == 0 {
		return math.NaN()
	}
	var tp, seen, ap, prevRecall float64
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && score[idx[j]] == score[idx[i]] {
			tp += y[idx[j]]
			seen++
			j++
		}
		recall := tp / pos
		ap += (recall - prevRecall) * tp / seen
		prevRecall = recall
		i = j
	}
	return ap
}

// LogLoss returns the mean negative log-likelihood of probabilities p for
// labels y, with p clipped to [1e-15, 1-1e-15].
func LogLoss(y, p []float64) float64 {
	checkLen(y, p)
	var s float64
	for i, v := range p {
		v = math.Min(math.Max(v, 1e-15), 1-1e-15)
		s -= y[i]*math.Log(v) + (1-y[i])*math.Log1p(-v)
	}
	return s / float64(len(p))
}

// Brier returns the mean squared difference between p and the labels y.
func Brier(y, p []float64) float64 {
	checkLen(y, p)
	var s float64
	for i, v := range p {
		d := v - y[i]
		s += d * d
	}
	return s / float64(len(p))
}

// CalibrationBin is one group of a calibration table.
type CalibrationBin struct {
	// MeanPredicted is the mean predicted probability in the bin.
	MeanPredicted float64
	// Observed is the share of positives in the bin.
	Observed float64
	// Count is the number of rows in the bin.
	Count int
}

// Calibration sorts rows by predicted probability p and splits them into
// bins groups of (nearly) equal size, deciles when bins is 10 (the
// Hosmer-Lemeshow grouping), lowest first. Zero bins means 10.
func Calibration(y, p []float64, bins int) []CalibrationBin {
	checkLen(y, p)
	if bins == 0 {
		bins = 10
	}
	idx := order(p)
	n := len(idx)
	out := make([]CalibrationBin, 0, bins)
	for b := 0; b < bins; b++ {
		// Ascending: bin b takes sorted positions from the low end.
		lo, hi := n-(b+1)*n/bins, n-b*n/bins
		if hi <= lo {
			continue
		}
		var sp, sy float64
		for _, i := range idx[lo:hi] {
			sp += p[i]
			sy += y[i]
		}
		c := hi - lo
		out = append(out, CalibrationBin{MeanPredicted: sp / float64(c), Observed: sy / float64(c), Count: c})
	}
	return out
}

// Lift returns, for the top fraction frac of rows by score (0.1 for the top
// decile), the lift (positive rate in the top over the overall positive
// rate) and the capture rate (share of all positives found in the top).
// Rows tied at the cut are taken in input order.
func Lift(y, score []float64, frac float64) (lift, capture float64) {
	checkLen(y, score)
	if !(frac > 0 && frac <= 1) {
		panic("logit: Lift fraction must be in (0, 1]")
	}
	idx := order(score)
	k := max(1, int(math.Round(frac*float64(len(idx)))))
	var top, all float64
	for r, i := range idx {
		all += y[i]
		if r < k {
			top += y[i]
		}
	}
	if all == 0 {
		return math.NaN(), math.NaN()
	}
	return (top / float64(k)) / (all / float64(len(idx))), top / all
}
