package pipelines

import (
	"github.com/crmbatch/crmbatch/pipelines/batch"
	"github.com/crmbatch/crmbatch/pipelines/clv"
	"github.com/crmbatch/crmbatch/pipelines/config"
	"github.com/crmbatch/crmbatch/pipelines/expansion"
	"github.com/crmbatch/crmbatch/pipelines/funnel"
	"github.com/crmbatch/crmbatch/pipelines/ops"
	"github.com/crmbatch/crmbatch/pipelines/portfolio"
	"github.com/crmbatch/crmbatch/pipelines/report"
	"github.com/crmbatch/crmbatch/pipelines/scoring"
	"github.com/crmbatch/crmbatch/pipelines/segments"
)

// ModelStages run, in this order, after the customer table and before
// publishing. Each adds columns to the customer table or stages outputs of
// its own; a stage whose inputs are absent is skipped with its reason in the
// manifest.
var ModelStages = []batch.Stage{
	clv.Stage,
	clv.SubscriptionStage,
	scoring.ChurnStage,
	scoring.LeadsStage,
	scoring.OpportunitiesStage,
	scoring.MetricsStage,
	// Portfolio: rfm, clusters, lifecycle, profitability (after the scores).
	portfolio.Stages[0], portfolio.Stages[1], portfolio.Stages[2], portfolio.Stages[3],
	// Keep last: funnel, expansion, then segments (which reads every column).
	funnel.Stage,
	expansion.Stage,
	segments.Stage,
	// Monitoring reads the staged model outputs; the report reads it.
	ops.Stage,
	// The report reads what every stage before it staged: keep it last.
	report.Stage,
}

// modelColumns documents the customer-table columns the model stages add.
func modelColumns(cfg *config.Config) []batch.ColumnDoc {
	var out []batch.ColumnDoc
	out = append(out, clv.Columns(cfg)...)
	out = append(out, scoring.Columns(cfg)...)
	out = append(out, portfolio.Columns(cfg)...)
	out = append(out, expansion.Columns(cfg)...)
	return out
}

// stageTables documents the tables the model stages publish.
func stageTables(cfg *config.Config) []batch.TableDoc {
	var out []batch.TableDoc
	out = append(out, clv.Tables(cfg)...)
	out = append(out, scoring.Tables(cfg)...)
	out = append(out, portfolio.Tables(cfg)...)
	out = append(out, funnel.Tables(cfg)...)
	out = append(out, expansion.Tables(cfg)...)
	out = append(out, segments.Tables(cfg)...)
	out = append(out, ops.Tables(cfg)...)
	out = append(out, report.Tables(cfg)...) // a file, not a table: no columns
	return out
}
