package config

import "fmt"

// Monitoring configures the monitoring stage, which compares each run with
// the runs published before it and raises alerts (the manifest's alerts,
// exit code 4) when a threshold is crossed. A zero threshold means its
// default; there is no way to switch a single check off other than a large
// threshold.
type Monitoring struct {
	// Off skips the monitoring stage; default false (monitoring runs).
	Off bool `yaml:"off"`
	// PSIAlert is the population stability index of a feature or score,
	// against the previous run, above which the run alerts; default 0.25
	// (the usual rule of thumb: below 0.1 stable, 0.1-0.25 a moderate
	// shift, above 0.25 a major one).
	PSIAlert float64 `yaml:"psi_alert"`
	// RejectShareIncrease is the rise of a table's reject share (rejected
	// / read), in absolute terms, over the median of the recent runs above
	// which the run alerts; default 0.02 (two percentage points).
	RejectShareIncrease float64 `yaml:"reject_share_increase"`
	// NullShareIncrease is the rise of the null share of a key customer
	// column (email, country, city, acquisition_channel, signup_date,
	// acquisition_cost) over the previous run above which the run alerts;
	// default 0.10.
	NullShareIncrease float64 `yaml:"null_share_increase"`
	// VolumeDrop is the relative drop of a table's accepted rows below the
	// median of the recent runs above which the run alerts; default 0.5
	// (alert when fewer than half the usual rows arrive).
	VolumeDrop float64 `yaml:"volume_drop"`
	// AUCDrop is the fall of a model's holdout ROC AUC (churn, leads,
	// opportunities) below the median of the recent runs above which the
	// run alerts; default 0.05.
	AUCDrop float64 `yaml:"auc_drop"`
	// RMSEIncrease is the relative rise of the lifetime model's holdout
	// RMSE (per customer repeat purchases) over the median of the recent
	// runs above which the run alerts; default 0.25.
	RMSEIncrease float64 `yaml:"rmse_increase"`
	// LLDrop is the relative fall of the lifetime model's log-likelihood
	// per customer below the median of the recent runs above which the run
	// alerts; default 0.10.
	LLDrop float64 `yaml:"ll_drop"`
	// BaselineRuns is how many previous runs form the median baselines;
	// default 7.
	BaselineRuns int `yaml:"baseline_runs"`
}

// Retention configures the pruning of old runs after each publish.
type Retention struct {
	// KeepRuns is the number of most recent published as-of dates kept in
	// every output table; older partitions are deleted after a successful
	// publish. The run that `crmbatch publish -as-of` pinned for BI tools
	// is always kept. Default 0 keeps every run.
	KeepRuns int `yaml:"keep_runs"`
}

func (m *Monitoring) validate() []string {
	var errs []string
	def := func(name string, v *float64, d, hi float64) {
		switch {
		case *v == 0:
			*v = d
		case *v < 0 || *v > hi:
			errs = append(errs, fmt.Sprintf("monitoring.%s: %v is not between 0 and %v", name, *v, hi))
		}
	}
	def("psi_alert", &m.PSIAlert, 0.25, 100)
	def("reject_share_increase", &m.RejectShareIncrease, 0.02, 1)
	def("null_share_increase", &m.NullShareIncrease, 0.10, 1)
	def("volume_drop", &m.VolumeDrop, 0.5, 1)
	def("auc_drop", &m.AUCDrop, 0.05, 1)
	def("rmse_increase", &m.RMSEIncrease, 0.25, 100)
	def("ll_drop", &m.LLDrop, 0.10, 100)
	switch {
	case m.BaselineRuns == 0:
		m.BaselineRuns = 7
	case m.BaselineRuns < 0:
		errs = append(errs, fmt.Sprintf("monitoring.baseline_runs: %d is negative; use at least 1 (default 7)", m.BaselineRuns))
	}
	return errs
}

func (r *Retention) validate() []string {
	if r.KeepRuns < 0 {
		return []string{fmt.Sprintf("retention.keep_runs: %d is negative; use 0 to keep every run", r.KeepRuns)}
	}
	return nil
}
