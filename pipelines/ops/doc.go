// Package ops keeps a crmbatch output root operable from one night to the
// next: the run history, monitoring against earlier runs, retention, and
// the DuckDB catalog that BI tools open.
//
//   - history.go: every published run adds one row to the runs table
//     (<root>/runs/as_of=<date>/part-0.parquet, beside manifest.json), so
//     read_parquet('<root>/runs/*/*.parquet') is the whole history.
//   - monitor.go: the monitoring stage (population stability index of the
//     key features and scores against the previous run, model metrics and
//     data quality against the recent runs) publishes the monitoring table
//     and raises alerts when thresholds in config.Monitoring are crossed.
//   - retention.go: pruning of old as-of partitions (retention.keep_runs)
//     and the output root's lock for commands outside a run.
//   - catalog.go: <root>/catalog.duckdb with one view per table over the
//     run BI tools see (<root>/_published) and a <table>_history view over
//     every run, with the documented column comments.
//
// The package does not import package pipelines (which calls it from its
// publish step): callers pass the run's numbers and the table docs in.
package ops
