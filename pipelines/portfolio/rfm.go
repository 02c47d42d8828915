package portfolio

import (
	"context"
	"fmt"
	"math"

	"github.com/crmbatch/crmbatch/engine/frame"
	"github.com/crmbatch/crmbatch/models/rfm"
	"github.com/crmbatch/crmbatch/pipelines/batch"
)

// RFM adds rfm_r, rfm_f, rfm_m, rfm_score and rfm_segment to the customer
// table: quintile scores of days_since_last_order (recent scores 5), orders
// and revenue over the customers with at least one order, in customer table
// order, as models/rfm.Scores computes them. Prospects get nulls.
func RFM(ctx context.Context, b *batch.Batch) error {
	f := b.Customers
	rules := b.Cfg.Portfolio.RFM.Segments
	if len(rules) == 0 {
		rules = rfm.DefaultSegments()
	}
	days, err := f.Floats("days_since_last_order")
	if err != nil {
		return fmt.Errorf("rfm: %w", err)
	}
	orders, err := f.Floats("orders")
	if err != nil {
		return fmt.Errorf("rfm: %w", err)
	}
	revenue, err := f.Floats("revenue")
	if err != nil {
		return fmt.Errorf("rfm: %w", err)
	}
	var idx []int
	for i := range days {
		if !math.IsNaN(days[i]) && orders[i] > 0 {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return batch.Skip("no customer has an order")
	}
	r, fr, m := make([]float64, len(idx)), make([]float64, len(idx)), make([]float64, len(idx))
	for k, i := range idx {
		r[k], fr[k], m[k] = days[i], orders[i], revenue[i]
		if math.IsNaN(m[k]) {
			m[k] = 0
		}
	}
	scores, err := rfm.Scores(r, fr, m)
	if err != nil {
		return fmt.Errorf("rfm: %w", err)
	}
	names, err := rfm.Segments(scores, rules)
	if err != nil {
		return fmt.Errorf("rfm: %w; check portfolio.rfm.segments", err)
	}
	n := f.Len()
	valid := make([]bool, n)
	cr, cf, cm := make([]int64, n), make([]int64, n), make([]int64, n)
	code, seg := make([]string, n), make([]string, n)
	for k, i := range idx {
		s := scores[k]
		valid[i] = true
		cr[i], cf[i], cm[i] = int64(s.R), int64(s.F), int64(s.M)
		code[i], seg[i] = s.String(), names[k]
	}
	f.Add(frame.NewInt("rfm_r", cr, valid))
	f.Add(frame.NewInt("rfm_f", cf, valid))
	f.Add(frame.NewInt("rfm_m", cm, valid))
	f.Add(frame.NewString("rfm_score", code, valid))
	f.Add(frame.NewString("rfm_segment", seg, valid))
	return nil
}
