package btyd

import (
	"fmt"
	"math"
	"sort"
)

// HoldoutBin is one row of the holdout table: the customers whose
// calibration frequency falls in the bin, and their mean actual and mean
// expected holdout repeat purchases.
type HoldoutBin struct {
	Label        string  // "0".."6" or "7+"
	Customers    int     // customers in the bin
	MeanActual   float64 // mean actual holdout repeat purchases
	MeanExpected float64 // mean conditional expected holdout repeat purchases
}

// HoldoutReport summarises how well a model's conditional expectations
// predict holdout purchases.
type HoldoutReport struct {
	// Bins are calibration frequencies 0, 1, ..., 6 and 7+, the table of
	// BTYD's bgnbd.PlotFreqVsConditionalExpectedFrequency and FHL (2005),
	// Fig. 4 (censored at 7).
	Bins []HoldoutBin
	// MAE and RMSE are the per-customer mean absolute and root mean square
	// errors of expected against actual holdout purchases.
	MAE, RMSE float64
	// SumExpected and SumActual are the cohort totals.
	SumExpected, SumActual float64
}

// HoldoutBins is the number of calibration-frequency bins, the last of which
// is open ("7+").
const HoldoutBins = 8

// Holdout compares conditional expected holdout purchases (e.g. m's
// ConditionalExpectedPurchases over the holdout length) with actual holdout
// repeat purchases, binned by calibration frequency. It panics if the
// lengths differ.
func Holdout(calFrequency, expected, actual []float64) HoldoutReport {
	n := len(calFrequency)
	if len(expected) != n || len(actual) != n {
		panic("btyd: calFrequency, expected and actual have different lengths")
	}
	r := HoldoutReport{Bins: make([]HoldoutBin, HoldoutBins)}
	for k := range r.Bins {
		r.Bins[k].Label = fmt.Sprint(k)
	}
	r.Bins[HoldoutBins-1].Label = fmt.Sprintf("%d+", HoldoutBins-1)
	var se, ae float64
	for i, x := range calFrequency {
		k := int(math.Min(math.Max(x, 0), HoldoutBins-1))
		b := &r.Bins[k]
		b.Customers++
		b.MeanActual += actual[i]
		b.MeanExpected += expected[i]
		d := expected[i] - actual[i]
		se += d * d
		ae += math.Abs(d)
		r.SumExpected += expected[i]
		r.SumActual += actual[i]
	}
	for k := range r.Bins {
		if c := float64(r.Bins[k].Customers); c > 0 {
			r.Bins[k].MeanActual /= c
			r.Bins[k].MeanExpected /= c
		}
	}
	if n > 0 {
		r.MAE = ae / float64(n)
		r.RMSE = math.Sqrt(se / float64(n))
	}
	return r
}

// ExpectedCumulative returns the cohort's expected cumulative repeat
// purchases at each calendar time in times: Σ_i E[X(t - birth_i)] over the
// customers with birth_i < t, where birth_i is customer i's first purchase
// on the same calendar clock and in the model's time unit. It is the
// tracking curve of FHL (2005), Fig. 3, and BTYD's
// bgnbd.ExpectedCumulativeTransactions (which evaluates it on a weekly grid).
//
// Customers sharing a birth time are evaluated once, so integer-day births
// make the cost independent of the cohort size.
func ExpectedCumulative(m Model, births, times []float64) []float64 {
	count := make(map[float64]float64)
	for _, b := range births {
		count[b]++
	}
	distinct := make([]float64, 0, len(count))
	for b := range count {
		distinct = append(distinct, b)
	}
	sort.Float64s(distinct) // a fixed summation order
	out := make([]float64, len(times))
	for j, t := range times {
		var s float64
		for _, b := range distinct {
			if b < t {
				s += count[b] * m.ExpectedPurchases(t-b)
			}
		}
		out[j] = s
	}
	return out
}

// ChooseModel scores each model's conditional expected purchases over a
// holdout of the given length and returns the index of the model with the
// smallest per-customer holdout RMSE, with every model's report. It panics if
// models is empty or the lengths differ.
func ChooseModel(models []Model, frequency, recency, T, actual []float64, holdoutLength float64) (int, []HoldoutReport) {
	if len(models) == 0 {
		panic("btyd: ChooseModel needs at least one model")
	}
	best := 0
	reports := make([]HoldoutReport, len(models))
	for k, m := range models {
		_, exp := Score(m, holdoutLength, frequency, recency, T, nil, nil, 0)
		reports[k] = Holdout(frequency, exp, actual)
		if reports[k].RMSE < reports[best].RMSE {
			best = k
		}
	}
	return best, reports
}
