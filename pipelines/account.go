package pipelines

import (
	"context"
	"fmt"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/pipelines/config"
)

// flagRules are suspicious but usable values: counted, never dropped.
var flagRules = map[string]map[string]string{
	"customers": {
		"email_malformed": `email IS NOT NULL AND NOT regexp_matches(email, '^[^@\s]+@[^@\s]+\.[^@\s]+$')`,
		"no_name":         "name IS NULL",
	},
	"orders": {
		"zero_revenue": "revenue = 0",
		"return_lines": "revenue < 0",
		"no_cost":      "cost IS NULL",
	},
	"interactions":  {"nps_out_of_range": "type = 'nps' AND (value < 0 OR value > 10)"},
	"subscriptions": {"end_before_start": "end_date < start_date"},
}

// account fills in the table's counts from the rejects and the accepted
// table, per file and per rule, and drops the work tables.
func account(ctx context.Context, db *engine.DB, t *config.Table, r *reader, tl *TableLoad) error {
	name := engine.Quote(t.Name)
	f, err := db.QueryFrame(ctx, fmt.Sprintf(`SELECT rule, count(*) AS n FROM rejects WHERE table_name = %s GROUP BY rule ORDER BY rule`, name))
	if err != nil {
		return err
	}
	tl.Rules = map[string]int64{}
	rules, counts := f.Col("rule"), f.Col("n")
	for i := 0; i < f.Len(); i++ {
		tl.Rules[rules.Strings[i]] = counts.Ints[i]
		if rules.Strings[i] == "after_as_of" {
			tl.Excluded += counts.Ints[i]
		} else {
			tl.Rejected += counts.Ints[i]
		}
	}
	if tl.Accepted, err = db.Int(ctx, "SELECT count(*) FROM "+t.Name); err != nil {
		return err
	}
	tl.Read = tl.Accepted + tl.Rejected + tl.Excluded
	for _, file := range tl.Files {
		if file.Accepted, err = db.Int(ctx, fmt.Sprintf("SELECT count(*) FROM chk_%s WHERE _final_rule IS NULL AND _file = ?", t.Name), file.readPath); err != nil {
			return err
		}
		if file.Rejected, err = db.Int(ctx, "SELECT count(*) FROM rejects WHERE table_name = ? AND source_file = ?", t.Name, file.Path); err != nil {
			return err
		}
		file.Read = file.Accepted + file.Rejected
	}
	tl.Flags = map[string]int64{}
	for flag, cond := range flagRules[t.Name] {
		n, err := db.Int(ctx, fmt.Sprintf("SELECT count(*) FILTER (WHERE %s) FROM %s", cond, t.Name))
		if err != nil {
			return err
		}
		if n > 0 {
			tl.Flags[flag] = n
		}
	}
	return db.Exec(ctx, fmt.Sprintf("DROP TABLE IF EXISTS raw_%[1]s; DROP TABLE IF EXISTS stg_%[1]s; DROP TABLE IF EXISTS chk_%[1]s; DROP TABLE IF EXISTS bad_%[1]s", t.Name))
}
