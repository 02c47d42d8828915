package scoring

import (
	"context"
	"fmt"
	"math"

	"github.com/crmbatch/crmbatch/engine/frame"
	"github.com/crmbatch/crmbatch/pipelines/batch"
)

// metricsTable is the DuckDB table in which the scoring stages collect
// their model_metrics rows; the model_metrics stage publishes it.
const metricsTable = "scoring_model_metrics"

// row is one row of model_metrics. NaN value or se is written as null.
type row struct {
	model, kind, name string
	value, se         float64
	detail            string
}

// metrics collects the model_metrics rows of one stage.
type metrics struct {
	rows []row
}

func (m *metrics) add(r row) { m.rows = append(m.rows, r) }

func (m *metrics) metric(model, name string, v float64, detail string) {
	m.add(row{model: model, kind: "metric", name: name, value: v, se: math.NaN(), detail: detail})
}

func (m *metrics) warn(model, name, msg string) {
	m.add(row{model: model, kind: "warning", name: name, value: math.NaN(), se: math.NaN(), detail: msg})
}

// frame returns the rows as a model_metrics frame; non-finite numbers
// become nulls.
func (m *metrics) frame() *frame.Frame {
	n := len(m.rows)
	model, kind, name, detail := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	value, se := make([]float64, n), make([]float64, n)
	vValid, sValid, dValid := make([]bool, n), make([]bool, n), make([]bool, n)
	for i, r := range m.rows {
		model[i], kind[i], name[i], detail[i] = r.model, r.kind, r.name, r.detail
		value[i], se[i] = r.value, r.se
		vValid[i] = finite(r.value)
		sValid[i] = finite(r.se)
		dValid[i] = r.detail != ""
		if !vValid[i] {
			value[i] = 0
		}
		if !sValid[i] {
			se[i] = 0
		}
	}
	f := &frame.Frame{}
	f.Add(frame.NewString("model", model, nil))
	f.Add(frame.NewString("kind", kind, nil))
	f.Add(frame.NewString("name", name, nil))
	f.Add(&frame.Column{Name: "value", Kind: frame.Float64, Floats: value, Valid: vValid})
	f.Add(&frame.Column{Name: "std_error", Kind: frame.Float64, Floats: se, Valid: sValid})
	f.Add(frame.NewString("detail", detail, dValid))
	return f
}

// save appends the rows to the run's metrics table in DuckDB.
func (m *metrics) save(ctx context.Context, b *batch.Batch) error {
	if len(m.rows) == 0 {
		return nil
	}
	if err := b.DB.CreateTable(ctx, metricsTable+"_new", m.frame()); err != nil {
		return err
	}
	q := fmt.Sprintf(`CREATE TEMP TABLE IF NOT EXISTS %[1]s AS SELECT * FROM %[1]s_new LIMIT 0;
INSERT INTO %[1]s SELECT * FROM %[1]s_new;
DROP TABLE %[1]s_new`, metricsTable)
	return b.DB.Exec(ctx, q)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// publishMetrics is the model_metrics stage: it publishes what the scoring
// stages collected.
func publishMetrics(ctx context.Context, b *batch.Batch) error {
	n, err := b.DB.Int(ctx, fmt.Sprintf("SELECT count(*) FROM duckdb_tables() WHERE table_name = '%s' AND temporary", metricsTable))
	if err != nil {
		return err
	}
	if n == 0 {
		return batch.Skip("no scoring model ran")
	}
	return b.Out.CopyQuery(ctx, b.DB, "model_metrics", fmt.Sprintf(`SELECT model, kind, name, value, std_error, detail FROM %s`, metricsTable))
}
