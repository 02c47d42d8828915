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
func account(ctx context.Context, db *engine.DB, t *config.Table, tl *TableLoad) error {
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
	pf, err := db.QueryFrame(ctx, fmt.Sprintf(`SELECT file, sum(a) AS a, sum(r) AS r FROM (
		SELECT _file AS file, count(*) FILTER (WHERE _final_rule IS NULL) AS a, count(*) FILTER (WHERE _final_rule IS NOT NULL) AS r FROM chk_%[1]s GROUP BY ALL
		UNION ALL SELECT source_file, 0, count(*) FROM wh_malformed WHERE table_name = %[2]s GROUP BY ALL) GROUP BY file`, t.Name, name))
	if err != nil {
		return err
	}
	per := map[string][2]int64{}
	for i := 0; i < pf.Len(); i++ {
		per[pf.Col("file").Strings[i]] = [2]int64{int64(pf.Col("a").Floats[i]), int64(pf.Col("r").Floats[i])}
	}
	for _, file := range tl.Files {
		c := per[file.Path]
		file.Accepted, file.Rejected = c[0], c[1]
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
	return db.Exec(ctx, fmt.Sprintf("DROP TABLE IF EXISTS chk_%s", t.Name))
}
