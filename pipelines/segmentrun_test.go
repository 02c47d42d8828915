package pipelines_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/pipelines/config"
	"github.com/crmbatch/crmbatch/pipelines/gen"
)

// A segment over columns the model stages add (churn_probability,
// customer_lifetime_value) is exported by the run itself: the stages see
// the customer table with every column added before them. (A regression
// test: the segments stage once read a stale copy without them.)
func TestSegmentOverModelColumnsOnRun(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIPPED under -short: a whole run on 3,000 generated customers")
	}
	dir := t.TempDir()
	asOf := time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)
	if _, err := gen.Write(dir, gen.Options{Customers: 3000, Seed: 3, AsOf: asOf}); err != nil {
		t.Fatal(err)
	}
	yml := append(config.GeneratedYAML(asOf.AddDate(0, 0, -1), "out"), config.ExampleSegmentsYAML...)
	if err := os.WriteFile(filepath.Join(dir, "crmbatch.yaml"), yml, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, m, err := runTestConfig(t, filepath.Join(dir, "crmbatch.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range m.Warnings {
		if strings.Contains(w, "segment") {
			t.Errorf("warning: %s", w)
		}
	}
	f := query(t, fmt.Sprintf(`SELECT (SELECT count(*) FROM read_parquet(%s)) AS exported,
		(SELECT count(DISTINCT lower(trim(email))) FROM read_parquet(%s) WHERE churn_probability > 0.5 AND customer_lifetime_value > 50 AND email_opt_in
			AND regexp_matches(trim(email), '^[^@\s]+@[^@\s]+\.[^@\s]+$')) AS want`,
		engine.Quote(published(cfg, "segments", "2025-12-30")), engine.Quote(published(cfg, "customers", "2025-12-30"))))
	if got, want := f.Col("exported").Ints[0], f.Col("want").Ints[0]; got != want || got == 0 {
		t.Errorf("segment win_back exported %d customers, the published customers table has %d matching emails with opt-in", got, want)
	}
}
