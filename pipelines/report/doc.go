// Package report writes one self-contained HTML report per run: the headline
// numbers, a data-quality summary, the portfolio, model and funnel charts,
// and what changed since the previous published run.
//
// The report is the last model stage. It reads what the earlier stages
// staged in this run (Outputs.Staged), the customer table in memory and the
// rejects in DuckDB, and the previous run's published customers and
// manifest. It is staged as reports/as_of=<date>/report.html, so it is
// published atomically with the run's tables.
//
// The file needs nothing from the network: the style sheet is inline and
// every chart is inline SVG drawn with gonum.org/v1/plot. Text in the SVG is
// left to the browser to shape, so names in Bengali, Urdu or Lithuanian show
// as written. All text is escaped by html/template; the SVG comes from vgsvg,
// which escapes what it draws.
//
// A table a stage did not produce (its input was absent, or it was skipped)
// leaves its section in place with a note saying so and why, as far as the
// run knows at this point: the missing inputs, the configuration switch, or
// the warnings the stage recorded.
package report
