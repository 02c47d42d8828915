package pipelines

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/pipelines/config"
)

// asOfColumn is the column whose date decides whether a row is after the
// as-of date, per table.
var asOfColumn = map[string]string{
	"customers": "signup_date", "orders": "order_ts", "interactions": "ts",
	"leads": "created_ts", "opportunities": "stage_ts", "subscriptions": "start_date",
}

// asOfMasks hide what happened after the as-of date inside rows that are
// themselves dated before it, so that a backfill sees the state of that
// day: a lead converted later is still open, a subscription ending later is
// still active, an opportunity closed later is still open. %[1]s is the
// midnight after the as-of date.
var asOfMasks = map[string]map[string]string{
	"leads": {
		"converted":    "CASE WHEN converted_ts >= TIMESTAMP %[1]s THEN false ELSE converted END",
		"converted_ts": "CASE WHEN converted_ts >= TIMESTAMP %[1]s THEN NULL ELSE converted_ts END",
		"customer_id":  "CASE WHEN converted_ts >= TIMESTAMP %[1]s THEN NULL ELSE customer_id END",
	},
	"subscriptions": {
		"end_date": "CASE WHEN end_date >= DATE %[1]s THEN NULL ELSE end_date END",
	},
	"opportunities": {
		"close_ts": "CASE WHEN close_ts >= TIMESTAMP %[1]s THEN NULL ELSE close_ts END",
		"outcome":  "CASE WHEN close_ts >= TIMESTAMP %[1]s THEN 'open' ELSE outcome END",
	},
}

// moneyFields are held as DECIMAL(18,4) in the canonical tables: sums of
// money are then exact, so they do not depend on the order in which
// DuckDB's threads add them up, and a run gives the same numbers on any
// number of threads. Published files carry them as DOUBLE.
var moneyFields = map[string]bool{
	"orders.revenue": true, "orders.cost": true, "customers.acquisition_cost": true,
	"interactions.cost": true, "opportunities.amount": true, "subscriptions.recurring_revenue": true,
}

// check applies the row rules that need the whole table or other tables
// (duplicate keys, unknown customers, dates after the as-of date) to every
// row of wh_<table>, then splits it into the canonical table (TEMP, for this
// run) and the rejects.
func check(ctx context.Context, db *engine.DB, t *config.Table, st *tableState, asOf time.Time, in *Ingest, tl *TableLoad) error {
	name := t.Name
	cutoff := engine.Quote(asOf.AddDate(0, 0, 1).Format(time.DateOnly))
	var rules []string
	if col := asOfColumn[name]; col != "" {
		rules = append(rules, fmt.Sprintf("WHEN %[1]s >= TIMESTAMP %[2]s THEN 'after_as_of|%[1]s ' || CAST(%[1]s AS VARCHAR) || ' is after the as-of date %[3]s'", col, cutoff, asOf.Format(time.DateOnly)))
	}
	var key []string
	for _, k := range t.Key {
		if st.mapped[k] {
			key = append(key, k)
		}
	}
	keyCols, dupJoin := "", ""
	if len(key) == len(t.Key) && len(key) > 0 {
		// Duplicate keys among the readable rows: the first occurrence (in
		// file name, then line order) is kept, later ones are quarantined
		// with the place of the first.
		keyCols = strings.Join(key, ", ")
		dupJoin = fmt.Sprintf(`LEFT JOIN (SELECT %[1]s, min({'f': _file, 'l': _line}) AS _first
			FROM wh_%[2]s WHERE _rule IS NULL GROUP BY %[1]s HAVING count(*) > 1) d USING (%[1]s)`, keyCols, name)
		rules = append(rules, fmt.Sprintf("WHEN _first IS NOT NULL AND {'f': _file, 'l': _line} > _first THEN 'duplicate_key|duplicate %s (first seen at line ' || _first.l || CASE WHEN _first.f <> _file THEN ' of ' || _first.f ELSE '' END || ')'", keyCols))
	}
	join := ""
	if name != "customers" && t.Field("customer_id") != nil && in.Has("customers") && in.Table("customers").Derived == "" {
		join = "LEFT JOIN (SELECT customer_id AS _known FROM customers) c ON c._known = s.customer_id"
		rules = append(rules, "WHEN s.customer_id IS NOT NULL AND _known IS NULL THEN 'unknown_customer|customer_id ' || s.customer_id || ' is not in customers'")
	}
	verdict := "NULL"
	if len(rules) > 0 {
		verdict = "CASE " + strings.Join(rules, " ") + " END"
	}
	if dupJoin == "" {
		dupJoin = "CROSS JOIN (SELECT NULL::STRUCT(f VARCHAR, l BIGINT) AS _first)"
	}
	q := fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE chk_%[1]s AS
SELECT * EXCLUDE (_verdict),
	coalesce(_rule, CASE WHEN _verdict IS NOT NULL THEN split_part(_verdict, '|', 1) END) AS _final_rule,
	coalesce(_reason, CASE WHEN _verdict IS NOT NULL THEN substr(_verdict, strpos(_verdict, '|') + 1) END) AS _final_reason
FROM (SELECT s.*, CASE WHEN s._rule IS NULL THEN %[2]s END AS _verdict
      FROM wh_%[1]s s %[3]s %[4]s)`, name, verdict, dupJoin, join)
	if err := db.Exec(ctx, q); err != nil {
		return fmt.Errorf("checking %s: %w", name, err)
	}
	var fields, rec []string
	for _, f := range t.Fields {
		v := f.Name
		if mask, ok := asOfMasks[name][f.Name]; ok {
			v = fmt.Sprintf(mask, cutoff)
		}
		if moneyFields[name+"."+f.Name] {
			v = "CAST(round(" + v + ", 4) AS DECIMAL(18,4))"
		}
		fields = append(fields, v+" AS "+f.Name)
		if st.mapped[f.Name] {
			rec = append(rec, engine.Quote(f.Name)+": "+f.Name)
		}
	}
	accept := fmt.Sprintf("CREATE OR REPLACE TEMP TABLE %s AS SELECT %s FROM chk_%s WHERE _final_rule IS NULL", name, strings.Join(fields, ", "), name)
	if err := db.Exec(ctx, accept); err != nil {
		return err
	}
	col := "coalesce(_column, CASE split_part(_final_rule, '|', 1) WHEN 'duplicate_key' THEN " + engine.Quote(keyCols) + " WHEN 'unknown_customer' THEN 'customer_id' WHEN 'after_as_of' THEN " + engine.Quote(asOfColumn[name]) + " END)"
	record := "CAST({" + strings.Join(rec, ", ") + "} AS VARCHAR)"
	if len(rec) == 0 {
		record = "NULL"
	}
	rej := fmt.Sprintf(`INSERT INTO rejects SELECT %[1]s, _file, _line, %[2]s, _final_rule, _final_reason, coalesce(_record, %[4]s)
	FROM chk_%[3]s WHERE _final_rule IS NOT NULL;
INSERT INTO rejects SELECT * FROM wh_malformed WHERE table_name = %[1]s`, engine.Quote(name), col, name, record)
	if err := db.Exec(ctx, rej); err != nil {
		return err
	}
	return account(ctx, db, t, tl)
}
