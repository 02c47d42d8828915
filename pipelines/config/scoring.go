package config

import (
	"fmt"
	"math"
	"strings"

	"github.com/crmbatch/crmbatch/pipelines/expr"
)

// Model holds the settings the three scoring models share. Zero fields mean
// their defaults.
type Model struct {
	// Disabled skips the stage.
	Disabled bool `yaml:"disabled"`
	// C is the inverse L2 regularisation strength of the logistic
	// regression (scikit-learn's C); default 1.
	C float64 `yaml:"c"`
	// MinRows is the fewest labelled rows the stage trains on; with fewer it
	// is skipped. Default 100.
	MinRows int `yaml:"min_rows"`
	// MinClass is the fewest rows of the rarer class; default 10.
	MinClass int `yaml:"min_class"`
	// HoldoutShare is the stratified share of labelled rows held out for the
	// published metrics; default 0.25.
	HoldoutShare float64 `yaml:"holdout_share"`
	// CVFolds, when at least 2, adds a stratified k-fold cross-validated AUC
	// (cv_auc, cv_auc_sd) to model_metrics; default 0 (off).
	CVFolds int `yaml:"cv_folds"`
	// MinCount pools categorical levels seen in fewer training rows into
	// "(other)"; default 10.
	MinCount int `yaml:"min_count"`
	// Seed seeds the holdout and fold assignment; default 1.
	Seed uint64 `yaml:"seed"`
}

func (m *Model) validate(section string) []string {
	var errs []string
	if m.C == 0 {
		m.C = 1
	}
	if !(m.C > 0) {
		errs = append(errs, fmt.Sprintf("%s.c: %v is not a positive number", section, m.C))
	}
	if m.MinRows == 0 {
		m.MinRows = 100
	}
	if m.MinRows < 2 {
		errs = append(errs, fmt.Sprintf("%s.min_rows: %d; want at least 2", section, m.MinRows))
	}
	if m.MinClass == 0 {
		m.MinClass = 10
	}
	if m.MinClass < 2 {
		errs = append(errs, fmt.Sprintf("%s.min_class: %d; want at least 2", section, m.MinClass))
	}
	if m.HoldoutShare == 0 {
		m.HoldoutShare = 0.25
	}
	if !(m.HoldoutShare >= 0.05 && m.HoldoutShare <= 0.5) {
		errs = append(errs, fmt.Sprintf("%s.holdout_share: %v is not between 0.05 and 0.5", section, m.HoldoutShare))
	}
	if m.CVFolds < 0 || m.CVFolds == 1 || m.CVFolds > 20 {
		errs = append(errs, fmt.Sprintf("%s.cv_folds: %d; use 0 (off) or 2..20", section, m.CVFolds))
	}
	if m.MinCount == 0 {
		m.MinCount = 10
	}
	if m.MinCount < 0 {
		errs = append(errs, fmt.Sprintf("%s.min_count: %d is negative", section, m.MinCount))
	}
	if m.Seed == 0 {
		m.Seed = 1
	}
	return errs
}

// Tier is one churn risk band: probabilities below Below (and at or above
// the previous tier's bound) get Name. The last tier has no bound.
type Tier struct {
	Name  string  `yaml:"name"`
	Below float64 `yaml:"below"`
}

// DefaultTiers are the churn risk bands: low below 0.3, medium below 0.6,
// high from 0.6.
func DefaultTiers() []Tier {
	return []Tier{{"low", 0.3}, {"medium", 0.6}, {"high", 0}}
}

// Churn configures the churn-risk stage. A buyer has churned when no
// purchase follows within WindowDays of the training cutoff (as-of minus
// WindowDays); a subscriber active at the cutoff has churned when a
// subscription of theirs ends within the window.
type Churn struct {
	Model `yaml:",inline"`
	// WindowDays is the churn window in days; default 90.
	WindowDays int `yaml:"window_days"`
	// Tiers are the risk bands of churn_risk_tier, in increasing order of
	// Below; the last one has no bound. Default DefaultTiers().
	Tiers []Tier `yaml:"tiers"`
}

func (c *Churn) validate() []string {
	errs := c.Model.validate("churn")
	if c.WindowDays == 0 {
		c.WindowDays = 90
	}
	if c.WindowDays < 7 || c.WindowDays > 730 {
		errs = append(errs, fmt.Sprintf("churn.window_days: %d is not between 7 and 730", c.WindowDays))
	}
	if len(c.Tiers) == 0 {
		c.Tiers = DefaultTiers()
	}
	prev := 0.0
	for i, t := range c.Tiers {
		if strings.TrimSpace(t.Name) == "" {
			errs = append(errs, fmt.Sprintf("churn.tiers[%d]: no name", i))
		}
		last := i == len(c.Tiers)-1
		if last && t.Below != 0 && t.Below < 1 {
			errs = append(errs, fmt.Sprintf("churn.tiers[%d] (%s): the last tier takes every remaining probability; leave below out", i, t.Name))
		}
		if !last && !(t.Below > prev && t.Below < 1) {
			errs = append(errs, fmt.Sprintf("churn.tiers[%d] (%s): below %v must exceed the previous bound %v and be under 1", i, t.Name, t.Below, prev))
		}
		prev = t.Below
	}
	return errs
}

// TierOf returns the name of the tier of probability p.
func (c *Churn) TierOf(p float64) string {
	for _, t := range c.Tiers[:len(c.Tiers)-1] {
		if p < t.Below {
			return t.Name
		}
	}
	return c.Tiers[len(c.Tiers)-1].Name
}

// Rule gives Points to every open lead for which When holds. When is an
// expression over the lead columns (see pipelines/expr), e.g.
// "pages_viewed > 5" or "free_email".
type Rule struct {
	When   string `yaml:"when"`
	Points int    `yaml:"points"`
	// SQL is When validated and normalised; Validate fills it in.
	SQL string `yaml:"-"`
}

// LeadFeatures are the lead columns of the input contract that the lead
// model can use.
var LeadFeatures = []string{"source", "country", "industry", "company_size", "pages_viewed", "visits", "time_on_site", "free_email"}

// Leads configures lead scoring. A lead is labelled converted when it
// converted within WindowDays of its creation; leads younger than the
// window at the as-of date are not labelled. Every unconverted lead is
// scored.
type Leads struct {
	Model `yaml:",inline"`
	// WindowDays is the conversion window in days; default 90.
	WindowDays int `yaml:"window_days"`
	// Features are the lead columns used; default LeadFeatures.
	Features []string `yaml:"features"`
	// LogFeatures are numeric features entered as ln(1+x); default
	// [time_on_site].
	LogFeatures []string `yaml:"log_features"`
	// ExtraCategorical and ExtraNumeric are source columns of the leads
	// files outside the input contract (e.g. "Lead Origin"), used as
	// features; they are read from the raw rows and joined by lead_id.
	ExtraCategorical []string `yaml:"extra_categorical"`
	ExtraNumeric     []string `yaml:"extra_numeric"`
	// Exclude names features that leak the outcome (filled in by sales
	// after contact); they are left out of the model but still checked.
	Exclude []string `yaml:"exclude"`
	// LeakAUC is the solo ROC AUC (max(AUC, 1-AUC)) above which a feature is
	// named in a leakage warning; default 0.85.
	LeakAUC float64 `yaml:"leak_auc"`
	// GradeCuts are the lead_score thresholds of grades A, B and C, in
	// decreasing order; lower scores are D. Default [50, 30, 15].
	GradeCuts []float64 `yaml:"grade_cuts"`
	// Rules are rule-based points reported beside the model score.
	Rules []Rule `yaml:"rules"`
}

// AllFeatures lists every candidate feature name: Features then the extras.
func (c *Leads) AllFeatures() []string {
	out := append([]string{}, c.Features...)
	out = append(out, c.ExtraCategorical...)
	return append(out, c.ExtraNumeric...)
}

func (c *Leads) validate() []string {
	errs := c.Model.validate("leads")
	if c.WindowDays == 0 {
		c.WindowDays = 90
	}
	if c.WindowDays < 1 || c.WindowDays > 3650 {
		errs = append(errs, fmt.Sprintf("leads.window_days: %d is not between 1 and 3650", c.WindowDays))
	}
	if c.Features == nil {
		c.Features = append([]string{}, LeadFeatures...)
	}
	known := map[string]bool{}
	for _, f := range LeadFeatures {
		known[f] = true
	}
	for _, f := range c.Features {
		if !known[f] {
			errs = append(errs, fmt.Sprintf("leads.features: %q is not a lead feature; use %s (or extra_categorical for other source columns)", f, strings.Join(LeadFeatures, ", ")))
		}
	}
	if c.LogFeatures == nil {
		c.LogFeatures = []string{"time_on_site"}
	}
	for _, f := range c.LogFeatures {
		if f != "pages_viewed" && f != "visits" && f != "time_on_site" && !contains(c.ExtraNumeric, f) {
			errs = append(errs, fmt.Sprintf("leads.log_features: %q is not a numeric feature", f))
		}
	}
	all := c.AllFeatures()
	for _, f := range c.Exclude {
		if !contains(all, f) {
			errs = append(errs, fmt.Sprintf("leads.exclude: %q is not among the features %s", f, strings.Join(all, ", ")))
		}
	}
	if c.LeakAUC == 0 {
		c.LeakAUC = 0.85
	}
	if !(c.LeakAUC > 0.5 && c.LeakAUC <= 1) {
		errs = append(errs, fmt.Sprintf("leads.leak_auc: %v is not in (0.5, 1]", c.LeakAUC))
	}
	if c.GradeCuts == nil {
		c.GradeCuts = []float64{50, 30, 15}
	}
	if len(c.GradeCuts) != 3 || !(c.GradeCuts[0] > c.GradeCuts[1] && c.GradeCuts[1] > c.GradeCuts[2] && c.GradeCuts[2] > 0 && c.GradeCuts[0] <= 100) {
		errs = append(errs, fmt.Sprintf("leads.grade_cuts: %v; want three decreasing scores in (0, 100] for grades A, B and C", c.GradeCuts))
	}
	var cols []string
	for _, f := range TableByName("leads").Fields {
		cols = append(cols, f.Name)
	}
	for i := range c.Rules {
		r := &c.Rules[i]
		e, err := expr.Parse(r.When, cols)
		if err != nil {
			errs = append(errs, fmt.Sprintf("leads.rules[%d].when: %v; the lead columns are %s", i, err, strings.Join(cols, ", ")))
			continue
		}
		r.SQL = e.SQL
		if r.Points == 0 || math.Abs(float64(r.Points)) > 1000 {
			errs = append(errs, fmt.Sprintf("leads.rules[%d].points: %d; want a non-zero number of points within ±1000", i, r.Points))
		}
	}
	return errs
}

// Grade returns the grade A-D of a lead score.
func (c *Leads) Grade(score float64) string {
	for i, cut := range c.GradeCuts {
		if score >= cut {
			return string(rune('A' + i))
		}
	}
	return "D"
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// Opportunities configures opportunity win probabilities. Closed
// opportunities (a row with outcome won or lost) are the history: every
// stage they passed through is one training row labelled with the final
// outcome, and a closed deal of a snapshot export (one row per deal) is
// one row. Open opportunities are scored in their current stage.
type Opportunities struct {
	Model `yaml:",inline"`
	// LeakAUC is the solo ROC AUC (max(AUC, 1-AUC)) above which a feature
	// is left out of the model with a warning: deal exports often fill a
	// field only at the close (a lost deal's close value is 0); default
	// 0.95.
	LeakAUC float64 `yaml:"leak_auc"`
}

func (c *Opportunities) validate() []string {
	errs := c.Model.validate("opportunities")
	if c.LeakAUC == 0 {
		c.LeakAUC = 0.95
	}
	if !(c.LeakAUC > 0.5 && c.LeakAUC <= 1) {
		errs = append(errs, fmt.Sprintf("opportunities.leak_auc: %v is not in (0.5, 1]", c.LeakAUC))
	}
	return errs
}
