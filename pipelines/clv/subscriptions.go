package clv

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/engine/frame"
	"github.com/crmbatch/crmbatch/models/sbg"
	"github.com/crmbatch/crmbatch/pipelines/batch"
)

// SubscriptionStage fits the shifted-beta-geometric model (Fader & Hardie
// 2007) to the subscriptions: one fit for all subscribers, one per plan and
// one per start cohort (quarter for monthly periods, year for yearly), each
// with at least minCohort subscribers. It publishes subscription_cohorts and
// subscription_retention and adds each customer's discounted expected
// residual value of its active subscriptions (Fader & Hardie 2010: recurring
// revenue x DERL, paid at each renewal).
var SubscriptionStage = batch.Stage{Name: "subscriptions", Run: runSubscriptions}

const minCohort = 100

// subscriber is one subscription's history in renewal periods.
type subscriber struct {
	customer      string
	plan, start   string
	periods       int // renewal opportunities passed (censored) or the period of churn
	churned       bool
	revenue       float64
	customerIndex int
}

func runSubscriptions(ctx context.Context, b *batch.Batch) error {
	if !b.Has("subscriptions") {
		return batch.Skip("no subscriptions input")
	}
	unit, cohortFmt := "month", "%Y-Q"
	if b.Cfg.CLV.SubscriptionPeriod == "year" {
		unit, cohortFmt = "year", "%Y"
	}
	asOf := engine.Quote(b.AsOf.Format(time.DateOnly))
	cohort := fmt.Sprintf("strftime(start_date, '%s')", cohortFmt)
	if unit == "month" {
		cohort = "strftime(start_date, '%Y') || '-Q' || CAST(quarter(start_date) AS VARCHAR)"
	}
	q := fmt.Sprintf(`SELECT customer_id, coalesce(plan, '(none)') AS plan, %[3]s AS start_cohort,
	CAST(date_sub('%[2]s', start_date, CASE WHEN end_date IS NOT NULL AND end_date <= DATE %[1]s THEN end_date ELSE DATE %[1]s END) AS BIGINT) AS periods,
	end_date IS NOT NULL AND end_date <= DATE %[1]s AS churned,
	coalesce(recurring_revenue, 0) AS revenue
FROM subscriptions WHERE start_date <= DATE %[1]s`, asOf, unit, cohort)
	f, err := b.DB.QueryFrame(ctx, q)
	if err != nil {
		return err
	}
	index := map[string]int{}
	for i, id := range b.Customers.Col("customer_id").Strings {
		index[id] = i
	}
	subs := make([]subscriber, f.Len())
	for i := range subs {
		s := &subs[i]
		s.customer, s.plan, s.start = f.Col("customer_id").Strings[i], f.Col("plan").Strings[i], f.Col("start_cohort").Strings[i]
		s.periods, s.churned, s.revenue = int(f.Col("periods").Ints[i]), f.Col("churned").Bools[i], f.Col("revenue").Floats[i]
		if s.churned && s.periods < 1 {
			s.periods = 1 // ended within its first period
		}
		s.customerIndex = -1
		if k, ok := index[s.customer]; ok {
			s.customerIndex = k
		}
	}
	groups := map[[2]string][]int{}
	for i, s := range subs {
		groups[[2]string{"all", "all"}] = append(groups[[2]string{"all", "all"}], i)
		groups[[2]string{"plan", s.plan}] = append(groups[[2]string{"plan", s.plan}], i)
		groups[[2]string{"start", s.start}] = append(groups[[2]string{"start", s.start}], i)
	}
	keys := make([][2]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i][0] != keys[j][0] {
			return keys[i][0] < keys[j][0]
		}
		return keys[i][1] < keys[j][1]
	})
	var cohorts cohortRows
	var retention retentionRows
	models := map[[2]string]sbg.Model{}
	for _, k := range keys {
		idx := groups[k]
		if len(idx) < minCohort && k[0] != "all" {
			continue
		}
		p := sbg.Problem{Lifetimes: make([]int, len(idx)), Censored: make([]bool, len(idx))}
		active := 0
		for j, i := range idx {
			p.Lifetimes[j], p.Censored[j] = subs[i].periods, !subs[i].churned
			if !subs[i].churned {
				active++
			}
		}
		res, err := fitCohort(b, k, p, nil)
		cohorts.add(k, len(idx), active, res, err)
		ok := err == nil && res.Converged()
		if ok {
			models[k] = res.Model
		}
		retention.add(k, p, res, ok)
	}
	if err := b.Out.WriteFrame("subscription_cohorts", cohorts.frame()); err != nil {
		return err
	}
	if err := b.Out.WriteFrame("subscription_retention", retention.frame()); err != nil {
		return err
	}
	return residualValues(b, subs, models, unit)
}

// fitCohort fits the sBG to one cohort. A fit that stopped at the maximum
// is converged, also when the optimiser's line search failed there
// (sbg.StationaryAfterFailure); a fit that did not reach it is a warning in
// the manifest and the report, and its cohort gets no fitted curve and no
// residual values from it. Data that cannot identify the parameters (no
// churn yet, one period) are only noted in subscription_cohorts.
func fitCohort(b *batch.Batch, k [2]string, p sbg.Problem, s *sbg.Settings) (*sbg.Result, error) {
	res, err := sbg.Fit(p, s)
	if err == nil {
		if ferr := res.Err(); ferr != nil {
			b.Warn("subscriptions: sBG fit of cohort %s %s did not converge; its retention curve and residual values are left out: %v", k[0], k[1], ferr)
		}
	}
	return res, err
}

// residualValues adds subscription_residual_value: for every active
// subscription, recurring revenue x DERL(d, n) under its plan's model (else
// the all-subscribers model), summed per customer.
func residualValues(b *batch.Batch, subs []subscriber, models map[[2]string]sbg.Model, unit string) error {
	annual := *b.Cfg.CLV.AnnualDiscountRate
	d := annual
	if unit == "month" {
		d = math.Pow(1+annual, 1.0/12) - 1
	}
	n := b.Customers.Len()
	value := make([]float64, n)
	for i := range value {
		value[i] = math.NaN()
	}
	if d <= 0 {
		b.Warn("subscriptions: clv.annual_discount_rate is 0, so the residual value of a subscription is unbounded; subscription_residual_value is left empty")
	} else {
		type key struct {
			plan    string
			periods int
		}
		cache := map[key]float64{}
		for _, s := range subs {
			if s.churned || s.customerIndex < 0 {
				continue
			}
			k := key{s.plan, s.periods}
			m, ok := models[[2]string{"plan", s.plan}]
			if !ok {
				if m, ok = models[[2]string{"all", "all"}]; !ok {
					continue
				}
				k.plan = "\x00all"
			}
			derl, ok := cache[k]
			if !ok {
				derl = m.DERL(d, s.periods)
				cache[k] = derl
			}
			if math.IsNaN(value[s.customerIndex]) {
				value[s.customerIndex] = 0
			}
			value[s.customerIndex] += s.revenue * derl
		}
	}
	b.Customers.Add(frame.NewFloat("subscription_residual_value", finite(value)))
	return nil
}
