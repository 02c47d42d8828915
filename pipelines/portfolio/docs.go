package portfolio

import (
	"github.com/crmbatch/crmbatch/pipelines/batch"
	"github.com/crmbatch/crmbatch/pipelines/config"
)

var col = batch.Col

// Columns documents the customer-table columns the portfolio stages add.
func Columns(cfg *config.Config) []batch.ColumnDoc {
	return []batch.ColumnDoc{
		col("rfm_r", "BIGINT", "recency score 1..5 (5 = most recent): ntile(5) over days_since_last_order descending, customers with orders in customer_id order; null for prospects"),
		col("rfm_f", "BIGINT", "frequency score 1..5: ntile(5) over orders"),
		col("rfm_m", "BIGINT", "monetary score 1..5: ntile(5) over revenue"),
		col("rfm_score", "VARCHAR", "the three scores as a code, e.g. 545"),
		col("rfm_segment", "VARCHAR", "RFM segment by portfolio.rfm.segments (default: Champions, Loyal, Potential Loyalist, New, Promising, Needs Attention, At Risk, Can't Lose, Hibernating, Lost)"),
		col("cluster", "BIGINT", "behavioural k-means cluster 1..k, largest first (see cluster_profiles); null for customers without orders"),
		col("lifecycle_stage", "VARCHAR", "prospect, new, active, advocate, reactivated, at_risk, lapsed or churned (rules in package portfolio)"),
		col("cost_to_serve", "DOUBLE", "interaction costs: each interaction's cost, else the unit cost of its type and channel"),
		col("net_profit", "DOUBLE", "revenue - cost of goods - cost_to_serve - acquisition cost, over the whole history"),
	}
}

// Tables documents the tables the portfolio stages publish.
func Tables(cfg *config.Config) []batch.TableDoc {
	return []batch.TableDoc{
		{Name: "cluster_profiles", Writer: "parquet-go", Doc: "one row per behavioural cluster and feature: size, mean in original units, and what distinguishes the cluster", Columns: []batch.ColumnDoc{
			col("cluster", "BIGINT", "cluster number, 1 = largest"),
			col("size", "BIGINT", "customers in the cluster"),
			col("share", "DOUBLE", "share of the clustered customers"),
			col("feature_order", "BIGINT", "position of the feature in the clustered feature list"),
			col("feature", "VARCHAR", "feature name (customer-table column or derived behaviour feature)"),
			col("mean", "DOUBLE", "the cluster's mean of the feature, original units"),
			col("overall_mean", "DOUBLE", "mean of the feature over all clustered customers"),
			col("z", "DOUBLE", "cluster mean minus overall mean in standard deviations, on the clustering scale (after the log transform)"),
			col("distinguishing", "VARCHAR", "the cluster's most distinguishing features in words, e.g. \"high avg_order_value (+1.9 sd)\""),
			col("silhouette", "DOUBLE", "mean silhouette of the chosen k on the silhouette sample"),
		}},
		{Name: "lifecycle_stages", Writer: "duckdb", Doc: "customers per lifecycle stage, now and in the previous published run", Columns: []batch.ColumnDoc{
			col("stage_order", "INTEGER", "1..8 in journey order"),
			col("stage", "VARCHAR", "lifecycle stage"),
			col("customers", "BIGINT", "customers in the stage"),
			col("share", "DOUBLE", "share of all customers"),
			col("previous_customers", "BIGINT", "customers in the stage in the previous run; null without one"),
			col("previous_as_of", "DATE", "as-of date of the previous run; null without one"),
		}},
		{Name: "lifecycle_transitions", Writer: "duckdb", Doc: "customers by stage in the previous published run and now (\"none\" = not a customer then / now)", Columns: []batch.ColumnDoc{
			col("previous_as_of", "DATE", "as-of date of the previous run; null without one (every customer then comes from none)"),
			col("from_stage", "VARCHAR", "stage in the previous run"),
			col("to_stage", "VARCHAR", "stage now"),
			col("customers", "BIGINT", "customers who moved from from_stage to to_stage"),
			col("share_of_from", "DOUBLE", "customers / customers in from_stage"),
		}},
		{Name: "cohort_retention", Writer: "duckdb", Doc: "monthly acquisition cohorts (month of the first order): active customers and revenue by months since the first order", Columns: []batch.ColumnDoc{
			col("cohort_month", "DATE", "first day of the cohort's month"),
			col("months_since_first", "BIGINT", "0 = the cohort month"),
			col("cohort_customers", "BIGINT", "customers whose first order is in the cohort month"),
			col("active_customers", "BIGINT", "cohort customers with an order line in the month"),
			col("retention_rate", "DOUBLE", "active_customers / cohort_customers"),
			col("revenue", "DOUBLE", "the cohort's revenue in the month"),
			col("revenue_per_cohort_customer", "DOUBLE", "revenue / cohort_customers"),
			col("revenue_retention", "DOUBLE", "revenue / the cohort's revenue in month 0; null when that is not positive"),
		}},
		{Name: "monthly_kpis", Writer: "duckdb", Doc: "customer KPIs per calendar month for the last portfolio.lifecycle.kpi_months months", Columns: []batch.ColumnDoc{
			col("month", "DATE", "first day of the month"),
			col("complete", "BOOLEAN", "false for the as-of month when it is not over"),
			col("active_customers", "BIGINT", "customers with an order line in the month"),
			col("new_customers", "BIGINT", "customers whose first order is in the month"),
			col("returning_customers", "BIGINT", "active customers who had ordered before the month"),
			col("retained_customers", "BIGINT", "customers active in the month and in the month before"),
			col("retention_rate", "DOUBLE", "retained_customers / customers active in the month before; null when none were"),
			col("churn_rate", "DOUBLE", "1 - retention_rate"),
			col("repeat_rate", "DOUBLE", "returning_customers / active_customers"),
			col("orders", "BIGINT", "distinct orders in the month"),
			col("revenue", "DOUBLE", "revenue in the month"),
			col("average_order_value", "DOUBLE", "revenue / orders"),
			col("acquisition_cost", "DOUBLE", "acquisition cost of the month's new customers; null when unknown"),
			col("cac", "DOUBLE", "acquisition_cost / new_customers"),
			col("clv_cac_ratio", "DOUBLE", "mean customer_lifetime_value of the month's new customers / cac; null without CLV"),
			col("recurring_revenue_start", "DOUBLE", "recurring revenue of subscriptions active at the month's start (with subscriptions)"),
			col("net_revenue_retention", "DOUBLE", "recurring revenue at the month's end (or the as-of date) of the customers subscribed at its start / their recurring revenue at its start (with subscriptions)"),
		}},
		{Name: "segment_profitability", Writer: "duckdb", Doc: "the P&L of every segment of every grouping in portfolio.profitability.groupings", Columns: []batch.ColumnDoc{
			col("grouping", "VARCHAR", "the grouping: rfm_segment, cluster, lifecycle_stage, country, acquisition_channel, partner_id, sales_rep, plan, ..."),
			col("segment", "VARCHAR", "the segment's value, (none) when missing"),
			col("customers", "BIGINT", "customers in the segment"),
			col("customers_with_orders", "BIGINT", "of which with at least one order"),
			col("revenue", "DOUBLE", "revenue"),
			col("cost_of_goods", "DOUBLE", "cost of goods sold"),
			col("gross_margin", "DOUBLE", "revenue - cost_of_goods"),
			col("gross_margin_rate", "DOUBLE", "gross_margin / revenue"),
			col("cost_to_serve", "DOUBLE", "interaction costs"),
			col("acquisition_cost", "DOUBLE", "acquisition costs"),
			col("net_profit", "DOUBLE", "gross_margin - cost_to_serve - acquisition_cost"),
			col("profit_per_customer", "DOUBLE", "net_profit / customers"),
			col("profit_share", "DOUBLE", "net_profit / |total net profit of all customers|"),
			col("revenue_share", "DOUBLE", "revenue / total revenue"),
			col("mean_clv", "DOUBLE", "mean customer_lifetime_value; null without the CLV stage"),
			col("mean_churn_probability", "DOUBLE", "mean churn_probability; null without the churn stage"),
			col("churn_rate", "DOUBLE", "share of customers with orders whose lifecycle stage is churned"),
		}},
		{Name: "whale_curve", Writer: "duckdb", Doc: "Kaplan and Cooper's whale curve: customers ranked by net profit, largest first", Columns: []batch.ColumnDoc{
			col("point", "BIGINT", "0 .. portfolio.profitability.whale_points"),
			col("customers", "BIGINT", "the top customers counted"),
			col("customer_share", "DOUBLE", "customers / all customers"),
			col("cumulative_profit", "DOUBLE", "net profit of the top customers"),
			col("profit_share", "DOUBLE", "cumulative_profit / total net profit; 1 at the last point"),
			col("revenue_share", "DOUBLE", "revenue of the top customers / total revenue"),
		}},
		{Name: "portfolio_kpis", Writer: "duckdb", Doc: "portfolio totals and Pareto shares, one row per metric", Columns: []batch.ColumnDoc{
			col("metric_order", "INTEGER", "row order"),
			col("metric", "VARCHAR", "customers, profitable_share, total_net_profit, top_profit_share, top_revenue_share, whale_peak_profit_share, ..."),
			col("value", "DOUBLE", "the metric's value"),
			col("description", "VARCHAR", "what the metric means"),
		}},
	}
}
