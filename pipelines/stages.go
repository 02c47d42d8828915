package pipelines

import (
	"github.com/crmbatch/crmbatch/pipelines/batch"
	"github.com/crmbatch/crmbatch/pipelines/config"
)

// ModelStages run, in this order, after the customer table and before
// publishing. Each adds columns to the customer table or stages outputs of
// its own; a stage whose inputs are absent is skipped with its reason in the
// manifest.
var ModelStages = []batch.Stage{}

// modelColumns documents the customer-table columns the model stages add.
func modelColumns(cfg *config.Config) []batch.ColumnDoc {
	var out []batch.ColumnDoc
	return out
}

// stageTables documents the tables the model stages publish.
func stageTables(cfg *config.Config) []batch.TableDoc {
	var out []batch.TableDoc
	return out
}
