package segments

import (
	"context"
	"fmt"
	"strings"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/pipelines/batch"
	"github.com/crmbatch/crmbatch/pipelines/config"
)

// Stage publishes the run's contacts and exports the segments marked
// export_on_run into the published segments and segment_sizes tables. A
// segment that cannot be evaluated on this run's customer table does not
// stop the batch, but it is an alert (exit code 4) and a failed row of
// segment_sizes, which the monitoring stage reports: a campaign that
// expects its list every night must not go quietly without one.
var Stage = batch.Stage{Name: "segments", Run: run}

func run(ctx context.Context, b *batch.Batch) error {
	if err := b.DB.Exec(ctx, "CREATE OR REPLACE TEMP TABLE contacts AS "+ContactsSQL()); err != nil {
		return fmt.Errorf("segments: contacts: %w", err)
	}
	defer b.DB.Exec(ctx, "DROP TABLE IF EXISTS contacts")
	if err := b.Out.CopyQuery(ctx, b.DB, ContactsTable, "SELECT * FROM contacts ORDER BY customer_id"); err != nil {
		return err
	}
	var names []string
	for _, n := range b.Cfg.SegmentNames() {
		if s := b.Cfg.Segments[n]; s != nil && s.ExportOnRun {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return batch.Skip("no segment has export_on_run (contacts published)")
	}
	if err := b.SyncCustomers(ctx); err != nil {
		return err
	}
	rel := Join("customer_table", "contacts")
	columns, err := b.DB.Strings(ctx, "SELECT column_name FROM (DESCRIBE SELECT * FROM "+rel+")")
	if err != nil {
		return err
	}
	var members, sizes []string
	for _, n := range names {
		seg := *b.Cfg.Segments[n]
		seg.Columns = nil
		q, err := CompileSegment(n, &seg, columns)
		var c Counts
		if err == nil {
			c, err = q.Count(ctx, b.DB, rel)
		}
		if err != nil {
			b.Alert("segments: %v; the segment export_on_run was not exported (see crmbatch segment list)", err)
			sizes = append(sizes, fmt.Sprintf("(%s, %s, %s, 0, 0, 0, 0, 0, 'failed', %s)", engine.Quote(n), engine.Quote(seg.Channel), engine.Quote(seg.Expression), engine.Quote(err.Error())))
			continue
		}
		q.Columns = []string{"customer_id", "name", "email", "phone"}
		q.exprs = []string{"customer_id", "name", exportedEmail(q.Channel), exportedPhone(q.Channel)}
		members = append(members, fmt.Sprintf("SELECT %s AS segment, %s AS channel, customer_id, name, email, phone FROM (%s)", engine.Quote(n), engine.Quote(q.Channel), q.Select(rel)))
		sizes = append(sizes, fmt.Sprintf("(%s, %s, %s, %d, %d, %d, %d, %d, 'ok', NULL)", engine.Quote(n), engine.Quote(q.Channel), engine.Quote(seg.Expression), c.Matched, c.Exported, c.LeftOut, c.Invalid, c.Duplicate))
		if b.Log != nil {
			b.Log.Info("segment exported", "segment", n, "matched", c.Matched, "exported", c.Exported, "left_out_no_consent", c.LeftOut, "left_out_invalid_contact", c.Invalid, "left_out_duplicate", c.Duplicate)
		}
	}
	if len(members) == 0 {
		members = []string{"SELECT NULL::VARCHAR AS segment, NULL::VARCHAR AS channel, NULL::VARCHAR AS customer_id, NULL::VARCHAR AS name, NULL::VARCHAR AS email, NULL::VARCHAR AS phone WHERE false"}
	}
	if err := b.Out.CopyQuery(ctx, b.DB, "segments", "SELECT * FROM ("+strings.Join(members, " UNION ALL ")+") ORDER BY segment, customer_id"); err != nil {
		return err
	}
	return b.Out.CopyQuery(ctx, b.DB, "segment_sizes", `SELECT segment::VARCHAR AS segment, channel::VARCHAR AS channel, expression::VARCHAR AS expression,
	matched::BIGINT AS matched, exported::BIGINT AS exported, left_out_no_consent::BIGINT AS left_out_no_consent,
	left_out_invalid_contact::BIGINT AS left_out_invalid_contact, left_out_duplicate::BIGINT AS left_out_duplicate,
	status::VARCHAR AS status, error::VARCHAR AS error
FROM (VALUES `+strings.Join(sizes, ", ")+`) v(segment, channel, expression, matched, exported, left_out_no_consent, left_out_invalid_contact, left_out_duplicate, status, error) ORDER BY segment`)
}

// exportedEmail and exportedPhone are the contact columns of the segments
// table: what the channel may send to (masked by opt-in for ads).
func exportedEmail(channel string) string {
	switch channel {
	case "email":
		return "lower(trim(email)) AS email"
	case "ads":
		return "CASE WHEN " + adsEmail + " THEN lower(trim(email)) END AS email"
	case "sms":
		return "NULL::VARCHAR AS email"
	}
	return "email"
}

func exportedPhone(channel string) string {
	switch channel {
	case "sms":
		return "phone"
	case "ads":
		return "CASE WHEN " + adsPhone + " THEN phone END AS phone"
	}
	return "NULL::VARCHAR AS phone"
}

func col(name, typ, doc string) batch.ColumnDoc {
	return batch.ColumnDoc{Name: name, Type: typ, Doc: doc}
}

// Tables documents the tables the stage publishes.
func Tables(cfg *config.Config) []batch.TableDoc {
	return []batch.TableDoc{
		{Name: ContactsTable, Writer: "duckdb", Doc: "personal data: each customer's contact details normalised for export (first and last name, E.164 phone, SHA-256 of email and phone); left out of the BI catalog unless catalog.personal_data is set", Columns: contactColumns},
		{Name: "segments", Writer: "duckdb", Doc: "members of the segments marked export_on_run: one row per contact that opted in to the segment's channel", Columns: []batch.ColumnDoc{
			col("segment", "VARCHAR", "segment name in the configuration"),
			col("channel", "VARCHAR", "email, sms, ads or none"),
			col("customer_id", "VARCHAR", ""),
			col("name", "VARCHAR", ""),
			col("email", "VARCHAR", "lower-cased email, for channels email and ads (under email opt-in)"),
			col("phone", "VARCHAR", "E.164 phone, for channels sms and ads (under SMS opt-in)"),
		}},
		{Name: "segment_sizes", Writer: "duckdb", Doc: "size of each segment marked export_on_run, with the customers left out and why", Columns: []batch.ColumnDoc{
			col("segment", "VARCHAR", ""),
			col("channel", "VARCHAR", "email, sms, ads or none"),
			col("expression", "VARCHAR", "the filter as configured"),
			col("matched", "BIGINT", "customers for whom the expression is true"),
			col("exported", "BIGINT", "rows in segments: matched - left_out_no_consent - left_out_invalid_contact - left_out_duplicate"),
			col("left_out_no_consent", "BIGINT", "matched customers without an opt-in for the channel"),
			col("left_out_invalid_contact", "BIGINT", "matched customers with the opt-in but no valid email or phone for the channel"),
			col("left_out_duplicate", "BIGINT", "matched customers whose email or phone is that of an exported customer (one row per contact)"),
			col("status", "VARCHAR", "ok, or failed: the expression could not be evaluated on this run (an alert)"),
			col("error", "VARCHAR", "why a failed segment failed; null when ok"),
		}},
	}
}
