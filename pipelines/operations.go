package pipelines

import (
	"context"
	"fmt"

	"github.com/crmbatch/crmbatch/pipelines/ops"
)

// stageRunHistory stages the run's row of the runs table (package ops)
// just before the commit, from the manifest as it will be published.
func stageRunHistory(ctx context.Context, b *runState) error {
	m := b.Manifest
	r := ops.RunRecord{AsOf: b.AsOf, RunID: m.RunID, StartedAt: m.StartedAt, Seconds: m.Seconds,
		Warnings: len(m.Warnings), Alerts: len(m.Alerts), ConfigSHA256: m.ConfigSHA256, Version: m.Version}
	if b.Customers != nil {
		r.Customers = int64(b.Customers.Len())
	}
	for _, t := range m.Inputs {
		r.Inputs = append(r.Inputs, ops.InputCount{Table: t.Table, Read: t.Read, Accepted: t.Accepted, Rejected: t.Rejected, AfterAsOf: t.Excluded})
	}
	return ops.StageRun(ctx, b.DB, b.Pub, r)
}

// afterCommit prunes old runs (retention.keep_runs) and rebuilds the BI
// catalog while the run still holds the output root's lock.
func afterCommit(ctx context.Context, b *runState) error {
	res, err := ops.AfterCommit(ctx, b.Pub.Root, b.Cfg.Retention.KeepRuns, Schema(b.Cfg))
	if err != nil {
		return fmt.Errorf("the run is published, but the catalog was not rebuilt: %w", err)
	}
	b.Log.Info("catalog rebuilt", "path", res.Path, "as_of", res.AsOf, "views", len(res.Views))
	return nil
}
