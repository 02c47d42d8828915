package segments

import (
	"context"
	"fmt"
	"strings"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/pipelines/batch"
	"github.com/crmbatch/crmbatch/pipelines/config"
)

// Stage exports the segments marked export_on_run at the end of a run into
// the published segments and segment_sizes tables. A segment whose
// expression does not fit this run's customer table is left out with a
// warning in the manifest: a marketer's filter never fails the batch.
var Stage = batch.Stage{Name: "segments", Run: run}

func run(ctx context.Context, b *batch.Batch) error {
	var names []string
	for _, n := range b.Cfg.SegmentNames() {
		if s := b.Cfg.Segments[n]; s != nil && s.ExportOnRun {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return batch.Skip("no segment has export_on_run")
	}
	if err := b.SyncCustomers(ctx); err != nil {
		return err
	}
	columns := b.Customers.Names()
	var members, sizes []string
	for _, n := range names {
		q, err := Compile(b.Cfg, n, columns)
		if err == nil {
			q.Columns = []string{"customer_id", "name", "email"}
			var c Counts
			if c, err = q.Count(ctx, b.DB, "customer_table"); err == nil {
				members = append(members, fmt.Sprintf("SELECT %s AS segment, %s AS channel, customer_id, name, email FROM (%s)", engine.Quote(n), engine.Quote(q.Channel), q.Select("customer_table")))
				sizes = append(sizes, fmt.Sprintf("(%s, %s, %s, %d, %d, %d)", engine.Quote(n), engine.Quote(q.Channel), engine.Quote(b.Cfg.Segments[n].Expression), c.Matched, c.Exported, c.LeftOut))
				if b.Log != nil {
					b.Log.Info("segment exported", "segment", n, "matched", c.Matched, "exported", c.Exported, "left_out_no_consent", c.LeftOut)
				}
				continue
			}
		}
		b.Warn("segments: %v; the segment was not exported", err)
	}
	if len(members) == 0 {
		members = []string{"SELECT NULL::VARCHAR AS segment, NULL::VARCHAR AS channel, NULL::VARCHAR AS customer_id, NULL::VARCHAR AS name, NULL::VARCHAR AS email WHERE false"}
		sizes = []string{"(NULL, NULL, NULL, 0, 0, 0)"}
	}
	if err := b.Out.CopyQuery(ctx, b.DB, "segments", "SELECT * FROM ("+strings.Join(members, " UNION ALL ")+") ORDER BY segment, customer_id"); err != nil {
		return err
	}
	return b.Out.CopyQuery(ctx, b.DB, "segment_sizes", `SELECT segment::VARCHAR AS segment, channel::VARCHAR AS channel, expression::VARCHAR AS expression, matched::BIGINT AS matched, exported::BIGINT AS exported, left_out_no_consent::BIGINT AS left_out_no_consent
FROM (VALUES `+strings.Join(sizes, ", ")+`) v(segment, channel, expression, matched, exported, left_out_no_consent) WHERE segment IS NOT NULL ORDER BY segment`)
}

func col(name, typ, doc string) batch.ColumnDoc {
	return batch.ColumnDoc{Name: name, Type: typ, Doc: doc}
}

// Tables documents the tables the stage publishes.
func Tables(cfg *config.Config) []batch.TableDoc {
	return []batch.TableDoc{
		{Name: "segments", Writer: "duckdb", Doc: "members of the segments marked export_on_run who opted in to the segment's channel", Columns: []batch.ColumnDoc{
			col("segment", "VARCHAR", "segment name in the configuration"),
			col("channel", "VARCHAR", "email, sms or none"),
			col("customer_id", "VARCHAR", ""),
			col("name", "VARCHAR", ""),
			col("email", "VARCHAR", ""),
		}},
		{Name: "segment_sizes", Writer: "duckdb", Doc: "size of each segment marked export_on_run, with the customers left out for lack of consent", Columns: []batch.ColumnDoc{
			col("segment", "VARCHAR", ""),
			col("channel", "VARCHAR", "email, sms or none"),
			col("expression", "VARCHAR", "the filter as configured"),
			col("matched", "BIGINT", "customers for whom the expression is true"),
			col("exported", "BIGINT", "of those, customers who opted in to the channel (rows in segments)"),
			col("left_out_no_consent", "BIGINT", "matched - exported: customers without an opt-in for the channel"),
		}},
	}
}
