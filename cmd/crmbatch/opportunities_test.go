package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// mavenYAML maps the Maven B2B pipeline as a first-day user would: one row
// per deal, deal_stage as the stage, nothing that says which stages close
// a deal and no funnel.stages.
const mavenYAML = `as_of: 2017-12-31
output: out
sources:
  orders: {files: [%ORDERS%]}
  opportunities:
    files: [%PIPELINE%]
    columns:
      customer_id: account
      owner: sales_agent
      stage: deal_stage
      stage_ts: engage_date
      close_ts: close_date
      amount: close_value
`

// Issue 12, item 1: a one-row-per-deal export (the Maven pipeline: 4,238
// won, 2,473 lost, 1,589 engaging and 500 prospecting deals) is scored, its
// funnel runs Prospecting then Engaging with Won and Lost as outcomes, and
// what cannot be computed is said plainly by validate.
func TestDealSnapshotExport(t *testing.T) {
	pipeline := sharedData(t, "crm_sales_opportunities/sales_pipeline.csv")
	heavy(t)
	orders, _ := filepath.Abs("../../testdata/pipeline/orders_won.csv")
	dir := t.TempDir()
	yml := strings.NewReplacer("%ORDERS%", orders, "%PIPELINE%", pipeline).Replace(mavenYAML)
	cfg := writeFile(t, dir, "crmbatch.yaml", yml)

	r := user(t, "run", "-config", cfg, "-quiet")
	if r.code != ExitOK && r.code != ExitAlerts {
		t.Fatalf("run: %v", r)
	}
	root := filepath.Join(dir, "out")
	scores := published(t, root, "opportunity_scores", "2017-12-31", `SELECT stage, count(*) AS n, min(win_probability) AS lo, max(win_probability) AS hi FROM t GROUP BY stage ORDER BY stage`)
	got := map[string]int64{}
	for i := 0; i < scores.Len(); i++ {
		got[scores.Col("stage").Strings[i]] = scores.Col("n").Ints[i]
		if lo, hi := scores.Col("lo").Floats[i], scores.Col("hi").Floats[i]; lo <= 0 || hi >= 1 {
			t.Errorf("%s: win probabilities %v..%v", scores.Col("stage").Strings[i], lo, hi)
		}
	}
	if len(got) != 2 || got["Engaging"] != 1589 || got["Prospecting"] != 500 {
		t.Errorf("opportunity_scores by stage %v, want the 1,589 Engaging and 500 Prospecting deals", got)
	}
	rows := published(t, root, "model_metrics", "2017-12-31", `SELECT value FROM t WHERE model = 'opportunities' AND kind = 'metric' AND name = 'rows'`)
	if rows.Len() != 1 || rows.Col("value").Floats[0] != 4238+2473 {
		t.Errorf("the model learnt from %v closed deals, want 6,711", rows.Col("value").Floats)
	}
	// The close value of a lost deal is 0: it must not decide the score.
	if !strings.Contains(r.stdout, `feature "log1p(amount)" alone has AUC 1.000`) {
		t.Errorf("the summary does not say that amount was left out as a leak:\n%s", r.stdout)
	}

	fun := published(t, root, "sales_funnel", "2017-12-31", `SELECT stage, kind, opportunities_reached FROM t ORDER BY step`)
	var steps []string
	for i := 0; i < fun.Len(); i++ {
		steps = append(steps, fun.Col("stage").Strings[i]+"/"+fun.Col("kind").Strings[i])
	}
	if want := "Prospecting/open Engaging/open Lost/closed Won/closed"; strings.Join(steps, " ") != want {
		t.Errorf("funnel steps %v, want %s", steps, want)
	}
	if !strings.Contains(r.stdout, "order of the open stages Prospecting, then Engaging was read from the dates") {
		t.Errorf("the summary does not say the stage order was guessed:\n%s", r.stdout)
	}

	// A mapping that loses the result: validate says the stage cannot run.
	bad := strings.Replace(yml, "stage: deal_stage", "stage: \"'stage ' || deal_stage\"", 1)
	cfg2 := writeFile(t, dir, "nooutcome.yaml", bad)
	v := user(t, "validate", "-config", cfg2, "-quiet")
	if v.code != ExitOK {
		t.Fatalf("validate: %v", v)
	}
	if !strings.Contains(v.stdout, "the run will skip stage opportunities: none of the 8800 opportunities is closed") {
		t.Errorf("validate does not say why win probabilities cannot be computed:\n%s", v.stdout)
	}
}
