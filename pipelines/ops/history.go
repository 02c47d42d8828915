package ops

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/engine/frame"
	"github.com/crmbatch/crmbatch/pipelines/batch"
	"github.com/crmbatch/crmbatch/pipelines/config"
)

// RunsTable is the run history table; its partitions also hold each run's
// manifest.json.
const RunsTable = "runs"

// RunRecord is what the publish step knows about a run when it stages the
// run's history row.
type RunRecord struct {
	AsOf         time.Time
	RunID        string
	StartedAt    time.Time
	Seconds      float64
	Inputs       []InputCount
	Customers    int64
	Warnings     int
	Alerts       int
	ConfigSHA256 string
	Version      string
}

// InputCount is the ingest accounting of one input table: read = accepted
// + rejected + after_as_of.
type InputCount struct {
	Table                               string
	Read, Accepted, Rejected, AfterAsOf int64
}

// ModelMetrics are the headline model metrics of one run; NaN (and "")
// when the model did not run.
type ModelMetrics struct {
	CLVModel       string  // bgnbd or paretonbd: the model in the customer table
	HoldoutRMSE    float64 // clv_holdout, bin "all", chosen model
	HoldoutMAE     float64
	LLPerCustomer  float64 // model_params, full fit of the chosen model: log-likelihood / customers
	ChurnAUC       float64 // model_metrics churn holdout_auc
	ChurnLogLoss   float64 // model_metrics churn holdout_log_loss
	LeadsAUC       float64 // model_metrics leads holdout_auc
	OpportunityAUC float64 // model_metrics opportunities holdout_auc
}

// StageRun stages the run's history row as table runs. The model metrics
// are read from the run's staged clv_holdout, model_params and
// model_metrics outputs.
func StageRun(ctx context.Context, db *engine.DB, out batch.Outputs, r RunRecord) error {
	mm, err := readModelMetrics(ctx, db, out.Staged)
	if err != nil {
		return fmt.Errorf("runs: %w", err)
	}
	return out.WriteFrame(RunsTable, runFrame(r, mm))
}

func runFrame(r RunRecord, mm ModelMetrics) *frame.Frame {
	status := "ok"
	if r.Alerts > 0 {
		status = "alert"
	}
	f := &frame.Frame{}
	f.Add(frame.NewDate("as_of", []int64{r.AsOf.Unix() / 86400}, nil))
	f.Add(frame.NewString("run_id", []string{r.RunID}, nil))
	f.Add(&frame.Column{Name: "started_at", Kind: frame.Timestamp, Ints: []int64{r.StartedAt.UTC().UnixMicro()}})
	f.Add(frame.NewFloat("seconds", []float64{r.Seconds}))
	f.Add(frame.NewString("status", []string{status}, nil))
	f.Add(frame.NewInt("customers", []int64{r.Customers}, nil))
	var read, rejected int64
	for _, t := range config.Contract {
		var in *InputCount
		for i := range r.Inputs {
			if r.Inputs[i].Table == t.Name {
				in = &r.Inputs[i]
			}
		}
		ok := []bool{in != nil}
		var c InputCount
		if in != nil {
			c = *in
			read += c.Read
			rejected += c.Rejected
		}
		f.Add(frame.NewInt(t.Name+"_read", []int64{c.Read}, ok))
		f.Add(frame.NewInt(t.Name+"_accepted", []int64{c.Accepted}, ok))
		f.Add(frame.NewInt(t.Name+"_rejected", []int64{c.Rejected}, ok))
	}
	f.Add(frame.NewInt("rows_read", []int64{read}, nil))
	f.Add(frame.NewInt("rows_rejected", []int64{rejected}, nil))
	share := 0.0
	if read > 0 {
		share = float64(rejected) / float64(read)
	}
	f.Add(frame.NewFloat("reject_share", []float64{share}))
	f.Add(frame.NewString("clv_model", []string{mm.CLVModel}, []bool{mm.CLVModel != ""}))
	f.Add(frame.NewFloat("clv_holdout_rmse", []float64{mm.HoldoutRMSE}))
	f.Add(frame.NewFloat("clv_holdout_mae", []float64{mm.HoldoutMAE}))
	f.Add(frame.NewFloat("clv_ll_per_customer", []float64{mm.LLPerCustomer}))
	f.Add(frame.NewFloat("churn_auc", []float64{mm.ChurnAUC}))
	f.Add(frame.NewFloat("churn_log_loss", []float64{mm.ChurnLogLoss}))
	f.Add(frame.NewFloat("leads_auc", []float64{mm.LeadsAUC}))
	f.Add(frame.NewFloat("opportunities_auc", []float64{mm.OpportunityAUC}))
	f.Add(frame.NewInt("warnings", []int64{int64(r.Warnings)}, nil))
	f.Add(frame.NewInt("alerts", []int64{int64(r.Alerts)}, nil))
	f.Add(frame.NewString("config_sha256", []string{r.ConfigSHA256}, nil))
	f.Add(frame.NewString("version", []string{r.Version}, nil))
	return f
}

// readModelMetrics reads the headline metrics from a run's Parquet outputs;
// file returns a table's file, or "" when the run has none.
func readModelMetrics(ctx context.Context, db *engine.DB, file func(table string) string) (ModelMetrics, error) {
	nan := math.NaN()
	mm := ModelMetrics{HoldoutRMSE: nan, HoldoutMAE: nan, LLPerCustomer: nan, ChurnAUC: nan, ChurnLogLoss: nan, LeadsAUC: nan, OpportunityAUC: nan}
	holdout, params, metrics := file("clv_holdout"), file("model_params"), file("model_metrics")
	if holdout != "" {
		f, err := db.QueryFrame(ctx, fmt.Sprintf(`SELECT model, CAST(rmse AS DOUBLE) AS rmse, CAST(mae AS DOUBLE) AS mae
			FROM read_parquet(%s, hive_partitioning=false) WHERE calibration_frequency = 'all' AND chosen LIMIT 1`, engine.Quote(holdout)))
		if err != nil {
			return mm, err
		}
		if f.Len() == 1 {
			mm.CLVModel, mm.HoldoutRMSE, mm.HoldoutMAE = f.Col("model").Strings[0], f.Col("rmse").Floats[0], f.Col("mae").Floats[0]
		}
	}
	if params != "" {
		// The chosen model's full fit; without a holdout, the best full fit.
		q := fmt.Sprintf(`SELECT model, CAST(any_value(log_likelihood) / any_value(customers) AS DOUBLE) AS ll
			FROM read_parquet(%s, hive_partitioning=false)
			WHERE fitted_on = 'full' AND model NOT IN ('gammagamma', 'returns') AND log_likelihood IS NOT NULL AND converged AND customers > 0 %s
			GROUP BY model ORDER BY ll DESC LIMIT 1`, engine.Quote(params), modelFilter(mm.CLVModel))
		f, err := db.QueryFrame(ctx, q)
		if err != nil {
			return mm, err
		}
		if f.Len() == 1 {
			mm.LLPerCustomer = f.Col("ll").Floats[0]
			if mm.CLVModel == "" {
				mm.CLVModel = f.Col("model").Strings[0]
			}
		}
	}
	if metrics != "" {
		f, err := db.QueryFrame(ctx, fmt.Sprintf(`SELECT model || '.' || name AS k, CAST(value AS DOUBLE) AS v
			FROM read_parquet(%s, hive_partitioning=false)
			WHERE kind = 'metric' AND name IN ('holdout_auc', 'holdout_log_loss') AND value IS NOT NULL`, engine.Quote(metrics)))
		if err != nil {
			return mm, err
		}
		for i := 0; i < f.Len(); i++ {
			v := f.Col("v").Floats[i]
			switch f.Col("k").Strings[i] {
			case "churn.holdout_auc":
				mm.ChurnAUC = v
			case "churn.holdout_log_loss":
				mm.ChurnLogLoss = v
			case "leads.holdout_auc":
				mm.LeadsAUC = v
			case "opportunities.holdout_auc":
				mm.OpportunityAUC = v
			}
		}
	}
	return mm, nil
}

func modelFilter(model string) string {
	if model == "" {
		return ""
	}
	return "AND model = " + engine.Quote(model)
}

// historyFiles returns the runs files of the published runs under root,
// oldest first, with their as-of dates.
func historyFiles(root string) (dates, files []string) {
	entries, _ := os.ReadDir(filepath.Join(root, RunsTable))
	for _, e := range entries {
		d, ok := strings.CutPrefix(e.Name(), "as_of=")
		if !ok || !e.IsDir() {
			continue
		}
		p := filepath.Join(root, RunsTable, e.Name(), "part-0.parquet")
		if _, err := os.Stat(p); err == nil {
			dates, files = append(dates, d), append(files, p)
		}
	}
	return dates, files // os.ReadDir sorts by name: as_of=YYYY-MM-DD is date order
}

// History returns the run history under root, oldest first: one row per
// published run with the columns of the runs table (as_of as a DATE). It
// returns an empty frame when no run has a history row yet.
func History(ctx context.Context, db *engine.DB, root string) (*frame.Frame, error) {
	_, files := historyFiles(root)
	if len(files) == 0 {
		return &frame.Frame{}, nil
	}
	quoted := make([]string, len(files))
	for i, f := range files {
		quoted[i] = engine.Quote(f)
	}
	return db.QueryFrame(ctx, fmt.Sprintf("SELECT * FROM read_parquet([%s], hive_partitioning=false, union_by_name=true) ORDER BY as_of",
		strings.Join(quoted, ", ")))
}
