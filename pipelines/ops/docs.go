package ops

import (
	"context"
	"fmt"

	"github.com/crmbatch/crmbatch/pipelines/batch"
	"github.com/crmbatch/crmbatch/pipelines/config"
)

func col(name, typ, doc string) batch.ColumnDoc {
	return batch.ColumnDoc{Name: name, Type: typ, Doc: doc}
}

// Tables documents the runs and monitoring tables.
func Tables(cfg *config.Config) []batch.TableDoc {
	runs := []batch.ColumnDoc{
		col("as_of", "DATE", "the run's as-of date"),
		col("run_id", "VARCHAR", "the run's id (UTC start time), as in manifest.json"),
		col("started_at", "TIMESTAMP", "UTC"),
		col("seconds", "DOUBLE", "run time up to the publish"),
		col("status", "VARCHAR", "ok, or alert when monitoring thresholds were crossed (the command exited with code 4)"),
		col("customers", "BIGINT", "rows of the customer table"),
	}
	for _, t := range config.Contract {
		runs = append(runs,
			col(t.Name+"_read", "BIGINT", fmt.Sprintf("%s rows read (null when the table is not configured)", t.Name)),
			col(t.Name+"_accepted", "BIGINT", ""),
			col(t.Name+"_rejected", "BIGINT", "quarantined as errors (rows dated after the as-of date are neither accepted nor rejected)"))
	}
	runs = append(runs,
		col("rows_read", "BIGINT", "all input rows read"),
		col("rows_rejected", "BIGINT", "all input rows rejected"),
		col("reject_share", "DOUBLE", "rows_rejected / rows_read"),
		col("clv_model", "VARCHAR", "bgnbd or paretonbd: the lifetime model in the customer table"),
		col("clv_holdout_rmse", "DOUBLE", "per-customer RMSE of the chosen model's holdout repeat purchases (clv_holdout, bin all)"),
		col("clv_holdout_mae", "DOUBLE", "per-customer MAE of the same"),
		col("clv_ll_per_customer", "DOUBLE", "log-likelihood per customer of the chosen model fitted on all data (model_params)"),
		col("churn_auc", "DOUBLE", "holdout ROC AUC of the churn model (model_metrics)"),
		col("churn_log_loss", "DOUBLE", "holdout log loss of the churn model"),
		col("leads_auc", "DOUBLE", "holdout ROC AUC of the lead model"),
		col("opportunities_auc", "DOUBLE", "holdout ROC AUC of the opportunity model"),
		col("warnings", "BIGINT", "warnings in the manifest"),
		col("alerts", "BIGINT", "monitoring alerts in the manifest"),
		col("config_sha256", "VARCHAR", "hash of the effective configuration"),
		col("version", "VARCHAR", "crmbatch version"),
	)
	return []batch.TableDoc{
		{Name: RunsTable, Writer: "parquet-go", Doc: "one row per published run (read_parquet('<output>/runs/*/*.parquet') is the history); manifest.json beside it", Columns: runs},
		{Name: MonitoringTable, Writer: "parquet-go", Doc: "drift, model and data-quality checks of the run against the previous runs, one per row", Columns: []batch.ColumnDoc{
			col("metric", "VARCHAR", "psi (population stability index, 10 quantile bins of the previous run, empty bins floored at 1e-4: sum (a-e) ln(a/e)), null_share, reject_share, volume, holdout_rmse, ll_per_customer, auc"),
			col("subject", "VARCHAR", "table.column for psi and null_share, the input table for reject_share and volume, the model (clv, churn, leads, opportunities) otherwise"),
			col("value", "DOUBLE", "this run's value"),
			col("baseline", "DOUBLE", "the previous run's value (null_share) or the median of the recent runs; null for psi and without earlier runs"),
			col("threshold", "DOUBLE", "the bound the value was compared with: alert above it for psi, null_share, reject_share and holdout_rmse, below it for volume, ll_per_customer and auc (see monitoring.* in the configuration)"),
			col("status", "VARCHAR", "ok or alert"),
			col("baseline_runs", "BIGINT", "earlier runs in the baseline"),
			col("detail", "VARCHAR", "what was compared"),
		}},
	}
}

// AfterCommit is what a run does once it has published, while it still
// holds the output root's lock: prune the runs beyond keep (retention.
// keep_runs; 0 keeps all) and rebuild the catalog.
func AfterCommit(ctx context.Context, root string, keep int, docs []batch.TableDoc) (*CatalogResult, error) {
	if _, err := Prune(root, keep); err != nil {
		return nil, err
	}
	return BuildCatalog(ctx, root, docs)
}
