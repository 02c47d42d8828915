package report

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/engine/frame"
	"github.com/crmbatch/crmbatch/pipelines/batch"
	"github.com/crmbatch/crmbatch/pipelines/config"
)

// Stage writes the run's report. Run it after every stage whose outputs it
// shows (it is the last model stage).
var Stage = batch.Stage{Name: "report", Run: run}

// Dir and File are where the report is staged: the published file is
// <output>/reports/as_of=<date>/report.html.
const (
	Dir  = "reports"
	File = "report.html"
)

// Tables documents the report for the schema listing. It is a file, not a
// Parquet table, so it has no columns.
func Tables(*config.Config) []batch.TableDoc {
	return []batch.TableDoc{{Name: Dir, Writer: "html/template",
		Doc: "not a table: one self-contained HTML file per run, reports/as_of=<date>/report.html (headline numbers, data quality, whale curve, segment profitability by every grouping, cohort retention, CLV, holdout tracking, churn calibration and lift with the most valuable customers at risk, lead scores with the leads to call first, the funnel with the open opportunities to push, monthly trend, lifecycle, subscriptions, next best offers, changes since the previous run)"}}
}

func run(ctx context.Context, b *batch.Batch) error {
	if b.Customers == nil {
		return batch.Skip("no customer table")
	}
	start := time.Now()
	r, err := Build(ctx, b)
	if err != nil {
		return err
	}
	page, err := r.HTML()
	if err != nil {
		return err
	}
	if b.Log != nil {
		b.Log.Info("report written", "bytes", len(page), "charts", len(r.Charts()), "seconds", time.Since(start).Seconds())
	}
	return b.Out.WriteFile(Dir, File, page)
}

// Report is everything the page shows, in page order.
type Report struct {
	AsOf      string
	Generated time.Time
	Headline  []Figure
	Sections  []*Section
}

// Figure is one headline number.
type Figure struct{ Label, Value, Note string }

// Section is one part of the page: an introduction, charts and tables, or
// a note saying why it is empty.
type Section struct {
	ID, Title, Intro string
	Missing          string
	Charts           []Chart
	Tables           []*Table
	// Notes say, below the tables, what the figures mean.
	Notes []string
}

// Table is a small rendered table; Num marks right-aligned columns.
type Table struct {
	Caption string
	Head    []string
	Num     []bool
	Rows    [][]string
}

// Charts lists every chart drawn in the report.
func (r *Report) Charts() []Chart {
	var out []Chart
	for _, s := range r.Sections {
		for _, c := range s.Charts {
			if c.SVG != "" {
				out = append(out, c)
			}
		}
	}
	return out
}

// Build gathers the report of the run in b. A section whose table is
// missing says so; only a failing query over a table that exists, or a
// chart that cannot be drawn, is an error.
func Build(ctx context.Context, b *batch.Batch) (*Report, error) {
	s := &source{b: b}
	r := &Report{AsOf: b.AsOf.Format(time.DateOnly), Generated: time.Now().UTC()}
	builders := []func(context.Context, *source) (*Section, error){
		qualitySection, whaleSection, segmentSection, cohortSection, clvSection,
		holdoutSection, churnSection, leadSection, funnelSection, trendSection,
		lifecycleSection, subscriptionSection, offersSection, changesSection,
	}
	for _, build := range builders {
		sec, err := build(ctx, s)
		if err != nil {
			return nil, err
		}
		r.Sections = append(r.Sections, sec)
	}
	r.Headline = s.headline()
	return r, nil
}

// source reads the run's data for the sections and remembers what the
// headline needs.
type source struct {
	b        *batch.Batch
	read     int64 // rows read over all inputs
	rejected int64 // rows quarantined, after_as_of excluded
}

// money is the unit of money labels: " (EUR)", or "" without a
// configured currency.
func (s *source) money() string { return s.b.Cfg.Money() }

// table runs query with {t} standing for the staged Parquet file of table.
// Without a staged file it returns nil and why the table is missing.
func (s *source) table(ctx context.Context, table, query string) (*frame.Frame, string, error) {
	p := s.b.Out.Staged(table)
	if p == "" {
		return nil, s.why(table), nil
	}
	q := strings.ReplaceAll(query, "{t}", "read_parquet("+engine.Quote(p)+")")
	f, err := s.b.DB.QueryFrame(ctx, q)
	if err != nil {
		return nil, "", fmt.Errorf("report: reading %s: %w", table, err)
	}
	return f, "", nil
}

// rows is table for a section that shows nothing without rows: when the
// table is absent it sets sec.Missing to why, when it is empty to empty,
// and returns nil.
func (s *source) rows(ctx context.Context, sec *Section, table, query, empty string) (*frame.Frame, error) {
	f, why, err := s.table(ctx, table, query)
	if err != nil || f == nil {
		sec.Missing = why
		return nil, err
	}
	if f.Len() == 0 {
		sec.Missing = empty
		return nil, nil
	}
	return f, nil
}

// producer is the stage that stages a table and the inputs it needs.
type producer struct {
	stage  string
	inputs []string // at least one must be loaded
	words  []string // warnings that mention one of these explain a gap
}

var producers = map[string]producer{
	"whale_curve":            {stage: "profitability", inputs: []string{"orders"}, words: []string{"profitability", "whale"}},
	"segment_profitability":  {stage: "profitability", inputs: []string{"orders"}, words: []string{"profitability"}},
	"cohort_retention":       {stage: "lifecycle", inputs: []string{"orders"}, words: []string{"lifecycle", "cohort"}},
	"clv_holdout":            {stage: "clv", inputs: []string{"orders"}, words: []string{"clv"}},
	"clv_tracking":           {stage: "clv", inputs: []string{"orders"}, words: []string{"clv"}},
	"model_metrics":          {stage: "model_metrics", inputs: []string{"orders", "leads", "opportunities"}, words: []string{"churn", "leads", "scoring"}},
	"lead_scores":            {stage: "leads", inputs: []string{"leads"}, words: []string{"leads"}},
	"sales_funnel":           {stage: "funnel", inputs: []string{"leads", "opportunities"}, words: []string{"funnel", "opportunit"}},
	"opportunity_scores":     {stage: "opportunities", inputs: []string{"opportunities"}, words: []string{"opportunit"}},
	"monthly_kpis":           {stage: "lifecycle", inputs: []string{"orders"}, words: []string{"lifecycle"}},
	"lifecycle_stages":       {stage: "lifecycle", inputs: []string{"orders"}, words: []string{"lifecycle"}},
	"subscription_retention": {stage: "subscriptions", inputs: []string{"subscriptions"}, words: []string{"subscription", "sbg"}},
	"next_best_offers":       {stage: "expansion", inputs: []string{"orders"}, words: []string{"expansion", "affinity"}},
}

// why explains a table that was not staged: the inputs its stage needs and
// the warnings this run recorded about that stage.
func (s *source) why(table string) string {
	p, ok := producers[table]
	if !ok {
		return table + " was not produced in this run"
	}
	msg := fmt.Sprintf("%s was not produced in this run", table)
	loaded := false
	for _, in := range p.inputs {
		loaded = loaded || s.b.Has(in)
	}
	if !loaded {
		return fmt.Sprintf("%s: no %s input was loaded, so the %s stage had nothing to work on", msg, strings.Join(p.inputs, " or "), p.stage)
	}
	var notes []string
	for _, w := range s.b.Warnings() {
		for _, word := range p.words {
			if strings.Contains(strings.ToLower(w), word) {
				notes = append(notes, w)
				break
			}
		}
	}
	if len(notes) > 0 {
		return msg + ": " + strings.Join(notes, "; ")
	}
	return fmt.Sprintf("%s: the %s stage was skipped or disabled; the run's manifest (runs/as_of=%s/manifest.json) gives its status and reason",
		msg, p.stage, s.b.AsOf.Format(time.DateOnly))
}
