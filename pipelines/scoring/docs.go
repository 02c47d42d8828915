package scoring

import (
	"github.com/crmbatch/crmbatch/pipelines/batch"
	"github.com/crmbatch/crmbatch/pipelines/config"
)

var col = batch.Col

// Columns documents the customer-table columns the churn stage adds.
func Columns(cfg *config.Config) []batch.ColumnDoc {
	return []batch.ColumnDoc{
		col("churn_probability", "DOUBLE", "probability of no purchase (subscribers: a cancellation) within churn.window_days after the as-of date; null without a purchase or active subscription"),
		col("churn_risk_tier", "VARCHAR", "churn.tiers band of churn_probability (default low < 0.3 <= medium < 0.6 <= high)"),
		col("churn_reason_1", "VARCHAR", "largest contribution raising the churn log-odds (then the largest lowering it when fewer raise it), in words, signed, e.g. \"days since the last purchase is high (+0.84)\", \"revenue in the 90 days before the last 90 is high (+1.26)\""),
		col("churn_reason_2", "VARCHAR", "second largest contribution"),
		col("churn_reason_3", "VARCHAR", "third largest contribution"),
	}
}

// Tables documents the tables the scoring stages publish.
func Tables(cfg *config.Config) []batch.TableDoc {
	reasons := []batch.ColumnDoc{
		col("reason_1", "VARCHAR", "largest contribution to the log-odds in words, signed, e.g. \"source is referral (+0.70)\", \"time on site is high (+0.36)\""),
		col("reason_2", "VARCHAR", ""),
		col("reason_3", "VARCHAR", ""),
	}
	return []batch.TableDoc{
		{Name: "model_metrics", Writer: "duckdb", Doc: "evaluation, coefficients and warnings of the churn, leads and opportunities models, one fact per row", Columns: []batch.ColumnDoc{
			col("model", "VARCHAR", "churn, leads or opportunities"),
			col("kind", "VARCHAR", "metric (holdout_auc, baseline_auc, cv_auc, solo_auc:<feature>, ...), calibration (decile_NN: observed rate), coefficient (fitted scale: per standard deviation for numeric features, per unit for 0/1 indicators), coefficient_per_unit (per unit of the feature), warning, note"),
			col("name", "VARCHAR", "metric, decile or feature name (e.g. \"source=referral\", \"log1p(time_on_site)\", \"(intercept)\")"),
			col("value", "DOUBLE", "the value; null for warnings and notes"),
			col("std_error", "DOUBLE", "standard error of a coefficient (inverse penalised Hessian); null otherwise"),
			col("detail", "VARCHAR", "explanation, calibration mean_predicted and count, or the warning text"),
		}},
		{Name: "lead_scores", Writer: "duckdb", Doc: "every unconverted lead with its model score, grade, rule points and reasons", Columns: append([]batch.ColumnDoc{
			col("lead_id", "VARCHAR", ""),
			col("created_ts", "TIMESTAMP", ""),
			col("age_days", "BIGINT", "days from creation to the as-of date"),
			col("source", "VARCHAR", ""),
			col("company", "VARCHAR", "the lead's company, from a column of the leads source named company, account or organization; null without one"),
			col("owner", "VARCHAR", "who owns the lead, from a column named owner, lead owner or sales rep; null without one"),
			col("contact", "VARCHAR", "how to reach the lead, from a column named email or phone; null without one"),
			col("conversion_probability", "DOUBLE", "probability of converting within leads.window_days"),
			col("lead_score", "BIGINT", "round(100 x conversion_probability), 0-100"),
			col("lead_grade", "VARCHAR", "A-D by leads.grade_cuts (default A >= 50, B >= 30, C >= 15, else D)"),
			col("rule_points", "BIGINT", "sum of the points of the leads.rules that hold; 0 without rules"),
			col("rules_matched", "VARCHAR", "the rules that hold, with their points; null when none"),
		}, append(reasons,
			col("expected_clv", "DOUBLE", "predicted CLV of a new customer from the lead's source (acquisition_value, dimension lead_source, at least 30 new customers; else all new customers); null without the clv stage"),
			col("expected_value", "DOUBLE", "conversion_probability x expected_clv: rank leads by value"))...)},
		{Name: "opportunity_scores", Writer: "duckdb", Doc: "every open opportunity in its current stage with its win probability and reasons", Columns: append([]batch.ColumnDoc{
			col("opportunity_id", "VARCHAR", ""),
			col("customer_id", "VARCHAR", ""),
			col("stage", "VARCHAR", "current stage"),
			col("stage_ts", "TIMESTAMP", "when the current stage was entered"),
			col("age_in_stage_days", "BIGINT", "days in the current stage at the as-of date"),
			col("amount", "DOUBLE", ""),
			col("owner", "VARCHAR", ""),
			col("source", "VARCHAR", ""),
			col("win_probability", "DOUBLE", "probability that the opportunity is won"),
			col("expected_amount", "DOUBLE", "win_probability x amount"),
		}, reasons...)},
	}
}
