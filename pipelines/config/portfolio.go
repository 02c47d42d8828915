package config

import (
	"fmt"
	"path"
	"strings"

	"github.com/crmbatch/crmbatch/models/rfm"
)

// Portfolio configures RFM, behavioural clusters, segment profitability and
// the lifecycle (package pipelines/portfolio). Every zero field means its
// documented default.
type Portfolio struct {
	RFM           RFM           `yaml:"rfm"`
	Clusters      Clusters      `yaml:"clusters"`
	Profitability Profitability `yaml:"profitability"`
	Lifecycle     Lifecycle     `yaml:"lifecycle"`
}

// RFM configures the recency, frequency and monetary scores.
type RFM struct {
	// Segments name segments by score ranges (r, f, m and fm = (f+m+1)/2,
	// each {lo, hi} in 1..5; an absent range matches every score). Rules are
	// evaluated in order, the first match wins, and together they must cover
	// all 125 score triples. Empty means the ten-segment R versus FM grid of
	// rfm.DefaultSegments (Champions ... Lost).
	Segments []rfm.Rule `yaml:"segments"`
}

// DefaultClusterFeatures are the behaviour features clustered when
// Clusters.Features is empty. A pattern with * takes every matching feature;
// features whose inputs were not loaded are left out.
var DefaultClusterFeatures = []string{
	"orders_per_year", "avg_order_value", "lines_per_order", "return_rate",
	"days_since_last_order", "channel_share_*", "category_share_*",
	"support_tickets_per_year", "complaints_per_year", "web_visits_per_year",
	"email_opt_in",
}

// Clusters configures behavioural k-means clusters.
type Clusters struct {
	// Disabled turns the clusters stage off.
	Disabled bool `yaml:"disabled"`
	// Features are the clustered columns: columns of the customer table or
	// derived behaviour features (see package portfolio), patterns with *
	// allowed. Empty means DefaultClusterFeatures.
	Features []string `yaml:"features"`
	// KMin and KMax bound the number of clusters, chosen by the largest mean
	// silhouette; defaults 2 and 8.
	KMin int `yaml:"k_min"`
	KMax int `yaml:"k_max"`
	// Seed seeds k-means++ and the samples; the same seed and data give the
	// same clusters. Zero is a valid seed.
	Seed uint64 `yaml:"seed"`
	// Restarts is the number of k-means++ restarts per k; default 10.
	Restarts int `yaml:"restarts"`
	// SampleSize is the number of customers the restarts and the choice of
	// k run on before all customers are refined; default 20,000.
	SampleSize int `yaml:"sample_size"`
	// Log applies sign(x)·log(1+|x|) to every feature before standardising,
	// so that heavy tails (spend, counts) do not dominate; default true.
	Log *bool `yaml:"log"`
	// Top is the number of distinguishing features named per cluster
	// profile; default 3.
	Top int `yaml:"top"`
}

// UnitCost is the cost to serve one interaction of a type on a channel. "*"
// (or empty) matches any; the most specific match wins: type and channel,
// then type, then channel, then neither.
type UnitCost struct {
	Type    string  `yaml:"type"`
	Channel string  `yaml:"channel"`
	Cost    float64 `yaml:"cost"`
}

// DefaultUnitCosts is the cost-to-serve table used when
// Profitability.UnitCosts is empty, in the currency of the orders.
var DefaultUnitCosts = []UnitCost{
	{"support_ticket", "phone", 8},
	{"support_ticket", "chat", 4},
	{"support_ticket", "email", 3},
	{"support_ticket", "*", 5},
	{"complaint", "*", 25},
	{"nps", "*", 0.5},
	{"email_open", "*", 0.01},
	{"email_click", "*", 0.01},
	{"*", "*", 0},
}

// DefaultGroupings are the customer groupings of the segment P&L when
// Profitability.Groupings is empty; those whose inputs are absent are left
// out.
var DefaultGroupings = []string{
	"rfm_segment", "cluster", "lifecycle_stage", "country", "acquisition_channel",
	"partner_id", "sales_rep", "plan",
}

// Profitability configures the segment P&L, the whale curve and the Pareto
// shares.
type Profitability struct {
	// Groupings are customer-table columns (text or integer) to break the
	// P&L down by, plus sales_rep (each customer's rep with the most
	// revenue) and plan (each customer's latest subscription plan). Empty
	// means DefaultGroupings.
	Groupings []string `yaml:"groupings"`
	// UnitCosts price interactions without a cost of their own. Empty means
	// DefaultUnitCosts; list a {type: "*", channel: "*"} row to set the
	// fallback (otherwise 0).
	UnitCosts []UnitCost `yaml:"unit_costs"`
	// CostRatio is the cost of goods as a share of revenue for order lines
	// without a cost; default 0 (such lines have no cost of goods).
	CostRatio float64 `yaml:"cost_ratio"`
	// WhalePoints is the number of points of the whale curve; default 200.
	WhalePoints int `yaml:"whale_points"`
	// TopShare is the top share of customers of the Pareto figures; default
	// 0.2 (the top 20%).
	TopShare float64 `yaml:"top_share"`
}

// Lifecycle configures the lifecycle stages, cohorts and monthly KPIs. Days
// count from the as-of date back to the customer's last (or first) order.
type Lifecycle struct {
	// NewDays: a customer whose first order is at most this old is new;
	// default 90.
	NewDays int `yaml:"new_days"`
	// AtRiskDays: without model scores, a customer is at risk past this many
	// days since the last order (or twice the own mean gap between orders,
	// whichever is larger); default 90.
	AtRiskDays int `yaml:"at_risk_days"`
	// LapsedDays: a customer is lapsed past this many days since the last
	// order, and reactivated when the gap before the latest order was at
	// least this long; default 180.
	LapsedDays int `yaml:"lapsed_days"`
	// ChurnedDays: without model scores, a customer is churned past this many
	// days since the last order; default 365.
	ChurnedDays int `yaml:"churned_days"`
	// AtRiskScore: with model scores, a customer is at risk when the churn
	// risk (churn_probability, else 1 - probability_alive) is at least this;
	// default 0.5.
	AtRiskScore float64 `yaml:"at_risk_score"`
	// ChurnedScore: with model scores, a customer is churned when the churn
	// risk is at least this; default 0.9.
	ChurnedScore float64 `yaml:"churned_score"`
	// AdvocateNPS: an active repeat customer whose last NPS score (within a
	// year) is at least this is an advocate; default 9 (a promoter).
	AdvocateNPS float64 `yaml:"advocate_nps"`
	// KPIMonths is the number of calendar months of monthly_kpis and
	// cohort_retention, ending with the as-of month; default 24.
	KPIMonths int `yaml:"kpi_months"`
}

func (c *Portfolio) validate() []string {
	var errs []string
	bad := func(format string, a ...any) { errs = append(errs, "portfolio."+fmt.Sprintf(format, a...)) }
	if len(c.RFM.Segments) > 0 {
		if err := rfm.Validate(c.RFM.Segments); err != nil {
			bad("rfm.segments: %s", strings.TrimPrefix(err.Error(), "rfm: "))
		}
	}
	k := &c.Clusters
	if k.KMin == 0 {
		k.KMin = 2
	}
	if k.KMax == 0 {
		k.KMax = max(8, k.KMin)
	}
	if k.KMin < 2 {
		bad("clusters.k_min: %d is below 2", k.KMin)
	}
	if k.KMax < k.KMin || k.KMax > 50 {
		bad("clusters.k_max: %d must be between k_min (%d) and 50", k.KMax, k.KMin)
	}
	if k.Restarts == 0 {
		k.Restarts = 10
	}
	if k.Restarts < 1 {
		bad("clusters.restarts: %d must be positive", k.Restarts)
	}
	if k.SampleSize == 0 {
		k.SampleSize = 20000
	}
	if k.SampleSize < 100 {
		bad("clusters.sample_size: %d is below 100", k.SampleSize)
	}
	if k.Log == nil {
		t := true
		k.Log = &t
	}
	if k.Top == 0 {
		k.Top = 3
	}
	if k.Top < 1 {
		bad("clusters.top: %d must be positive", k.Top)
	}
	seen := map[string]bool{}
	for i, f := range k.Features {
		if _, err := path.Match(f, ""); err != nil || f == "" || strings.ContainsAny(f, "\"'; ") {
			bad("clusters.features[%d]: %q is not a column name or a * pattern", i, f)
		}
		if seen[f] {
			bad("clusters.features[%d]: %q is listed twice", i, f)
		}
		seen[f] = true
	}
	p := &c.Profitability
	for i, g := range p.Groupings {
		if g == "" || strings.ContainsAny(g, "\"'; *") {
			bad("profitability.groupings[%d]: %q is not a column name", i, g)
		}
	}
	for i, u := range p.UnitCosts {
		if !(u.Cost >= 0) || u.Cost > 1e9 {
			bad("profitability.unit_costs[%d].cost: %v must be a non-negative amount", i, u.Cost)
		}
	}
	if !(p.CostRatio >= 0 && p.CostRatio <= 1) {
		bad("profitability.cost_ratio: %v is not between 0 and 1", p.CostRatio)
	}
	if p.WhalePoints == 0 {
		p.WhalePoints = 200
	}
	if p.WhalePoints < 2 || p.WhalePoints > 100000 {
		bad("profitability.whale_points: %d must be between 2 and 100000", p.WhalePoints)
	}
	if p.TopShare == 0 {
		p.TopShare = 0.2
	}
	if !(p.TopShare > 0 && p.TopShare < 1) {
		bad("profitability.top_share: %v must be between 0 and 1 (exclusive)", p.TopShare)
	}
	l := &c.Lifecycle
	days := []struct {
		name string
		v    *int
		def  int
	}{{"new_days", &l.NewDays, 90}, {"at_risk_days", &l.AtRiskDays, 90}, {"lapsed_days", &l.LapsedDays, 180}, {"churned_days", &l.ChurnedDays, 365}, {"kpi_months", &l.KPIMonths, 24}}
	for _, d := range days {
		if *d.v == 0 {
			*d.v = d.def
		}
		if *d.v < 1 || *d.v > 3650 {
			bad("lifecycle.%s: %d must be between 1 and 3650", d.name, *d.v)
		}
	}
	if !(l.AtRiskDays < l.LapsedDays && l.LapsedDays < l.ChurnedDays) {
		bad("lifecycle: at_risk_days (%d) < lapsed_days (%d) < churned_days (%d) must hold", l.AtRiskDays, l.LapsedDays, l.ChurnedDays)
	}
	if l.AtRiskScore == 0 {
		l.AtRiskScore = 0.5
	}
	if l.ChurnedScore == 0 {
		l.ChurnedScore = 0.9
	}
	if !(l.AtRiskScore > 0 && l.AtRiskScore < l.ChurnedScore && l.ChurnedScore <= 1) {
		bad("lifecycle: 0 < at_risk_score (%v) < churned_score (%v) <= 1 must hold", l.AtRiskScore, l.ChurnedScore)
	}
	if l.AdvocateNPS == 0 {
		l.AdvocateNPS = 9
	}
	if !(l.AdvocateNPS > 0 && l.AdvocateNPS <= 10) {
		bad("lifecycle.advocate_nps: %v must be between 0 and 10", l.AdvocateNPS)
	}
	return errs
}
