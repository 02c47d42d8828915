// Package scoring holds the supervised scoring stages of the nightly batch:
// churn risk for customers, conversion scores for open leads and win
// probabilities for open opportunities, each an L2-regularised logistic
// regression (models/logit) with an honest evaluation and the reasons
// behind every score.
//
// Every stage follows the same story (model.go): label the history, hold
// out a stratified share of it (churn.holdout_share etc., default 25%) for
// the published metrics, optionally cross-validate, refit on all labelled
// rows, then score the rows that have no outcome yet. Categorical features
// are one-hot encoded against their first level with rare levels pooled
// into "(other)"; numeric features are mean-imputed with a "(missing)"
// indicator and standardised. A row's reasons are its three largest
// contributions coef_j * x_j (in log-odds, relative to an average row for
// numeric features and to the reference level for categories), in the
// words a person uses (words.go): "days since the last purchase is high
// (+0.84)", "source is referral (+0.70)". Churn, lead and opportunity
// reasons are published in words; explain and the report print them as
// they are.
//
//   - churn.go: labels at cutoff = as-of minus churn.window_days; features
//     from data up to the cutoff only (churnsql.go), the naive recency rule's
//     AUC as the baseline; scores every buyer as of the as-of date into the
//     customer table.
//   - leads.go: leads older than leads.window_days are labelled; a solo-AUC
//     leakage check names features that predict the outcome on their own;
//     rule points (leads.rules) are evaluated in SQL beside the model score.
//   - opportunities.go: stage snapshots of closed opportunities train a win
//     model for open ones.
//   - metrics.go: the tidy model_metrics table all three feed.
//
// Outputs never contain NaN or infinities: a value that cannot be computed
// is null.
package scoring

import "github.com/crmbatch/crmbatch/pipelines/batch"

// The scoring stages, registered in this order after the CLV stage;
// MetricsStage publishes what the three models collected in model_metrics.
var (
	ChurnStage         = batch.Stage{Name: "churn", Run: Churn}
	LeadsStage         = batch.Stage{Name: "leads", Run: Leads}
	OpportunitiesStage = batch.Stage{Name: "opportunities", Run: Opportunities}
	MetricsStage       = batch.Stage{Name: "model_metrics", Run: publishMetrics}
)
