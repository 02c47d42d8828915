package clv

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/engine/frame"
	"github.com/crmbatch/crmbatch/models/btyd"
	"github.com/crmbatch/crmbatch/pipelines/batch"
)

// calibration is the per-customer summary at the holdout cutoff with the
// repeat purchase days each customer made in the holdout, and the
// covariates of the same customers.
type calibration struct {
	x, tx, T, actual []float64
	birth            []int64 // first purchase day, days since origin
	origin           time.Time
	design           *design
}

// loadCalibration summarises the purchase days (DaysTable) up to the
// cutoff, the holdout's repeat purchase days after it and, with
// covariates, the customer-table columns they name.
func loadCalibration(ctx context.Context, b *batch.Batch, cutoff time.Time) (*calibration, error) {
	c := engine.Quote(cutoff.Format(time.DateOnly))
	cov := b.Cfg.CLV.Covariates
	var covCols, covJoin string
	if cov.Any() {
		seen := map[string]bool{}
		for _, n := range append(append([]string{}, cov.Purchase...), cov.Dropout...) {
			if !seen[n] {
				covCols += ", any_value(ct." + engine.Ident(n) + ") AS " + engine.Ident(n)
				seen[n] = true
			}
		}
		covJoin = "LEFT JOIN customer_table ct USING (customer_id)"
	}
	q := fmt.Sprintf(`WITH days AS (SELECT customer_id, d FROM %[3]s WHERE purchase),
	f AS (SELECT customer_id, min(d) AS first_d FROM days GROUP BY customer_id HAVING min(d) <= DATE %[1]s),
	o AS (SELECT min(first_d) AS origin FROM f)
SELECT CAST(count(*) FILTER (WHERE d <= DATE %[1]s) - 1 AS DOUBLE) AS x,
	date_diff('day', first_d, max(d) FILTER (WHERE d <= DATE %[1]s)) / %[2]g AS tx,
	date_diff('day', first_d, DATE %[1]s) / %[2]g AS T,
	CAST(count(*) FILTER (WHERE d > DATE %[1]s) AS DOUBLE) AS actual,
	date_diff('day', any_value(origin), first_d) AS birth,
	any_value(origin) AS origin%[4]s
FROM days JOIN f USING (customer_id) CROSS JOIN o %[5]s GROUP BY customer_id, first_d
ORDER BY customer_id`, c, b.Cfg.UnitDays(), DaysTable, covCols, covJoin)
	f, err := b.DB.QueryFrame(ctx, q)
	if err != nil {
		return nil, err
	}
	cal := &calibration{}
	if f.Len() == 0 {
		return cal, nil
	}
	cal.x, _ = f.Floats("x")
	cal.tx, _ = f.Floats("tx")
	cal.T, _ = f.Floats("T")
	cal.actual, _ = f.Floats("actual")
	cal.birth = f.Col("birth").Ints
	cal.origin = time.Unix(f.Col("origin").Ints[0]*86400, 0).UTC()
	if cov.Any() {
		if cal.design, _, err = newDesign(f, cov, nil); err != nil {
			return nil, err
		}
	}
	return cal, nil
}

// holdout refits every candidate model on the data up to as-of minus the
// holdout window, predicts the window, publishes clv_holdout and
// clv_tracking, and returns the candidate with the lower per-customer RMSE.
func holdout(ctx context.Context, b *batch.Batch, cands []candidate) (candidate, []paramRow, error) {
	days := *b.Cfg.CLV.HoldoutDays
	cutoff := b.AsOf.AddDate(0, 0, -days)
	cal, err := loadCalibration(ctx, b, cutoff)
	if err != nil {
		return candidate{}, nil, err
	}
	if len(cal.x) < 50 {
		return candidate{}, nil, batch.Skip(fmt.Sprintf("skipped: %d customers bought before the holdout cutoff %s; need at least 50", len(cal.x), cutoff.Format(time.DateOnly)))
	}
	length := float64(days) / b.Cfg.UnitDays()
	var fits []*fitted
	var keys []string
	var params []paramRow
	var reports []btyd.HoldoutReport
	best := -1
	try := func(k candidate) {
		f := fitCandidate(k, cal.x, cal.tx, cal.T, cal.design)
		params = append(params, paramRows(k.key(), "calibration", &f)...)
		if !f.usable() {
			return
		}
		fits, keys = append(fits, &f), append(keys, k.key())
		reports = append(reports, btyd.Holdout(cal.x, predictHoldout(&f, cal, length), cal.actual))
		if best < 0 || reports[len(reports)-1].RMSE < reports[best].RMSE {
			best = len(reports) - 1
		}
	}
	for _, k := range cands {
		try(k)
	}
	if len(fits) == 0 {
		return candidate{}, params, batch.Skip("skipped: no model could be fitted on the calibration period")
	}
	if cal.design != nil {
		// The winner among the plain models against itself with covariates.
		try(candidate{base: fits[best].cand.base, cov: true})
	}
	if err := b.Out.WriteFrame("clv_holdout", holdoutFrame(keys, reports, best, cutoff, days)); err != nil {
		return candidate{}, nil, err
	}
	tf, err := tracking(ctx, b, cal, keys, fits, cutoff)
	if err != nil {
		return candidate{}, nil, err
	}
	if err := b.Out.WriteFrame("clv_tracking", tf); err != nil {
		return candidate{}, nil, err
	}
	return fits[best].cand, params, nil
}

// predictHoldout returns each calibration customer's expected repeat
// purchases in the holdout window.
func predictHoldout(f *fitted, cal *calibration, length float64) []float64 {
	if f.cov == nil {
		_, e := btyd.Score(f.model, length, cal.x, cal.tx, cal.T, nil, nil, 0)
		return e
	}
	_, e := btyd.ScoreCov(f.cov, length, cal.x, cal.tx, cal.T, cal.design.purchase, cal.design.dropout, nil, nil, 0)
	return e
}

func holdoutFrame(keys []string, reports []btyd.HoldoutReport, best int, cutoff time.Time, days int) *frame.Frame {
	var model, bin []string
	var chosen []bool
	var n []int64
	var act, exp, mae, rmse []float64
	for k, r := range reports {
		for _, hb := range r.Bins {
			model, bin, chosen = append(model, keys[k]), append(bin, hb.Label), append(chosen, k == best)
			n, act, exp = append(n, int64(hb.Customers)), append(act, hb.MeanActual), append(exp, hb.MeanExpected)
			mae, rmse = append(mae, math.NaN()), append(rmse, math.NaN())
		}
		total := 0
		for _, hb := range r.Bins {
			total += hb.Customers
		}
		model, bin, chosen = append(model, keys[k]), append(bin, "all"), append(chosen, k == best)
		n = append(n, int64(total))
		act, exp = append(act, r.SumActual/float64(max(total, 1))), append(exp, r.SumExpected/float64(max(total, 1)))
		mae, rmse = append(mae, r.MAE), append(rmse, r.RMSE)
	}
	rows := len(model)
	start, dayCol := make([]int64, rows), make([]int64, rows)
	for i := range start {
		start[i] = cutoff.Unix() / 86400
		dayCol[i] = int64(days)
	}
	return &frame.Frame{Cols: []*frame.Column{
		frame.NewString("model", model, nil),
		frame.NewString("calibration_frequency", bin, nil),
		frame.NewInt("customers", n, nil),
		frame.NewFloat("mean_actual", finite(act)),
		frame.NewFloat("mean_expected", finite(exp)),
		frame.NewFloat("mae", finite(mae)),
		frame.NewFloat("rmse", finite(rmse)),
		frame.NewBool("chosen", chosen, nil),
		frame.NewDate("holdout_start", start, nil),
		frame.NewInt("holdout_days", dayCol, nil),
	}}
}

// maxTrackingPatterns bounds the covariate patterns for which a covariate
// model's tracking curve is drawn: each pattern costs one E[X(d)] per day.
const maxTrackingPatterns = 200

// tracking is the cumulative repeat-purchase tracking curve of the
// calibration cohort (BTYD's "tracking plot"): actual repeat purchase days
// up to each date against sum over customers of E[X(t - birth)], on a grid
// of at most about 260 dates from the first birth to the as-of date.
func tracking(ctx context.Context, b *batch.Batch, cal *calibration, keys []string, fits []*fitted, cutoff time.Time) (*frame.Frame, error) {
	span := int64(b.AsOf.Sub(cal.origin).Hours() / 24)
	step := int64(7)
	if span/step > 260 {
		step = (span + 259) / 260
	}
	q := fmt.Sprintf(`WITH days AS (SELECT customer_id, d FROM %s WHERE purchase),
	f AS (SELECT customer_id, min(d) AS first_d FROM days GROUP BY customer_id HAVING min(d) <= DATE %s)
SELECT date_diff('day', DATE %s, d) AS day, count(*) AS n FROM days JOIN f USING (customer_id) WHERE d > first_d GROUP BY ALL ORDER BY day`,
		DaysTable, engine.Quote(cutoff.Format(time.DateOnly)), engine.Quote(cal.origin.Format(time.DateOnly)))
	f, err := b.DB.QueryFrame(ctx, q)
	if err != nil {
		return nil, err
	}
	births := map[int64]float64{}
	for _, bd := range cal.birth {
		births[bd]++
	}
	var grid []int64
	for t := step; t <= span; t += step {
		grid = append(grid, t)
	}
	if len(grid) == 0 || grid[len(grid)-1] != span {
		grid = append(grid, span)
	}
	actual := make([]float64, len(grid))
	dayCol, nCol := f.Col("day").Ints, f.Col("n").Ints
	j := 0
	cum := 0.0
	for i, t := range grid {
		for j < len(dayCol) && dayCol[j] <= t {
			cum += float64(nCol[j])
			j++
		}
		actual[i] = cum
	}
	var model []string
	var date []int64
	var exp, act []float64
	var holdoutFlag []bool
	originDay := cal.origin.Unix() / 86400
	cutDay := cutoff.Unix()/86400 - originDay
	for k, f := range fits {
		// E[X(d)] depends only on the whole number of days d since birth
		// (and, with covariates, on the covariate pattern): compute it
		// once per d and pattern.
		type cohort struct {
			m      btyd.Model
			births map[int64]float64
		}
		var cohorts []cohort
		if f.cov == nil {
			cohorts = []cohort{{f.model, births}}
		} else {
			pat, first := cal.design.patterns(len(cal.x))
			if len(first) > maxTrackingPatterns {
				continue // continuous covariates: one model per customer
			}
			cohorts = make([]cohort, len(first))
			for p, i := range first {
				cohorts[p] = cohort{f.customer(i, cal.design), map[int64]float64{}}
			}
			for i, p := range pat {
				cohorts[p].births[cal.birth[i]]++
			}
		}
		e := make([]float64, len(grid))
		for _, c := range cohorts {
			ex := make([]float64, span+1)
			for d := int64(1); d <= span; d++ {
				ex[d] = c.m.ExpectedPurchases(float64(d) / b.Cfg.UnitDays())
			}
			// Sum over birth days in order: a map's order would change
			// the float sums, and the output, from run to run.
			bds := slices.Sorted(maps.Keys(c.births))
			for i, t := range grid {
				for _, bd := range bds {
					if bd < t {
						e[i] += c.births[bd] * ex[t-bd]
					}
				}
			}
		}
		for i, t := range grid {
			model = append(model, keys[k])
			date = append(date, originDay+t)
			exp, act = append(exp, e[i]), append(act, actual[i])
			holdoutFlag = append(holdoutFlag, t > cutDay)
		}
	}
	return &frame.Frame{Cols: []*frame.Column{
		frame.NewString("model", model, nil),
		frame.NewDate("date", date, nil),
		frame.NewFloat("expected_cumulative", finite(exp)),
		frame.NewFloat("actual_cumulative", act),
		frame.NewBool("in_holdout", holdoutFlag, nil),
	}}, nil
}
