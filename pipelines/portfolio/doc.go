// Package portfolio answers the first and the last questions of the CRM
// process over the customer table: which groups of customers are
// profitable (customer portfolio analysis), and where each customer is in
// the lifecycle from prospect to advocate. Its stages run after the
// lifetime-value and scoring stages and use their columns
// (probability_alive, customer_lifetime_value, churn_probability) when those
// are present; without them the rules fall back to recency.
//
// # Stages, in order
//
//   - rfm (rfm.go): recency = days_since_last_order, frequency = orders
//     (distinct orders), monetary = revenue (net of returns), each scored
//     1..5 exactly like SQL's ntile(5) over the customers with at least one
//     order in customer_id order (package models/rfm), and rfm_segment from
//     the configured rules (default: the ten-segment R versus FM grid).
//     Customers without orders (prospects) get no scores.
//   - clusters (clusters.go, features.go): k-means (k-means++ seeding,
//     restarts, package models/cluster) on standardised behaviour features
//     of the customers with orders; k is chosen by the mean silhouette over
//     portfolio.clusters.k_min..k_max with a fixed seed. Clusters are
//     numbered 1..k by size, largest first. Publishes cluster_profiles.
//   - lifecycle (lifecycle.go, cohorts.go): lifecycle_stage per customer
//     (rules below), lifecycle_stages and lifecycle_transitions since the
//     previous published run, cohort_retention and monthly_kpis.
//   - profitability (profit.go, whale.go): per-customer cost_to_serve and
//     net_profit, segment_profitability for each grouping, the whale curve
//     and portfolio_kpis (Pareto shares). It runs after lifecycle so that the
//     P&L can be broken down by lifecycle stage and report churn rates.
//
// # Profit
//
// For each customer over the whole history up to the as-of date:
//
//	revenue        = sum of order-line revenue (returns are negative)
//	cost_of_goods  = sum of line cost, or revenue × cost_ratio when a line has none
//	gross_margin   = revenue − cost_of_goods
//	cost_to_serve  = sum over interactions of their cost, or the unit cost of
//	                 their (type, channel) from portfolio.profitability.unit_costs
//	acquisition    = customers.acquisition_cost (0 when unknown)
//	net_profit     = gross_margin − cost_to_serve − acquisition
//
// The whale curve ranks customers by net_profit, largest first, and plots
// the cumulative share of total profit against the cumulative share of
// customers (Kaplan and Cooper 1998, "Cost and Effect", ch. 10; Kaplan and
// Narayanan 2001, "Measuring and managing customer profitability"). It
// rises above 100% while profitable customers are added and falls back to
// exactly 100% as unprofitable ones are. portfolio_kpis holds the Pareto
// shares: the share of total profit earned by the top share (default 20%)
// of customers ranked by profit, and the share of revenue of the top share
// ranked by revenue.
//
// # Lifecycle rules
//
// The churn risk is churn_probability when that column is present, else
// 1 − probability_alive, else unknown. Days count back from the as-of date.
// The first rule that holds names the stage:
//
//	prospect     no order yet
//	churned      risk >= churned_score (0.9), or, with unknown risk,
//	             days since the last order >= churned_days (365)
//	lapsed       days since the last order >= lapsed_days (180)
//	at_risk      risk >= at_risk_score (0.5), or, with unknown risk, days since
//	             the last order > max(at_risk_days (90), 2 × the customer's
//	             mean days between orders)
//	new          first order less than new_days (90) ago
//	reactivated  the gap before the latest purchase day was >= lapsed_days
//	advocate     a repeat customer whose last NPS answer (within 365 days) is
//	             >= advocate_nps (9, a promoter in Reichheld's terms); when
//	             no NPS data is loaded, a repeat customer in the RFM segment
//	             Champions
//	active       everyone else
//
// # Months
//
// A customer is active in a calendar month when they have at least one
// order line dated in it; the cohort is the month of the first order.
// cohort_retention counts each cohort's active customers and revenue by
// months since the first order. monthly_kpis reports, per month:
// retention_rate = customers active in the month and the month before /
// customers active the month before, churn_rate = 1 − retention_rate,
// repeat_rate = active customers who had ordered before the month / active
// customers, average_order_value = revenue / orders, acquisition_cost and
// cac over the month's new customers, clv_cac_ratio = their mean
// customer_lifetime_value / cac, and net_revenue_retention = the recurring
// revenue at the month's end of the customers who had active subscriptions
// at its start / their recurring revenue at its start.
//
// Every published number is finite: a ratio whose denominator is zero is
// NULL.
package portfolio
