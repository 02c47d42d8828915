package pipelines

import (
	"context"
	"fmt"
	"strings"

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
		// A negative quantity on a line that is not a return.
		"negative_quantity": "quantity < 0 AND revenue >= 0",
	},
	"interactions":  {"nps_out_of_range": "type = 'nps' AND (value < 0 OR value > 10)"},
	"subscriptions": {"end_before_start": "end_date < start_date"},
}

// crossFlags are flags that look at another canonical table too: counted
// when that table is there.
var crossFlags = map[string]struct{ needs, count string }{
	"orders.order_before_signup": {"customers", "SELECT count(*) FROM orders o JOIN customers c USING (customer_id) WHERE CAST(o.order_ts AS DATE) < c.signup_date"},
	// Identifiers that differ only by case: one customer or two? (id_case
	// folds them.)
	"customers.customer_id_case_variants": {"customers", "SELECT count(*) FROM customers WHERE lower(customer_id) IN (SELECT lower(customer_id) FROM customers GROUP BY 1 HAVING count(DISTINCT customer_id) > 1)"},
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
	// Per file: the rows the reader gave (wh_files) and the lines it
	// rejected are what was read; the rejects name their file; rows the
	// source's where left out are filtered.
	pf, err := db.QueryFrame(ctx, fmt.Sprintf(`SELECT f.path AS file, f.rows + coalesce(m.n, 0) AS read, coalesce(r.n, 0) AS rejected, coalesce(x.n, 0) AS filtered
FROM wh_files f
LEFT JOIN (SELECT source_file, count(*) AS n FROM wh_malformed WHERE table_name = %[1]s GROUP BY ALL) m ON m.source_file = f.path
LEFT JOIN (SELECT source_file, count(*) AS n FROM rejects WHERE table_name = %[1]s GROUP BY ALL) r ON r.source_file = f.path
LEFT JOIN (SELECT _file, count(*) AS n FROM wh_%[2]s WHERE _rule = 'filtered' GROUP BY ALL) x ON x._file = f.path
WHERE f.table_name = %[1]s`, name, t.Name))
	if err != nil {
		return err
	}
	per := map[string][3]int64{}
	for i := 0; i < pf.Len(); i++ {
		read, rej, filt := pf.Col("read").Ints[i], pf.Col("rejected").Ints[i], pf.Col("filtered").Ints[i]
		per[pf.Col("file").Strings[i]] = [3]int64{read - rej - filt, rej, filt}
		tl.Filtered += filt
	}
	tl.Read = tl.Accepted + tl.Rejected + tl.Excluded + tl.Filtered
	for _, file := range tl.Files {
		c := per[file.Path]
		file.Accepted, file.Rejected, file.Filtered = c[0], c[1], c[2]
		file.Read = file.Accepted + file.Rejected + file.Filtered
	}
	tl.Flags = map[string]int64{}
	for key, c := range crossFlags {
		table, flag, _ := strings.Cut(key, ".")
		if table != t.Name {
			continue
		}
		if ok, err := db.Int(ctx, "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND temporary", c.needs); err != nil || ok == 0 {
			if err != nil {
				return err
			}
			continue
		}
		n, err := db.Int(ctx, c.count)
		if err != nil {
			return err
		}
		if n > 0 {
			tl.Flags[flag] = n
		}
	}
	if len(flagRules[t.Name]) == 0 {
		return nil
	}
	// All flags in one scan of the table.
	var names, aggs []string
	for flag, cond := range flagRules[t.Name] {
		names = append(names, flag)
		aggs = append(aggs, fmt.Sprintf("count(*) FILTER (WHERE %s) AS %s", cond, engine.Ident(flag)))
	}
	ff, err := db.QueryFrame(ctx, fmt.Sprintf("SELECT %s FROM %s", strings.Join(aggs, ", "), t.Name))
	if err != nil {
		return err
	}
	for _, flag := range names {
		if n := ff.Col(flag).Ints[0]; n > 0 {
			tl.Flags[flag] = n
		}
	}
	return nil
}
