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

// check applies the row rules that need the whole table or other tables
// (duplicate keys, unknown customers, dates after the as-of date), then
// splits stg_<table> into the canonical table and the rejects.
func check(ctx context.Context, db *engine.DB, t *config.Table, r *reader, asOf time.Time, in *Ingest, tl *TableLoad) error {
	name := t.Name
	cutoff := engine.Quote(asOf.AddDate(0, 0, 1).Format(time.DateOnly))
	var rules []string
	if col := asOfColumn[name]; col != "" {
		rules = append(rules, fmt.Sprintf("WHEN %[1]s >= TIMESTAMP %[2]s THEN 'after_as_of|%[1]s ' || CAST(%[1]s AS VARCHAR) || ' is after the as-of date %[3]s'", col, cutoff, asOf.Format(time.DateOnly)))
	}
	var key []string
	for _, k := range t.Key {
		if _, ok := r.direct[k]; ok {
			key = append(key, k)
		} else if _, ok := r.exprs[k]; ok {
			key = append(key, k)
		}
	}
	keyCols, dupJoin := "", ""
	if len(key) == len(t.Key) && len(key) > 0 {
		// Duplicate keys among the readable rows: the first occurrence is
		// kept, later ones are quarantined with the line of the first.
		keyCols = strings.Join(key, ", ")
		dupJoin = fmt.Sprintf(`LEFT JOIN (SELECT %[1]s, min(_row) AS _first_row, arg_min(_line, _row) AS _first_line
			FROM stg_%[2]s WHERE _rule IS NULL GROUP BY %[1]s HAVING count(*) > 1) d USING (%[1]s)`, keyCols, name)
		rules = append(rules, fmt.Sprintf("WHEN _first_row IS NOT NULL AND _row > _first_row THEN 'duplicate_key|duplicate %s (first seen at line ' || _first_line || ')'", keyCols))
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
		dupJoin = "CROSS JOIN (SELECT NULL::BIGINT AS _first_row, NULL::BIGINT AS _first_line)"
	}
	q := fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE chk_%[1]s AS
SELECT * EXCLUDE (_verdict),
	coalesce(_rule, CASE WHEN _verdict IS NOT NULL THEN split_part(_verdict, '|', 1) END) AS _final_rule,
	coalesce(_reason, CASE WHEN _verdict IS NOT NULL THEN substr(_verdict, strpos(_verdict, '|') + 1) END) AS _final_reason
FROM (SELECT s.*, CASE WHEN s._rule IS NULL THEN %[2]s END AS _verdict
      FROM stg_%[1]s s %[3]s %[4]s)`, name, verdict, dupJoin, join)
	if err := db.Exec(ctx, q); err != nil {
		return fmt.Errorf("checking %s: %w", name, err)
	}
	var fields []string
	for _, f := range t.Fields {
		fields = append(fields, f.Name)
	}
	accept := fmt.Sprintf("CREATE OR REPLACE TEMP TABLE %s AS SELECT %s FROM chk_%s WHERE _final_rule IS NULL", name, strings.Join(fields, ", "), name)
	if err := db.Exec(ctx, accept); err != nil {
		return err
	}
	col := "coalesce(_column, CASE split_part(_final_rule, '|', 1) WHEN 'duplicate_key' THEN " + engine.Quote(keyCols) + " WHEN 'unknown_customer' THEN 'customer_id' WHEN 'after_as_of' THEN " + engine.Quote(asOfColumn[name]) + " END)"
	rej := fmt.Sprintf(`INSERT INTO rejects SELECT %[1]s, _file, _line, %[2]s, _final_rule, _final_reason, %[4]s
	FROM chk_%[3]s c JOIN raw_%[3]s w ON w.rowid = c._row WHERE _final_rule IS NOT NULL`, engine.Quote(name), col, name, r.recordSQL())
	if err := db.Exec(ctx, rej); err != nil {
		return err
	}
	if r.format() == "csv" {
		q := fmt.Sprintf(`INSERT INTO rejects
SELECT %[1]s, s.file_path, e.line, first(e.column_name ORDER BY e.column_idx),
	CASE WHEN bool_and(CAST(e.error_type AS VARCHAR) = 'CAST') THEN 'unreadable_value' ELSE 'malformed_line' END,
	string_agg(e.error_message, '; ' ORDER BY e.column_idx), trim(first(e.csv_line), chr(13) || chr(10))
FROM csv_rejects e JOIN csv_scans s USING (scan_id, file_id)
WHERE e.scan_id > %[2]d GROUP BY s.file_path, e.line ORDER BY s.file_path, e.line`, engine.Quote(name), r.scanFrom)
		if err := db.Exec(ctx, q); err != nil {
			return err
		}
	}
	// Report transcoded files under their own names.
	for _, f := range r.files {
		if f.readPath != f.Path {
			if err := db.Exec(ctx, "UPDATE rejects SET source_file = ? WHERE source_file = ?", f.Path, f.readPath); err != nil {
				return err
			}
		}
	}
	return account(ctx, db, t, r, tl)
}
