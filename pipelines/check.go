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
// (dates after the as-of date, duplicate keys, unknown customers) to the
// readable rows of wh_<table>. The few rows that break one are gathered in
// prob_<table>, by warehouse rowid; the canonical table (TEMP, for this
// run) is every readable row not among them, and the rejects are those
// rows and the rows staged with a rule, with their physical line and their
// text as it stands in the file (records.go). Nothing here builds a string
// for a row that is not rejected.
func check(ctx context.Context, db *engine.DB, cfg *config.Config, t *config.Table, src *config.Source, st *tableState, asOf time.Time, in *Ingest, tl *TableLoad) error {
	name := t.Name
	wh := "wh_" + name
	cutoff := engine.Quote(asOf.AddDate(0, 0, 1).Format(time.DateOnly))
	const noFirst = "CAST(NULL AS STRUCT(f VARCHAR, k BIGINT))"
	var probs []string
	if col := asOfColumn[name]; col != "" {
		probs = append(probs, fmt.Sprintf(`SELECT rowid AS _id, 1 AS _prio, 'after_as_of' AS _prule,
	'%[1]s ' || CAST(%[1]s AS VARCHAR) || ' is after the as-of date %[3]s' AS _preason, '%[1]s' AS _pcol, %[5]s AS _first
FROM %[4]s WHERE _rule IS NULL AND %[1]s >= TIMESTAMP %[2]s`, col, cutoff, asOf.Format(time.DateOnly), wh, noFirst))
		// Dates before min_date are typos and placeholders (0001-01-01,
		// 1900-01-01): taken at their word they would stretch every
		// customer's history by centuries.
		min := cfg.MinDateTime().Format(time.DateOnly)
		probs = append(probs, fmt.Sprintf(`SELECT rowid, 1, 'implausible_date',
	'%[1]s ' || CAST(%[1]s AS VARCHAR) || ' is before min_date %[2]s (the earliest plausible date; set min_date lower if it is real)', '%[1]s', %[4]s
FROM %[3]s WHERE _rule IS NULL AND %[1]s < TIMESTAMP %[5]s`, col, min, wh, noFirst, engine.Quote(min)))
	}
	var key []string
	for _, k := range t.Key {
		if st.mapped[k] {
			key = append(key, k)
		}
	}
	keyCols := ""
	if len(key) == len(t.Key) && len(key) > 0 {
		// Duplicate keys among the readable rows: the first occurrence (in
		// file name, then line order) is kept, later ones are quarantined
		// with the place of the first.
		keyCols = strings.Join(key, ", ")
		// Keys are grouped by their 64-bit hash first (a cheap aggregate
		// over every row); only rows whose hash repeats are grouped by the
		// key itself.
		q := fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE duph_%[3]s AS
SELECT h FROM (SELECT hash(%[1]s) AS h FROM %[2]s WHERE _rule IS NULL) GROUP BY h HAVING count(*) > 1;
CREATE OR REPLACE TEMP TABLE dupw_%[3]s AS
SELECT rowid AS _id, _file, _k, %[1]s FROM %[2]s WHERE _rule IS NULL AND hash(%[1]s) IN (SELECT h FROM duph_%[3]s)`, keyCols, wh, name)
		if err := db.Exec(ctx, q); err != nil {
			return fmt.Errorf("checking %s: %w", name, err)
		}
		probs = append(probs, fmt.Sprintf(`SELECT w._id, 2, 'duplicate_key', NULL, %[3]s, d._first
FROM dupw_%[2]s w JOIN (SELECT %[1]s, min({'f': _file, 'k': _k}) AS _first FROM dupw_%[2]s GROUP BY %[1]s HAVING count(*) > 1) d USING (%[1]s)
WHERE {'f': w._file, 'k': w._k} > d._first`, keyCols, name, engine.Quote(keyCols)))
	}
	if name != "customers" && t.Field("customer_id") != nil && in.Has("customers") && in.Table("customers").Derived == "" {
		// A customer that is itself quarantined: its rows say so, and
		// name the customer's line, rather than call it unknown.
		probs = append(probs, fmt.Sprintf(`SELECT w.rowid, 3, 'customer_quarantined',
	'customer ' || w.customer_id || ' is quarantined (' || q.file || ' line ' || q.line || ': ' || q.rule || ')', 'customer_id', %[2]s
FROM %[1]s w JOIN quarantined_customers q ON q.customer_id = w.customer_id
WHERE w._rule IS NULL`, wh, noFirst))
		probs = append(probs, fmt.Sprintf(`SELECT w.rowid, 4, 'unknown_customer', 'customer_id ' || w.customer_id || ' is not in customers', 'customer_id', %[2]s
FROM %[1]s w ANTI JOIN (SELECT customer_id FROM customers UNION ALL SELECT customer_id FROM quarantined_customers) c ON c.customer_id = w.customer_id
WHERE w._rule IS NULL AND w.customer_id IS NOT NULL`, wh, noFirst))
	}
	if len(probs) == 0 {
		probs = append(probs, "SELECT 0 AS _id, 0 AS _prio, '' AS _prule, '' AS _preason, '' AS _pcol, "+noFirst+" AS _first WHERE false")
	}
	q := fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE prob_%[1]s AS
SELECT _id, arg_min({'rule': _prule, 'reason': _preason, 'col': _pcol, 'first': _first}, _prio) AS p FROM (%[2]s) GROUP BY _id`,
		name, strings.Join(probs, "\nUNION ALL\n"))
	if err := db.Exec(ctx, q); err != nil {
		return fmt.Errorf("checking %s: %w", name, err)
	}
	var fields, rec []string
	for _, f := range t.Fields {
		v := f.Name // unqualified: prob_<table> has only _id and p
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
	accept := fmt.Sprintf("CREATE OR REPLACE TEMP TABLE %[1]s AS SELECT %[2]s FROM %[3]s w ANTI JOIN prob_%[1]s p ON p._id = w.rowid WHERE w._rule IS NULL",
		name, strings.Join(fields, ", "), wh)
	if err := db.Exec(ctx, accept); err != nil {
		return err
	}
	record := "CAST({" + strings.Join(rec, ", ") + "} AS VARCHAR)"
	if len(rec) == 0 {
		record = "CAST(NULL AS VARCHAR)"
	}
	rejected := fmt.Sprintf(`SELECT w.rowid AS _id, w._file, w._k, w._column AS column_name, w._rule AS rule, w._reason AS reason, w._record AS record, %[3]s AS _first, %[2]s AS _as_read
FROM %[1]s w WHERE w._rule IS NOT NULL AND w._rule <> 'filtered'
UNION ALL
SELECT w.rowid, w._file, w._k, p.p.col, p.p.rule, p.p.reason, w._record, p.p.first, %[2]s
FROM %[1]s w JOIN prob_%[4]s p ON p._id = w.rowid`, wh, record, noFirst, name)
	withLines := lineSQL(name, fmt.Sprintf("SELECT *, _first.f AS _ff, _first.k AS _fk FROM (%s)", rejected), "_file", "_k", "line")
	withLines = lineSQL(name, withLines, "_ff", "_fk", "first_line")
	if err := db.Exec(ctx, fmt.Sprintf("CREATE OR REPLACE TEMP TABLE rej_%s AS %s", name, withLines)); err != nil {
		return err
	}
	if err := fillRecords(ctx, db, name, src); err != nil {
		return err
	}
	if name == "customers" {
		// Customers quarantined for any rule but a repeated key (whose
		// first row stays), also those the CSV reader rejected (their id
		// read from their text, badKeys): their other rows are
		// customer_quarantined.
		if err := db.Exec(ctx, `CREATE OR REPLACE TEMP TABLE quarantined_customers AS
SELECT w.customer_id, arg_min(r._file, r.line) AS file, min(r.line) AS line, arg_min(r.rule, r.line) AS rule
FROM rej_customers r JOIN wh_customers w ON w.rowid = r._id
WHERE w.customer_id IS NOT NULL AND w.customer_id NOT IN (SELECT customer_id FROM customers WHERE customer_id IS NOT NULL)
GROUP BY w.customer_id
UNION ALL
SELECT key, arg_min(source_file, line), min(line), arg_min(rule, line) FROM wh_malformed
WHERE table_name = 'customers' AND key IS NOT NULL AND key NOT IN (SELECT customer_id FROM customers WHERE customer_id IS NOT NULL)
GROUP BY key`); err != nil {
			return err
		}
	}
	notes, err := noteFlags(ctx, db, name)
	if err != nil {
		return err
	}
	reason := fmt.Sprintf("CASE WHEN rule = 'duplicate_key' THEN 'duplicate %s (first seen at line ' || first_line || CASE WHEN _ff <> _file THEN ' of ' || _ff ELSE '' END || ')' ELSE reason END", keyCols)
	rej := fmt.Sprintf(`INSERT INTO rejects SELECT %[1]s, _file, line, column_name, rule, %[2]s, coalesce(record, _as_read) FROM rej_%[3]s;
INSERT INTO rejects SELECT table_name, source_file, line, column_name, rule, reason, record FROM wh_malformed WHERE table_name = %[1]s;
DROP TABLE rej_%[3]s; DROP TABLE prob_%[3]s; DROP TABLE IF EXISTS duph_%[3]s; DROP TABLE IF EXISTS dupw_%[3]s`, engine.Quote(name), reason, name)
	if err := db.Exec(ctx, rej); err != nil {
		return err
	}
	if err := account(ctx, db, t, tl); err != nil {
		return err
	}
	for flag, n := range notes {
		tl.Flags[flag] += n
	}
	return nil
}

// noteFlags counts the flags that staging noted on the rows that are kept
// (_note: a value set to null, an identifier trimmed), by flag.
func noteFlags(ctx context.Context, db *engine.DB, table string) (map[string]int64, error) {
	f, err := db.QueryFrame(ctx, fmt.Sprintf(`SELECT flag, count(*) AS n FROM (
	SELECT unnest(string_split(w._note, ',')) AS flag FROM wh_%[1]s w ANTI JOIN prob_%[1]s p ON p._id = w.rowid
	WHERE w._note IS NOT NULL AND w._rule IS NULL) GROUP BY flag ORDER BY flag`, table))
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for i := 0; i < f.Len(); i++ {
		out[f.Col("flag").Strings[i]] = f.Col("n").Ints[i]
	}
	return out, nil
}
