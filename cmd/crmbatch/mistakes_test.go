package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 12, item 10: configuration mistakes surface at once, all of them,
// in words that say where to look.
func TestConfigMistakes(t *testing.T) {
	dir := t.TempDir()
	cfg := genData(t, dir, 200, 9, "")
	base, _ := os.ReadFile(cfg)

	// Unknown keys: a did-you-mean and the section the key is in, or the
	// one it belongs to; every one reported at once with the other errors.
	keys := writeFile(t, dir, "keys.yaml", strings.Replace(string(base), "  orders:        {files: [orders.csv]}",
		"  orders:\n    files: [orders.csv]\n    colums: {revenue: amount}", 1)+"columns: {revenue: amount}\nclv: {horizon_month: 6}\nthreads: many\n")
	r := user(t, "run", "-config", keys, "-dry-run")
	if r.code != ExitUsage {
		t.Fatalf("unknown keys: %v", r)
	}
	for _, want := range []string{
		`unknown key "colums" in sources.<table> (did you mean "columns"?)`,
		`unknown key "columns" in the top level; "columns" is a key of segments.<name> or sources.<table>: move it there`,
		`unknown key "horizon_month" in clv (did you mean "horizon_months"?)`,
		`"many" is not a whole number`,
	} {
		if !strings.Contains(r.err.Error(), want) {
			t.Errorf("the error does not say %q:\n%v", want, r.err)
		}
	}
	if strings.Contains(r.err.Error(), "config.Source") || strings.Contains(r.err.Error(), "into int") {
		t.Errorf("the error speaks Go: %v", r.err)
	}

	// Mappings that do not fit the files: the dry run reads the headers
	// and reports every problem at once, and so does the run, before it
	// loads anything.
	bad := strings.NewReplacer(
		"  orders:        {files: [orders.csv]}", "  orders:\n    files: [orders.csv]\n    columns: {revenue: revenu * 1, order_ts: ordered_at}",
		"  leads:         {files: [leads.csv]}", "  leads:\n    files: [leads.csv]\n    columns: {source: \"upper(sorce)\"}",
	).Replace(string(base))
	maps := writeFile(t, dir, "maps.yaml", bad)
	for _, args := range [][]string{{"run", "-config", maps, "-dry-run"}, {"run", "-config", maps}, {"validate", "-config", maps}} {
		r := user(t, args...)
		if r.code != ExitUsage {
			t.Fatalf("%v: %v", args, r)
		}
		msg := r.err.Error()
		for _, want := range []string{
			"(3 problem(s)); nothing was loaded",
			`sources.orders.columns.revenue: "revenu * 1" is not a column of`,
			`did you mean "revenue"`,
			`sources.orders.columns.order_ts: "ordered_at" is not a column of`,
			`sources.leads.columns.source: "upper(sorce)"`,
		} {
			if !strings.Contains(msg, want) {
				t.Errorf("%v: the error does not say %q:\n%s", args, want, msg)
			}
		}
	}
	if r := user(t, "run", "-config", cfg, "-dry-run"); r.code != ExitOK || !strings.Contains(r.stdout, "every mapping fits the columns of its files") {
		t.Errorf("dry run: %v", r)
	}
}

// Issue 13, case 16: mistakes a scheduler must see as exit code 2.
func TestUsageExitCodes(t *testing.T) {
	heavy(t)
	dir := t.TempDir()
	cfg := genData(t, dir, 200, 10, "")
	base, _ := os.ReadFile(cfg)

	lots := writeFile(t, dir, "lots.yaml", strings.Replace(string(base), "time_unit: days", "time_unit: days\nmemory_limit: lots", 1))
	if r := user(t, "run", "-config", lots); r.code != ExitUsage || !strings.Contains(r.err.Error(), `memory_limit: "lots"`) {
		t.Errorf("memory_limit: lots: %v", r)
	}

	// A second file of a glob that lacks a column the mapping reads.
	orders, _ := os.ReadFile(filepath.Join(dir, "orders.csv"))
	lines := strings.SplitN(string(orders), "\n", 3)
	head := strings.Split(lines[0], ",")
	var cut []string
	for _, h := range head {
		if h != "revenue" {
			cut = append(cut, h)
		}
	}
	writeFile(t, dir, "orders_2.csv", strings.Join(cut, ",")+"\n")
	glob := writeFile(t, dir, "glob.yaml", strings.Replace(string(base), "{files: [orders.csv]}", `{files: ["orders*.csv"]}`, 1))
	if r := user(t, "run", "-config", glob); r.code != ExitUsage || !strings.Contains(r.err.Error(), "orders_2.csv has no column revenue") {
		t.Errorf("a glob's second file without revenue: %v", r)
	}
	os.Remove(filepath.Join(dir, "orders_2.csv"))

	// Two output roots sharing one database: the second is refused while
	// another process holds it. The first root is a published run of 200
	// generated customers (the run TestRunSummary reads).
	firstDir, _, _ := smallRun(t)
	db := filepath.Join(firstDir, "out", "crmbatch.duckdb")
	release := holdDatabase(t, db)
	defer release()
	shared := writeFile(t, dir, "shared.yaml", strings.Replace(string(base), "output: out", "output: out2\ndatabase: "+db, 1))
	if r := user(t, "run", "-config", shared, "-quiet"); r.code != ExitUsage || !strings.Contains(r.err.Error(), "two output roots cannot share one database") {
		t.Errorf("a second output root on a database in use: %v", r)
	}
}
