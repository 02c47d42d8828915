package pipelines

import (
	"context"
	"errors"
	"strings"

	"github.com/crmbatch/crmbatch/pipelines/batch"
	"github.com/crmbatch/crmbatch/pipelines/scoring"
)

// stageChecks say, from the loaded inputs alone, whether a stage will have
// what it needs; validate runs them so that "the run will skip the
// opportunities stage, and why" is known before a night is spent on it.
var stageChecks = []struct {
	stage string
	check func(context.Context, *batch.Batch) error
}{
	{"opportunities", scoring.CheckOpportunities},
}

// checkStages records, as warnings, each stage the run would skip.
func checkStages(ctx context.Context, b *runState) error {
	for _, c := range stageChecks {
		err := c.check(ctx, b.Batch)
		switch {
		case errors.Is(err, batch.ErrSkipped):
			b.Warn("the run will skip stage %s: %s", c.stage, strings.TrimPrefix(strings.TrimPrefix(err.Error(), "skipped: "), c.stage+": "))
		case err != nil:
			return err
		}
	}
	return nil
}
