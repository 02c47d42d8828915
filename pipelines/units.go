package pipelines

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/crmbatch/crmbatch/pipelines/config"
)

// withUnits words the column comments for the configuration they document:
// a setting a comment names by key (clv.horizon_months) is given with its
// value ("12 calendar months"), and money columns say their currency.
func withUnits(cfg *config.Config, tables []TableDoc) []TableDoc {
	if cfg == nil {
		cfg = defaults()
	}
	if cfg == nil {
		return tables
	}
	settings := strings.NewReplacer(
		"clv.horizon_months calendar months", fmt.Sprintf("%d calendar months", cfg.CLV.HorizonMonths),
		"clv.horizon_months", fmt.Sprintf("%d months (clv.horizon_months)", cfg.CLV.HorizonMonths),
		"churn.window_days", fmt.Sprintf("%d days (churn.window_days)", cfg.Churn.WindowDays),
		"leads.window_days", fmt.Sprintf("%d days (leads.window_days)", cfg.Leads.WindowDays),
	)
	out := make([]TableDoc, len(tables))
	for i, t := range tables {
		t.Doc = settings.Replace(t.Doc)
		cols := make([]ColumnDoc, len(t.Columns))
		for j, c := range t.Columns {
			c.Doc = settings.Replace(c.Doc)
			if cfg.Currency != "" && isMoney(t.Name, c) {
				c.Doc = strings.TrimSpace(c.Doc + " (in " + cfg.Currency + ")")
			}
			cols[j] = c
		}
		t.Columns = cols
		out[i] = t
	}
	return out
}

// defaults is the configuration of every default, for documentation.
func defaults() *config.Config {
	c, err := config.Parse([]byte("sources: {orders: {files: [orders.csv]}}"), "")
	if err != nil {
		return nil
	}
	return c
}

// notMoneyTables hold model facts, not amounts, in their DOUBLE columns.
var notMoneyTables = map[string]bool{"monitoring": true, "model_metrics": true, "model_params": true, "portfolio_kpis": true,
	"runs": true, "clv_holdout": true, "clv_tracking": true, "cluster_profiles": true, "affinity_rules": true,
	"next_best_offers": true, "subscription_cohorts": true, "subscription_retention": true}

var (
	moneyWords = regexp.MustCompile(`revenue|margin|cost|profit|clv|amount|spend|monetary|price|order_value|_value$|^value$|residual_value|lifetime_value|cac$`)
	notMoney   = regexp.MustCompile(`probability|share|rate|ratio|score|auc|lift|support|confidence|_sd$|_se$|retention|days|count`)
)

// isMoney says whether column c of table holds an amount of money.
func isMoney(table string, c ColumnDoc) bool {
	return c.Type == "DOUBLE" && !notMoneyTables[table] && moneyWords.MatchString(c.Name) && !notMoney.MatchString(c.Name)
}
