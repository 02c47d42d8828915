package funnel

import (
	"github.com/crmbatch/crmbatch/pipelines/batch"
	"github.com/crmbatch/crmbatch/pipelines/config"
)

func col(name, typ, doc string) batch.ColumnDoc {
	return batch.ColumnDoc{Name: name, Type: typ, Doc: doc}
}

// Tables documents the tables the stage publishes (see the package
// documentation for the definitions).
func Tables(cfg *config.Config) []batch.TableDoc {
	return []batch.TableDoc{
		{Name: "sales_funnel", Writer: "duckdb", Doc: "one row per funnel step: the leads (with leads), each open stage in funnel order, then each closing stage (with opportunities)", Columns: []batch.ColumnDoc{
			col("step", "BIGINT", "0 for leads, then 1.. in funnel order (open stages first, closing stages last)"),
			col("stage", "VARCHAR", "stage as spelled most often in the input; 'lead' for the lead step"),
			col("kind", "VARCHAR", "lead, open (the opportunity is still in play) or closed (the stage records won or lost)"),
			col("opportunities_current", "BIGINT", "opportunities whose latest stage is this one; for leads, leads without an opportunity"),
			col("opportunities_reached", "BIGINT", "open stage: opportunities that reached it or a later open stage; closed stage: opportunities with a row in it; leads: all leads"),
			col("conversion_to_next", "DOUBLE", "opportunities that reached the next open stage (after the last open stage: that were won) / opportunities_reached; leads: share of leads with an opportunity; null for closed stages"),
			col("median_days_in_stage", "DOUBLE", "median days from entering the stage to entering the opportunity's next logged stage (null without a stage log); leads: lead created to opportunity's first stage"),
			col("won", "BIGINT", "opportunities counted in opportunities_reached that were won"),
			col("lost", "BIGINT", "opportunities counted in opportunities_reached that were lost"),
			col("win_probability", "DOUBLE", "stage probability from history: won / (won + lost); null when none closed"),
			col("open_opportunities", "BIGINT", "open opportunities now in the stage"),
			col("open_amount", "DOUBLE", "sum of their latest amounts"),
			col("weighted_value", "DOUBLE", "weighted pipeline value: open_amount x win_probability; null when the probability is"),
		}},
		{Name: "win_rates", Writer: "duckdb", Doc: "win rates of opportunities overall and by source, owner and partner (tidy: one row per dimension value)", Columns: []batch.ColumnDoc{
			col("dimension", "VARCHAR", "overall, source, owner or partner"),
			col("value", "VARCHAR", "the source, owner or partner_id; null for overall and for opportunities without one"),
			col("opportunities", "BIGINT", "distinct opportunities"),
			col("won", "BIGINT", ""),
			col("lost", "BIGINT", ""),
			col("open", "BIGINT", "neither won nor lost yet"),
			col("win_rate", "DOUBLE", "won / (won + lost); null when none closed"),
			col("won_amount", "DOUBLE", "sum of the latest amounts of won opportunities"),
			col("open_amount", "DOUBLE", "sum of the latest amounts of open opportunities"),
			col("median_days_to_close", "DOUBLE", "median days from the first stage (or close) timestamp to close_ts, over closed opportunities with both"),
		}},
	}
}
