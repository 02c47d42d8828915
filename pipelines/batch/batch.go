// Package batch holds what the stages of a nightly run share: the Batch
// they hand from one to the next, the Stage type, and the documentation
// types of published tables. Stage packages (clv, scoring, portfolio) import
// it; the orchestrator in package pipelines runs them in order.
package batch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/engine/frame"
	"github.com/crmbatch/crmbatch/pipelines/config"
)

// Outputs stages published tables; the run commits them together.
type Outputs interface {
	// WriteFrame stages a table built in Go (written with parquet-go).
	WriteFrame(table string, f *frame.Frame) error
	// CopyQuery stages a table built in SQL (written by DuckDB's COPY).
	CopyQuery(ctx context.Context, db *engine.DB, table, query string) error
	// Staged returns the staged Parquet file of a table of this run, or ""
	// when the table has not been staged (yet).
	Staged(table string) string
	// WriteFile stages a file that is not a table (an HTML report, say)
	// as <dir>/as_of=<date>/<name>.
	WriteFile(dir, name string, data []byte) error
}

// Batch is the state one run hands from stage to stage. The canonical input
// tables (customers, orders, interactions, leads, opportunities,
// subscriptions) are in DB under their names; Customers is the customer
// table, to which model stages add columns.
type Batch struct {
	Cfg       *config.Config
	DB        *engine.DB
	AsOf      time.Time
	Log       *slog.Logger
	Accepted  map[string]int64 // accepted rows per loaded input table
	Customers *Customers
	Out       Outputs
	warnings  []string
	alerts    []string
}

// Has reports whether the input table was loaded with at least one row.
func (b *Batch) Has(table string) bool { return b.Accepted[table] > 0 }

// Warn records a warning for the run's manifest and logs it.
func (b *Batch) Warn(format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	b.warnings = append(b.warnings, msg)
	if b.Log != nil {
		b.Log.Warn(msg)
	}
}

// Warnings returns the warnings recorded so far.
func (b *Batch) Warnings() []string { return b.warnings }

// Alert records a monitoring alert: a configured threshold was crossed. The
// run still publishes, but the manifest lists the alert and the command
// exits with its own code (4) so that a scheduler can notify someone.
func (b *Batch) Alert(format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	b.alerts = append(b.alerts, msg)
	if b.Log != nil {
		b.Log.Warn("alert: " + msg)
	}
}

// Alerts returns the alerts recorded so far.
func (b *Batch) Alerts() []string { return b.alerts }

// Stage is one step of the batch. Run returns an error wrapping ErrSkipped
// (see Skip) when its inputs are absent; the manifest records why.
type Stage struct {
	Name string
	Run  func(ctx context.Context, b *Batch) error
}

// ErrSkipped marks a stage that did not run because its inputs are absent.
var ErrSkipped = errors.New("skipped")

// Skip returns an error that marks the stage as skipped, with the reason.
func Skip(reason string) error { return fmt.Errorf("%w: %s", ErrSkipped, reason) }

// ColumnDoc documents one published column.
type ColumnDoc struct {
	Name string `json:"name"`
	Type string `json:"type"`
	Doc  string `json:"doc"`
}

// Col returns the documentation of one column.
func Col(name, typ, doc string) ColumnDoc { return ColumnDoc{Name: name, Type: typ, Doc: doc} }

// TableDoc documents one published table.
type TableDoc struct {
	Name    string      `json:"name"`
	Doc     string      `json:"doc"`
	Writer  string      `json:"writer"` // parquet-go (built in Go) or duckdb (built in SQL)
	Columns []ColumnDoc `json:"columns"`
}

// ReturnMemory hands the Go heap a stage no longer uses back to the system
// (a garbage collection, then a release of the freed pages). A stage calls
// it between its Go work and a DuckDB query that fills the buffer pool:
// otherwise the dead heap (at 1M customers, 800 MB of churn's training
// matrices) stays resident until the next collection, on top of DuckDB's
// memory_limit.
func ReturnMemory() { debug.FreeOSMemory() }

// SyncCustomers writes the columns the stages have added so far into
// DuckDB's customer_table, for stages that work in SQL.
func (b *Batch) SyncCustomers(ctx context.Context) error {
	return b.Customers.Flush(ctx)
}
