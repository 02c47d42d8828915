package clv

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/models/btyd"
	"github.com/crmbatch/crmbatch/pipelines/batch"
)

// Discrete time (clv.time_unit: periods). Some customers can buy at most
// once per period: donors give once a year, members attend a yearly event.
// Their history is whether they bought in each calendar period (clv.period:
// year, quarter, month or week), and the BG/BB of Fader, Hardie & Shang
// (2010) replaces BG/NBD and Pareto/NBD. A customer's summary becomes, in
// whole periods: frequency x, the periods after the first with a purchase
// day; recency t_x, the period of the last purchase counted from the first
// (0 without repeats); T = n, the periods from the first to the period of
// the as-of date (choose an as-of date that ends a period, as the paper's
// calibration does). These replace the customer table's frequency, recency
// and T; monetary_value and gross_monetary_value become means over the
// repeat purchase periods. P(alive) is alive at the next opportunity (eq.
// A10), expected purchases are over the horizon in periods
// (horizon_months x 365.25/12 days over the period length), and CLV
// discounts month by month as in continuous time. There is no holdout
// model choice (one model) and no expected next purchase date or P(no
// purchase).

// periodIndex returns the SQL for the calendar period number of date
// expression d.
func periodIndex(period, d string) string {
	switch period {
	case "week": // ISO weeks from Monday 1970-01-05
		return fmt.Sprintf("floor(date_diff('day', DATE '1970-01-05', %s) / 7)", d)
	case "month":
		return fmt.Sprintf("(year(%[1]s) * 12 + month(%[1]s) - 1)", d)
	case "quarter":
		return fmt.Sprintf("(year(%[1]s) * 4 + quarter(%[1]s) - 1)", d)
	}
	return fmt.Sprintf("year(%s)", d)
}

// periodSummarySQL returns one row per customer of customer_table, in its
// order, with the discrete-time summary (null without a purchase day).
func periodSummarySQL(period string, asOf time.Time) string {
	k := periodIndex(period, "d")
	kAsOf := periodIndex(period, "DATE "+engine.Quote(asOf.Format(time.DateOnly)))
	return fmt.Sprintf(`WITH p AS (
	SELECT customer_id, %[1]s AS k, sum(value) AS value, sum(gross) AS gross
	FROM %[3]s WHERE purchase GROUP BY ALL
), s AS (
	SELECT customer_id, count(*) - 1 AS x,
		CASE WHEN count(*) > 1 THEN max(k) - min(k) ELSE 0 END AS tx,
		%[2]s - min(k) AS n,
		coalesce(CAST(sum(value) - arg_min(value, k) AS DOUBLE) / nullif(count(*) - 1, 0), 0) AS monetary_value,
		coalesce(CAST(sum(gross) - arg_min(gross, k) AS DOUBLE) / nullif(count(*) - 1, 0), 0) AS gross_monetary_value
	FROM p GROUP BY customer_id
)
SELECT CAST(s.x AS BIGINT) AS frequency, CAST(s.tx AS DOUBLE) AS recency, CAST(s.n AS DOUBLE) AS T,
	s.monetary_value, s.gross_monetary_value
FROM (SELECT rowid AS _row, customer_id FROM %[4]s) t LEFT JOIN s USING (customer_id)
ORDER BY t._row`, k, kAsOf, DaysTable, batch.CustomerRows)
}

// runPeriods is the lifetime-value stage in discrete time: BG/BB and
// Gamma-Gamma on the period summary.
func runPeriods(ctx context.Context, b *batch.Batch) error {
	c := &b.Cfg.CLV
	f, err := b.DB.QueryFrame(ctx, periodSummarySQL(c.Period, b.AsOf))
	if err != nil {
		return fmt.Errorf("clv: period summary: %w", err)
	}
	if f.Len() != b.Customers.Len() {
		return fmt.Errorf("clv: period summary has %d rows for %d customers", f.Len(), b.Customers.Len())
	}
	for _, col := range f.Cols {
		b.Customers.Add(col) // frequency, recency, T and the monetary means, in periods
	}
	in, err := loadBuyers(b.Customers)
	if err != nil {
		return err
	}
	if len(in.rows) < 50 {
		return batch.Skip(fmt.Sprintf("%d customers with purchases; the lifetime models need at least 50", len(in.rows)))
	}
	m, fit, err := btyd.FitBGBB(in.x, in.tx, in.T, nil)
	bb := fitted{cand: candidate{base: "bgbb"}, model: m, fit: fit, err: err}
	params := paramRows("bgbb", "full", &bb)
	if err != nil {
		b.Warn("clv: BG/BB fit: %v", err)
	}
	if fit == nil || (err != nil && !errors.Is(err, btyd.ErrNotConverged)) {
		return fmt.Errorf("clv: BG/BB could not be fitted (%v); see model_params", err)
	}
	spend, share, prm := spendModel(b, in)
	params = append(params, prm...)
	margin, err := clvMargin(ctx, b)
	if err != nil {
		return err
	}
	unit := c.PeriodDays()
	set := btyd.CLVSettings{HorizonMonths: c.HorizonMonths, AnnualDiscountRate: *c.AnnualDiscountRate, Margin: margin, UnitDays: unit}
	// Whole periods when the horizon is a whole number of them (12 months
	// of years, quarters or months).
	horizon := float64(c.HorizonMonths) * btyd.DaysPerMonth / unit
	if r := math.Round(horizon); math.Abs(horizon-r) < 1e-9 {
		horizon = r
	}
	sc := score(&bb, nil, in.x, in.tx, in.T, spend, horizon, set)
	if err := addColumns(b, in.rows, m.Name(), sc, spend, share, unit); err != nil {
		return err
	}
	if err := b.Out.WriteFrame("model_params", paramFrame(params)); err != nil {
		return err
	}
	return acquisitionValue(ctx, b)
}
