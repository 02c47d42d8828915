package clv

import (
	"math"

	"github.com/crmbatch/crmbatch/engine/frame"
	"github.com/crmbatch/crmbatch/models/sbg"
)

// cohortRows accumulates the subscription_cohorts output.
type cohortRows struct {
	kind, name, status        []string
	subscribers, active       []int64
	alpha, beta, aSE, bSE, ll []float64
	converged                 []bool
}

func (c *cohortRows) add(k [2]string, n, active int, res *sbg.Result, err error) {
	c.kind, c.name = append(c.kind, k[0]), append(c.name, k[1])
	c.subscribers, c.active = append(c.subscribers, int64(n)), append(c.active, int64(active))
	if res == nil {
		nan := math.NaN()
		c.alpha, c.beta, c.aSE, c.bSE, c.ll = append(c.alpha, nan), append(c.beta, nan), append(c.aSE, nan), append(c.bSE, nan), append(c.ll, nan)
		c.converged = append(c.converged, false)
		c.status = append(c.status, errText(err))
		return
	}
	c.alpha, c.beta = append(c.alpha, res.Alpha), append(c.beta, res.Beta)
	c.aSE, c.bSE, c.ll = append(c.aSE, res.AlphaSE), append(c.bSE, res.BetaSE), append(c.ll, res.LogLikelihood)
	c.converged = append(c.converged, res.Converged() && err == nil)
	status := res.Status.String()
	if err != nil {
		status += ": " + err.Error()
	}
	c.status = append(c.status, status)
}

func errText(err error) string {
	if err == nil {
		return "failed"
	}
	return err.Error()
}

func (c *cohortRows) frame() *frame.Frame {
	return &frame.Frame{Cols: []*frame.Column{
		frame.NewString("cohort_type", c.kind, nil),
		frame.NewString("cohort", c.name, nil),
		frame.NewInt("subscribers", c.subscribers, nil),
		frame.NewInt("active", c.active, nil),
		frame.NewFloat("alpha", finite(c.alpha)),
		frame.NewFloat("beta", finite(c.beta)),
		frame.NewFloat("alpha_se", finite(c.aSE)),
		frame.NewFloat("beta_se", finite(c.bSE)),
		frame.NewFloat("log_likelihood", finite(c.ll)),
		frame.NewBool("converged", c.converged, nil),
		frame.NewString("status", c.status, nil),
	}}
}

// retentionRows accumulates the subscription_retention output: observed
// (Kaplan-Meier) and fitted survival and retention by period.
type retentionRows struct {
	kind, name                  []string
	period                      []int64
	observed, fitted, retention []float64
}

// projection is how many periods past the last observed one are projected.
const projection = 12

func (r *retentionRows) add(k [2]string, p sbg.Problem, res *sbg.Result, ok bool) {
	maxT := 0
	for _, l := range p.Lifetimes {
		maxT = max(maxT, l)
	}
	km := kaplanMeier(p, maxT)
	for t := 0; t <= maxT+projection; t++ {
		r.kind, r.name, r.period = append(r.kind, k[0]), append(r.name, k[1]), append(r.period, int64(t))
		obs := math.NaN()
		if t <= maxT {
			obs = km[t]
		}
		r.observed = append(r.observed, obs)
		fit, ret := math.NaN(), math.NaN()
		if ok && res != nil {
			fit = res.Survival(t)
			if t >= 1 {
				ret = res.Retention(t)
			}
		}
		r.fitted, r.retention = append(r.fitted, fit), append(r.retention, ret)
	}
}

// kaplanMeier is the observed survival after t renewal opportunities, with
// censored subscribers leaving the risk set after their last one.
func kaplanMeier(p sbg.Problem, maxT int) []float64 {
	churn := make([]float64, maxT+2)
	atRisk := make([]float64, maxT+2)
	// A subscriber who churned in period l, or is still active after l
	// renewal opportunities, was at risk in periods 1..l.
	for i, l := range p.Lifetimes {
		if !p.Censored[i] {
			churn[l]++
		}
		for t := 1; t <= l && t <= maxT; t++ {
			atRisk[t]++
		}
	}
	s := make([]float64, maxT+1)
	s[0] = 1
	for t := 1; t <= maxT; t++ {
		s[t] = s[t-1]
		if atRisk[t] > 0 {
			s[t] *= 1 - churn[t]/atRisk[t]
		}
	}
	return s
}

func (r *retentionRows) frame() *frame.Frame {
	return &frame.Frame{Cols: []*frame.Column{
		frame.NewString("cohort_type", r.kind, nil),
		frame.NewString("cohort", r.name, nil),
		frame.NewInt("period", r.period, nil),
		frame.NewFloat("observed_survival", finite(r.observed)),
		frame.NewFloat("fitted_survival", finite(r.fitted)),
		frame.NewFloat("retention_rate", finite(r.retention)),
	}}
}
