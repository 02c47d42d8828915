package clv

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/pipelines/batch"
)

// Selection: which kinds of prospects become valuable customers. The value
// of a trait level (an acquisition channel, a country, a partner, the
// source, industry or company size of the lead a customer converted from)
// is the mean predicted CLV (customer_lifetime_value) of the new customers
// with that level: those whose first order line is within the
// acquisitionWindowDays before the as-of date. It is the least-squares
// regression of predicted CLV on the level's indicators (one dimension at
// a time), so its interval is the mean plus or minus 1.96 standard errors
// (sample standard deviation over the square root of the count), a normal
// approximation that needs a few dozen customers per level. The mean
// acquisition cost is over the new customers with a known cost, and
// value_per_cost is their mean CLV over that mean cost. Predicted CLV is
// conditional on the customers' first purchases, so it already reflects
// what the first months showed of a channel; with covariates in the
// chosen model it also carries the channel's fitted effect.

// acquisitionWindowDays is how recent a first order must be for a customer
// to count as new.
const acquisitionWindowDays = 365

// AcquisitionTable is the temporary table holding acquisition_value for
// the stages after clv (lead_scores' expected_value).
const AcquisitionTable = "clv_acquisition_value"

// minLevelCustomers is the number of new customers a level needs before
// lead scoring trusts its mean over the overall mean.
const minLevelCustomers = 30

// acquisitionValue publishes acquisition_value and keeps it in DuckDB as
// AcquisitionTable.
func acquisitionValue(ctx context.Context, b *batch.Batch) error {
	if err := b.SyncCustomers(ctx); err != nil {
		return err
	}
	hasLeads := b.Has("leads")
	q := acquisitionSQL(b.AsOf, hasLeads)
	if err := b.DB.Exec(ctx, "CREATE OR REPLACE TEMP TABLE "+AcquisitionTable+" AS "+q); err != nil {
		return fmt.Errorf("clv: acquisition_value: %w", err)
	}
	return b.Out.CopyQuery(ctx, b.DB, "acquisition_value", "SELECT * FROM "+AcquisitionTable+" ORDER BY dimension = 'all' DESC, dimension, rank, level")
}

// acquisitionDimensions are the trait columns of the new-customer rows,
// with the dimension name they are published under.
func acquisitionDimensions(hasLeads bool) [][2]string {
	d := [][2]string{{"acquisition_channel", "acquisition_channel"}, {"country", "country"}, {"partner", "partner_id"}}
	if hasLeads {
		d = append(d, [2]string{"lead_source", "lead_source"}, [2]string{"lead_industry", "lead_industry"}, [2]string{"lead_company_size", "lead_company_size"})
	}
	return d
}

func acquisitionSQL(asOf time.Time, hasLeads bool) string {
	since := fmt.Sprintf("TIMESTAMP %s - INTERVAL %d DAY", engine.Quote(asOf.AddDate(0, 0, 1).Format(time.DateOnly)), acquisitionWindowDays)
	leadCTE, leadJoin, leadCols := "", "", ""
	if hasLeads {
		// A customer's first lead that names them.
		leadCTE = `, ld AS (
	SELECT customer_id, arg_min(source, created_ts) AS source, arg_min(industry, created_ts) AS industry,
		arg_min(company_size, created_ts) AS company_size
	FROM leads WHERE customer_id IS NOT NULL GROUP BY customer_id
)`
		leadJoin = "LEFT JOIN ld USING (customer_id)"
		leadCols = `,
		CASE WHEN ld.customer_id IS NULL THEN '(no lead)' ELSE coalesce(ld.source, '(missing)') END AS lead_source,
		CASE WHEN ld.customer_id IS NULL THEN '(no lead)' ELSE coalesce(ld.industry, '(missing)') END AS lead_industry,
		CASE WHEN ld.customer_id IS NULL THEN '(no lead)' ELSE coalesce(ld.company_size, '(missing)') END AS lead_company_size`
	}
	stats := `count(*) AS new_customers,
		avg(v) AS mean_clv,
		stddev_samp(v) / sqrt(count(*)) AS clv_se,
		avg(cost) AS mean_acquisition_cost,
		count(cost) AS customers_with_cost,
		avg(v) FILTER (WHERE cost IS NOT NULL) / nullif(avg(cost), 0) AS value_per_cost`
	parts := []string{fmt.Sprintf("SELECT 'all' AS dimension, 'all' AS level, %s FROM n", stats)}
	for _, d := range acquisitionDimensions(hasLeads) {
		parts = append(parts, fmt.Sprintf("SELECT '%s', %s, %s FROM n GROUP BY 2", d[0], d[1], stats))
	}
	return fmt.Sprintf(`WITH n0 AS (
	SELECT customer_id, customer_lifetime_value AS v, CAST(acquisition_cost AS DOUBLE) AS cost,
		coalesce(acquisition_channel, '(missing)') AS acquisition_channel,
		coalesce(country, '(missing)') AS country,
		coalesce(partner_id, '(none)') AS partner_id
	FROM customer_table
	WHERE customer_lifetime_value IS NOT NULL AND NOT isnan(customer_lifetime_value) AND first_order_ts >= %[1]s
)%[2]s, n AS (SELECT n0.*%[4]s FROM n0 %[3]s), g AS (
	%[5]s
)
SELECT dimension, level, CAST(new_customers AS BIGINT) AS new_customers, mean_clv, clv_se,
	mean_clv - 1.959964 * clv_se AS clv_low, mean_clv + 1.959964 * clv_se AS clv_high,
	mean_acquisition_cost, CAST(customers_with_cost AS BIGINT) AS customers_with_cost, value_per_cost,
	CAST(rank() OVER (PARTITION BY dimension ORDER BY mean_clv DESC NULLS LAST) AS BIGINT) AS rank
FROM g`, since, leadCTE, leadJoin, leadCols, strings.Join(parts, "\n\tUNION ALL "))
}
