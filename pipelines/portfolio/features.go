package portfolio

import (
	"context"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/pipelines/batch"
	"github.com/crmbatch/crmbatch/pipelines/config"
)

// Derived behaviour features, besides the customer table's own columns, that
// the clusters stage can use (table portfolio_features):
//
//	orders_per_year           orders / tenure in years (tenure at least 30 days)
//	avg_order_value           revenue / orders
//	lines_per_order           order lines / orders
//	return_rate               return lines / order lines
//	channel_share_<channel>   share of the customer's order lines in each sales
//	                          channel (the 12 most common channels), smoothed
//	                          towards the overall mix (see smoothing)
//	category_share_<category> share of order lines in each product category
//	                          (the 20 most common categories), smoothed
//	support_tickets_per_year, complaints_per_year, web_visits_per_year
//	                          lifetime interaction counts / tenure in years
//	                          (with interactions)
//
// Names of channels and categories are lower-cased with every run of other
// characters than a-z and 0-9 replaced by "_".
const (
	maxChannels   = 12
	maxCategories = 20
	// smoothing is the number of pseudo-lines with the overall mix added to
	// every customer's channel and category counts (additive smoothing), so
	// that a customer with one or two lines is not pushed to shares of 0 or
	// 1 and the clusters are not split by sheer sampling noise.
	smoothing = 3.0
)

var nonWord = regexp.MustCompile(`[^a-z0-9]+`)

// featureName turns a channel or category value into a column suffix.
func featureName(v string) string {
	s := strings.Trim(nonWord.ReplaceAllString(strings.ToLower(v), "_"), "_")
	if s == "" {
		s = "x"
	}
	return s
}

// buildFeatures creates table portfolio_features (customer_id and the
// derived features) for the customers with orders, and returns the
// available numeric feature columns, derived and from the customer table
// (view portfolio_customers, see syncCustomers).
func buildFeatures(ctx context.Context, b *batch.Batch) ([]string, error) {
	cols := []string{
		"customer_id",
		"CAST(c.orders AS DOUBLE) / (greatest(c.tenure_days, 30) / 365.25) AS orders_per_year",
		"c.revenue / nullif(c.orders, 0) AS avg_order_value",
		"CAST(c.order_lines AS DOUBLE) / nullif(c.orders, 0) AS lines_per_order",
		"CAST(c.return_lines AS DOUBLE) / nullif(c.order_lines, 0) AS return_rate",
	}
	var joins, mixAgg []string
	for _, dim := range []struct{ col, prefix string }{{"channel", "channel_share_"}, {"category", "category_share_"}} {
		limit := maxChannels
		if dim.col == "category" {
			limit = maxCategories
		}
		mix, err := b.DB.QueryFrame(ctx, fmt.Sprintf("SELECT %[1]s AS v, count(*) / sum(count(*)) OVER () AS p FROM orders GROUP BY 1 ORDER BY count(*) DESC, 1", dim.col))
		if err != nil {
			return nil, err
		}
		var vals []string
		var prior []float64
		for i := 0; i < mix.Len() && len(vals) < limit; i++ {
			if !mix.Col("v").IsNull(i) {
				vals, prior = append(vals, mix.Col("v").Strings[i]), append(prior, mix.Col("p").Floats[i])
			}
		}
		if len(vals) < 2 {
			continue
		}
		var agg []string
		seen := map[string]bool{}
		for k, v := range vals {
			name := dim.prefix + featureName(v)
			for seen[name] {
				name += "_"
			}
			seen[name] = true
			agg = append(agg, fmt.Sprintf("(count(*) FILTER (WHERE %s = %s) + %g) / (count(*) + %g) AS %s",
				dim.col, engine.Quote(v), smoothing*prior[k], smoothing, engine.Ident(name)))
			cols = append(cols, engine.Ident(name))
		}
		mixAgg = append(mixAgg, agg...)
	}
	if len(mixAgg) > 0 {
		// Both mixes in one pass over the order lines.
		if err := b.DB.Exec(ctx, fmt.Sprintf("CREATE OR REPLACE TEMP TABLE portfolio_mix AS SELECT customer_id, %s FROM orders GROUP BY customer_id", strings.Join(mixAgg, ", "))); err != nil {
			return nil, err
		}
		joins = append(joins, "LEFT JOIN portfolio_mix USING (customer_id)")
	}
	if b.Has("interactions") {
		if err := b.DB.Exec(ctx, `CREATE OR REPLACE TEMP TABLE portfolio_inter_mix AS SELECT customer_id,
	count(*) FILTER (WHERE type = 'support_ticket') AS n_tickets,
	count(*) FILTER (WHERE type = 'complaint') AS n_complaints,
	count(*) FILTER (WHERE type = 'web_visit') AS n_web
FROM interactions GROUP BY customer_id`); err != nil {
			return nil, err
		}
		joins = append(joins, "LEFT JOIN portfolio_inter_mix USING (customer_id)")
		for _, r := range [][2]string{{"n_tickets", "support_tickets_per_year"}, {"n_complaints", "complaints_per_year"}, {"n_web", "web_visits_per_year"}} {
			cols = append(cols, fmt.Sprintf("coalesce(%s, 0) / (greatest(c.tenure_days, 30) / 365.25) AS %s", r[0], r[1]))
		}
	}
	q := fmt.Sprintf("CREATE OR REPLACE TEMP TABLE portfolio_features AS SELECT %s FROM portfolio_customers c %s WHERE c.orders > 0 ORDER BY customer_id",
		strings.Join(cols, ",\n\t"), strings.Join(joins, " "))
	if err := b.DB.Exec(ctx, q); err != nil {
		return nil, fmt.Errorf("clusters: behaviour features: %w", err)
	}
	var out []string
	for _, t := range []string{"portfolio_features", "portfolio_customers"} {
		have, err := tableColumns(ctx, b.DB, t)
		if err != nil {
			return nil, err
		}
		for name, typ := range have {
			if numericType(typ) && name != "customer_id" {
				out = append(out, name)
			}
		}
	}
	sort.Strings(out)
	return dedupe(out), nil
}

func numericType(t string) bool {
	switch t {
	case "DOUBLE", "FLOAT", "BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "BOOLEAN", "UBIGINT", "UINTEGER":
		return true
	}
	return strings.HasPrefix(t, "DECIMAL")
}

func dedupe(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// excluded are numeric customer-table columns that describe model output or
// identity rather than behaviour; patterns never match them.
var excluded = map[string]bool{"cluster": true, "rfm_r": true, "rfm_f": true, "rfm_m": true, "birthday_month": true, "net_profit": true}

// selectFeatures resolves the configured feature list (patterns allowed)
// against the available columns. A configured name that matches nothing is
// an error; defaults that match nothing are left out.
func selectFeatures(cfg config.Clusters, available []string) ([]string, error) {
	want, explicit := cfg.Features, true
	if len(want) == 0 {
		want, explicit = config.DefaultClusterFeatures, false
	}
	var out []string
	seen := map[string]bool{}
	for _, pat := range want {
		n := 0
		for _, a := range available {
			if ok, _ := path.Match(pat, a); ok && (pat == a || !excluded[a]) {
				n++
				if !seen[a] {
					seen[a] = true
					out = append(out, a)
				}
			}
		}
		if n == 0 && explicit {
			return nil, fmt.Errorf("portfolio.clusters.features: %q matches no numeric column; available: %s", pat, strings.Join(available, ", "))
		}
	}
	if len(out) == 0 {
		return nil, batch.Skip("none of the cluster features is available")
	}
	return out, nil
}
