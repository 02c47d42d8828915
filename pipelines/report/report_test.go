package report_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/pipelines"
	"github.com/crmbatch/crmbatch/pipelines/config"
	"github.com/crmbatch/crmbatch/pipelines/gen"
	"github.com/crmbatch/crmbatch/pipelines/report"
)

// charts are the ids of the charts a run on generated data draws.
var charts = []string{"chart-whale", "chart-segments", "chart-clv", "chart-holdout",
	"chart-calibration", "chart-lift", "chart-leads", "chart-funnel", "chart-revenue", "chart-customers", "chart-subscriptions"}

// sections are the ids of the report's sections, in page order.
var sections = []string{"quality", "whale", "segments", "cohorts", "clv", "holdout", "churn", "leads", "funnel",
	"trend", "lifecycle", "subscriptions", "offers", "changes"}

// generated runs the batch twice on 3,000 generated customers: a month
// before the data's end, then at its end, so the second report has a
// previous run to compare with. It returns the config and both reports'
// paths. The runs are shared by the tests of this package.
var generated = sync.OnceValues(func() (*run, error) {
	dir, err := os.MkdirTemp("", "crmbatch-report-")
	if err != nil {
		return nil, err
	}
	asOf := time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)
	if _, err := gen.Write(dir, gen.Options{Customers: 3000, Seed: 1, AsOf: asOf}); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "crmbatch.yaml")
	if err := os.WriteFile(path, append(config.GeneratedYAML(asOf.AddDate(0, 0, -1), "out"), "currency: EUR\n"...), 0o644); err != nil {
		return nil, err
	}
	cfg, err := config.Load(path)
	if err != nil {
		return nil, err
	}
	r := &run{dir: dir, cfg: cfg}
	for _, d := range []time.Time{asOf.AddDate(0, -1, -1), asOf.AddDate(0, 0, -1)} {
		m, err := pipelines.Run(context.Background(), pipelines.Options{Config: cfg, AsOf: d})
		if err != nil {
			return nil, fmt.Errorf("run as of %s: %w", d.Format(time.DateOnly), err)
		}
		r.manifests = append(r.manifests, m)
		r.reports = append(r.reports, filepath.Join(pipelines.PartitionDir(cfg.OutputRoot(), report.Dir, m.AsOf), report.File))
	}
	return r, nil
})

type run struct {
	dir       string
	cfg       *config.Config
	manifests []*pipelines.Manifest
	reports   []string
}

func generatedRun(t *testing.T) *run {
	t.Helper()
	if testing.Short() {
		t.Skip("SKIPPED under -short: runs the whole batch twice on 3,000 generated customers")
	}
	ran = true
	r, err := generated()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// ran records that a test asked for the generated runs, so that TestMain
// only cleans up what was made.
var ran bool

func TestMain(m *testing.M) {
	code := m.Run()
	if !ran {
		os.Exit(code)
	}
	if r, err := generated(); err == nil && r != nil && os.Getenv("CRMBATCH_KEEP_REPORT") == "" {
		os.RemoveAll(r.dir)
	}
	os.Exit(code)
}

// The report is published with the run, is self-contained, has every
// section and an <svg> per chart that parses as XML, and shows the top
// customers' names byte for byte, non-Latin scripts included.
func TestReportOnGeneratedData(t *testing.T) {
	r := generatedRun(t)
	for i, path := range r.reports {
		page, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("run %d: the report was not published: %v", i, err)
		}
		checkPage(t, page)
		listed := false
		for _, o := range r.manifests[i].Outputs {
			listed = listed || o.Table == report.Dir && strings.HasSuffix(o.Path, report.File)
		}
		if !listed {
			t.Errorf("run %d: the manifest does not list the report among its outputs", i)
		}
	}
	t.Logf("reports: %v", r.reports)
	second, _ := os.ReadFile(r.reports[1])
	if !bytes.Contains(second, []byte("This run ("+r.manifests[1].AsOf+") against the run published for "+r.manifests[0].AsOf)) {
		t.Errorf("the second report does not compare with the first run")
	}
	first, _ := os.ReadFile(r.reports[0])
	if !bytes.Contains(first, []byte("nothing to compare with")) {
		t.Errorf("the first report should say there is no previous run")
	}
	checkTopNames(t, r, second)
}

func checkPage(t *testing.T, page []byte) {
	t.Helper()
	for _, bad := range []string{"<script", "<link", "@import", "http://", "https://", "src="} {
		// The SVG namespaces are identifiers, not fetched.
		cleaned := regexp.MustCompile(`xmlns(:xlink)?="http://www\.w3\.org/[^"]*"`).ReplaceAll(page, nil)
		if bytes.Contains(cleaned, []byte(bad)) {
			t.Errorf("the report refers to something outside itself: contains %q", bad)
		}
	}
	for _, id := range sections {
		if !bytes.Contains(page, []byte(`<section id="`+id+`" class="report-section">`)) {
			t.Errorf("section %s is missing", id)
		}
	}
	if n, m := bytes.Count(page, []byte("<section")), bytes.Count(page, []byte("</section>")); n != m || n != len(sections)+1 {
		t.Errorf("%d <section> and %d </section>, want %d of each", n, m, len(sections)+1)
	}
	if n, m := bytes.Count(page, []byte("<table")), bytes.Count(page, []byte("</table>")); n != m {
		t.Errorf("%d <table> and %d </table>", n, m)
	}
	svgs := regexp.MustCompile(`(?s)<svg .*?</svg>`).FindAll(page, -1)
	ids := map[string]bool{}
	for _, svg := range svgs {
		var root struct {
			XMLName xml.Name
			ID      string `xml:"id,attr"`
		}
		if err := xml.Unmarshal(svg, &root); err != nil {
			t.Errorf("an <svg> does not parse as XML: %v", err)
			continue
		}
		ids[root.ID] = true
	}
	for _, id := range charts {
		if !ids[id] {
			t.Errorf("chart %s is missing (charts: %v); notes: %s", id, ids, missingNotes(page))
		}
	}
	if len(svgs) != len(charts) {
		t.Errorf("%d charts, want %d", len(svgs), len(charts))
	}
}

// missingNotes returns the report's "not shown" notes, for failure messages.
func missingNotes(page []byte) string {
	var out []string
	for _, m := range regexp.MustCompile(`<p class="missing">([^<]*)</p>`).FindAllSubmatch(page, -1) {
		out = append(out, string(m[1]))
	}
	return strings.Join(out, " | ")
}

// checkTopNames reads the top customers by CLV from the published customer
// table and finds each name in the page byte for byte (html/template leaves
// non-ASCII letters as they are). At least one must be in a non-Latin
// script or carry Lithuanian letters for the check to mean something.
func checkTopNames(t *testing.T, r *run, page []byte) {
	t.Helper()
	db, err := engine.Open(context.Background(), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p := filepath.Join(pipelines.PartitionDir(r.cfg.OutputRoot(), "customers", r.manifests[1].AsOf), "part-0.parquet")
	names, err := db.Strings(context.Background(), fmt.Sprintf(`SELECT coalesce(name, '') FROM read_parquet(%s)
		WHERE customer_lifetime_value IS NOT NULL AND NOT isnan(customer_lifetime_value)
		ORDER BY customer_lifetime_value DESC LIMIT 15`, engine.Quote(p)))
	if err != nil {
		t.Fatal(err)
	}
	special := 0
	for _, n := range names {
		if !bytes.Contains(page, []byte("<td>"+n+"</td>")) && !strings.ContainsAny(n, `<>&'"`) {
			t.Errorf("top customer name %q (bytes % x) is not in the report byte for byte", n, n)
		}
		if strings.IndexFunc(n, func(r rune) bool { return unicode.In(r, unicode.Bengali, unicode.Arabic) }) >= 0 ||
			strings.ContainsAny(strings.ToLower(n), "ąčęėįšųūž") {
			special++
		}
	}
	if special == 0 {
		t.Errorf("none of the top %d names is Bengali, Urdu or Lithuanian: %q", len(names), names)
	}
}

// Issue 12, items 6, 7 and 8: the report is readable and answers the
// day's questions: numbers on the axes as people write them, the page's
// sans-serif font in the charts, legends below the charts, the cohort heat
// map with values and a colour key, tiers in their order, the currency,
// and the ranked tables.
func TestReportReadable(t *testing.T) {
	r := generatedRun(t)
	page, err := os.ReadFile(r.reports[1])
	if err != nil {
		t.Fatal(err)
	}
	svgText := regexp.MustCompile(`<text[^>]*>([^<]*)</text>`)
	for _, m := range svgText.FindAllSubmatch(page, -1) {
		label := string(m[1])
		if regexp.MustCompile(`^-?\d{5,}(\.\d+)?$|^-?\d+\.\d*0$`).MatchString(label) {
			t.Errorf("axis label %q: write 25k, 2.5M or 1,500", label)
		}
	}
	if bytes.Contains(page, []byte("Liberation Serif")) || !bytes.Contains(page, []byte("font-family:system-ui")) {
		t.Errorf("the charts do not use the page's sans-serif font")
	}
	for _, want := range []string{
		`<table id="chart-cohorts" class="heat"`, `<span class="legend">`, `<span class="swatch dashed"`,
		"Most valuable customers at risk: CLV x churn probability", "Leads to call first", "Largest moves between stages",
		"Products offered first", "net profit (EUR)", "revenue (EUR)", "The last 12 months", "Churned now:", "Churn forecast:",
	} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("the report lacks %q", want)
		}
	}
	tierTable := regexp.MustCompile(`(?s)<caption>Customers by churn risk tier</caption>.*?</table>`).Find(page)
	tiers := regexp.MustCompile(`<td>(low|medium|high)</td>`).FindAllSubmatch(tierTable, -1)
	var order []string
	for _, m := range tiers {
		order = append(order, string(m[1]))
	}
	if strings.Join(order, " ") != "low medium high" {
		t.Errorf("churn tiers in the order %v, want low medium high", order)
	}
	// The heat map spans the months the data has, each cell with its value.
	heat := regexp.MustCompile(`(?s)<table id="chart-cohorts".*?</table>`).Find(page)
	if !bytes.Contains(heat, []byte("%</td>")) {
		t.Errorf("the cohort heat map has no values")
	}
	if bytes.Contains(heat, []byte("<th>24</th>")) {
		t.Errorf("the cohort heat map runs past 24 months")
	}
	// The funnel draws open stages only.
	if bytes.Contains(page, []byte(">closed</text>")) {
		t.Errorf("the funnel chart draws the closing stage as a step")
	}
}
