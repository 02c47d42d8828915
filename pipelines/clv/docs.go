package clv

import (
	"fmt"

	"github.com/crmbatch/crmbatch/pipelines/batch"
	"github.com/crmbatch/crmbatch/pipelines/config"
)

func horizon(cfg *config.Config) int {
	if cfg == nil || cfg.CLV.HorizonMonths == 0 {
		return 12
	}
	return cfg.CLV.HorizonMonths
}

// Columns documents the customer-table columns the stage adds.
func Columns(cfg *config.Config) []batch.ColumnDoc {
	h := horizon(cfg)
	return []batch.ColumnDoc{
		{Name: "probability_alive", Type: "DOUBLE", Doc: "P(alive) under the chosen model (BG/NBD: FHL 2005 eq. 11; lifetimes conditional_probability_alive; BG/BB: alive at the next period); null without a purchase day"},
		{Name: fmt.Sprintf("expected_purchases_%dm", h), Type: "DOUBLE", Doc: fmt.Sprintf("expected repeat purchase days (BG/BB: purchase periods) in the next %d calendar months (lifetimes conditional_expected_number_of_purchases_up_to_time)", h)},
		{Name: fmt.Sprintf("probability_no_purchase_%dm", h), Type: "DOUBLE", Doc: fmt.Sprintf("probability of no purchase in the next %d calendar months (BG/NBD and Pareto/NBD)", h)},
		{Name: "expected_average_spend", Type: "DOUBLE", Doc: "expected net spend per purchase day: Gamma-Gamma conditional expected gross spend (fitted on gross_monetary_value; population mean without repeat purchases) x (1 - return_share)"},
		{Name: "return_share", Type: "DOUBLE", Doc: "returned over gross value, shrunk towards the population share by its credibility weight (model_params model 'returns'); null without a purchase day"},
		{Name: "customer_lifetime_value", Type: "DOUBLE", Doc: "discounted, margin-adjusted value of the expected purchases over clv.horizon_months calendar months at expected_average_spend"},
		{Name: "predicted_number_of_orders", Type: "DOUBLE", Doc: fmt.Sprintf("Klaviyo's name for expected_purchases_%dm: expected purchase days over the horizon", h)},
		{Name: "predicted_clv", Type: "DOUBLE", Doc: "Klaviyo-style predicted revenue over clv.horizon_months: expected purchases x expected_average_spend, net of returns, undiscounted and before margin"},
		{Name: "total_clv", Type: "DOUBLE", Doc: "historic_clv + predicted_clv (Klaviyo's total CLV); null without a purchase day"},
		{Name: "expected_next_purchase_date", Type: "DATE", Doc: "as-of date + expected time to the next purchase if alive, (alpha+T)/(r+x) units (BG/NBD and Pareto/NBD)"},
		{Name: "clv_model", Type: "VARCHAR", Doc: "BG/NBD, Pareto/NBD (either 'with covariates') or BG/BB: the model that scored the customer"},
		{Name: "subscription_residual_value", Type: "DOUBLE", Doc: "sum over active subscriptions of recurring_revenue x DERL (sBG, Fader & Hardie 2010), discounted per period (with subscriptions)"},
	}
}

// Tables documents the tables the stage publishes.
func Tables(cfg *config.Config) []batch.TableDoc {
	return []batch.TableDoc{
		{Name: "model_params", Writer: "parquet-go", Doc: "fitted parameters of the lifetime models, on the full data and on the holdout calibration", Columns: []batch.ColumnDoc{
			{Name: "model", Type: "VARCHAR", Doc: "bgnbd, paretonbd, bgnbd_cov, paretonbd_cov (with clv.covariates), bgbb (clv.time_unit periods), gammagamma or returns"},
			{Name: "fitted_on", Type: "VARCHAR", Doc: "full (up to the as-of date) or calibration (up to the holdout cutoff)"},
			{Name: "parameter", Type: "VARCHAR", Doc: "r, alpha, a, b / r, alpha, s, beta / alpha, beta, gamma, delta / p, q, gamma / share, weight (returns: population return share and credibility weight, null weight = every customer gets the share); covariate coefficients purchase:<column>[=<level>], dropout:<...> (Pareto/NBD), dropout_a:<...> and dropout_b:<...> (BG/NBD), each a log multiplier against the reference level or per standard deviation"},
			{Name: "estimate", Type: "DOUBLE", Doc: ""},
			{Name: "std_error", Type: "DOUBLE", Doc: "from the inverse Hessian of the log-likelihood"},
			{Name: "log_likelihood", Type: "DOUBLE", Doc: ""},
			{Name: "customers", Type: "DOUBLE", Doc: "customers in the fit"},
			{Name: "converged", Type: "BOOLEAN", Doc: ""},
			{Name: "status", Type: "VARCHAR", Doc: "optimizer status, with the error when the fit failed"},
			{Name: "iterations", Type: "BIGINT", Doc: ""},
		}},
		{Name: "clv_holdout", Writer: "parquet-go", Doc: "holdout evaluation: mean actual vs expected repeat purchases by calibration frequency (0..6, 7+) and overall (bin 'all' with MAE and RMSE)", Columns: []batch.ColumnDoc{
			{Name: "model", Type: "VARCHAR", Doc: "bgnbd, paretonbd and, with clv.covariates, the better of them with covariates (bgnbd_cov or paretonbd_cov)"},
			{Name: "calibration_frequency", Type: "VARCHAR", Doc: "0..6, 7+ or all"},
			{Name: "customers", Type: "BIGINT", Doc: ""},
			{Name: "mean_actual", Type: "DOUBLE", Doc: "mean repeat purchase days in the holdout"},
			{Name: "mean_expected", Type: "DOUBLE", Doc: ""},
			{Name: "mae", Type: "DOUBLE", Doc: "per-customer mean absolute error (row 'all')"},
			{Name: "rmse", Type: "DOUBLE", Doc: "per-customer root mean squared error (row 'all')"},
			{Name: "chosen", Type: "BOOLEAN", Doc: "the model published in the customer table"},
			{Name: "holdout_start", Type: "DATE", Doc: "the calibration cutoff"},
			{Name: "holdout_days", Type: "BIGINT", Doc: ""},
		}},
		{Name: "subscription_cohorts", Writer: "parquet-go", Doc: "shifted-beta-geometric fits per cohort: all subscribers, each plan, each start quarter (monthly periods) or year (with subscriptions; cohorts of at least 100)", Columns: []batch.ColumnDoc{
			{Name: "cohort_type", Type: "VARCHAR", Doc: "all, plan or start"},
			{Name: "cohort", Type: "VARCHAR", Doc: ""},
			{Name: "subscribers", Type: "BIGINT", Doc: ""},
			{Name: "active", Type: "BIGINT", Doc: "still active at the as-of date (censored)"},
			{Name: "alpha", Type: "DOUBLE", Doc: "sBG alpha"},
			{Name: "beta", Type: "DOUBLE", Doc: "sBG beta"},
			{Name: "alpha_se", Type: "DOUBLE", Doc: ""},
			{Name: "beta_se", Type: "DOUBLE", Doc: ""},
			{Name: "log_likelihood", Type: "DOUBLE", Doc: ""},
			{Name: "converged", Type: "BOOLEAN", Doc: ""},
			{Name: "status", Type: "VARCHAR", Doc: ""},
		}},
		{Name: "subscription_retention", Writer: "parquet-go", Doc: "observed (Kaplan-Meier) and fitted sBG survival by renewal period, projected 12 periods past the data", Columns: []batch.ColumnDoc{
			{Name: "cohort_type", Type: "VARCHAR", Doc: ""},
			{Name: "cohort", Type: "VARCHAR", Doc: ""},
			{Name: "period", Type: "BIGINT", Doc: "renewal opportunities passed"},
			{Name: "observed_survival", Type: "DOUBLE", Doc: "share still active (null past the data)"},
			{Name: "fitted_survival", Type: "DOUBLE", Doc: "S(t) under the fitted sBG"},
			{Name: "retention_rate", Type: "DOUBLE", Doc: "r(t) = S(t)/S(t-1) under the fitted sBG"},
		}},
		{Name: "acquisition_value", Writer: "duckdb", Doc: "value of new customers (first order within 365 days) by acquisition trait: mean predicted CLV with a 95% interval (the regression of customer_lifetime_value on the trait's levels), mean acquisition cost and value per unit of cost", Columns: []batch.ColumnDoc{
			{Name: "dimension", Type: "VARCHAR", Doc: "all, acquisition_channel, country, partner, lead_source, lead_industry, lead_company_size (lead ones with leads: the customer's first lead)"},
			{Name: "level", Type: "VARCHAR", Doc: "(missing), (none) and (no lead) when the trait is unknown"},
			{Name: "new_customers", Type: "BIGINT", Doc: "customers with a first order within 365 days of the as-of date and a predicted CLV"},
			{Name: "mean_clv", Type: "DOUBLE", Doc: "mean customer_lifetime_value"},
			{Name: "clv_se", Type: "DOUBLE", Doc: "standard error of mean_clv: sample standard deviation / sqrt(new_customers)"},
			{Name: "clv_low", Type: "DOUBLE", Doc: "mean_clv - 1.96 clv_se"},
			{Name: "clv_high", Type: "DOUBLE", Doc: "mean_clv + 1.96 clv_se"},
			{Name: "mean_acquisition_cost", Type: "DOUBLE", Doc: "over the new customers with a known cost"},
			{Name: "customers_with_cost", Type: "BIGINT", Doc: ""},
			{Name: "value_per_cost", Type: "DOUBLE", Doc: "mean CLV over mean acquisition cost, both over the customers with a known cost"},
			{Name: "rank", Type: "BIGINT", Doc: "1 = highest mean_clv within the dimension"},
		}},
		{Name: "clv_tracking", Writer: "parquet-go", Doc: "cumulative repeat purchases of the calibration cohort, actual vs expected (BTYD tracking plot)", Columns: []batch.ColumnDoc{
			{Name: "model", Type: "VARCHAR", Doc: ""},
			{Name: "date", Type: "DATE", Doc: ""},
			{Name: "expected_cumulative", Type: "DOUBLE", Doc: ""},
			{Name: "actual_cumulative", Type: "DOUBLE", Doc: ""},
			{Name: "in_holdout", Type: "BOOLEAN", Doc: ""},
		}},
	}
}
