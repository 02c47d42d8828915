package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crmbatch/crmbatch/pipelines/config"
)

// Issue 12, item 2: an input folder copied elsewhere and run into the same
// output root. The copies are not loaded again (the run publishes the
// same numbers, where it used to fail on thousands of duplicate keys), the
// summary and the dry run say which file each one copies, and
// -full-reload takes the new paths.
func TestCopiedInputFolder(t *testing.T) {
	heavy(t)
	dir := t.TempDir()
	a := filepath.Join(dir, "a")
	cfgA := genData(t, a, 300, 3, "")
	if r := user(t, "run", "-config", cfgA, "-quiet"); r.code != ExitOK && r.code != ExitAlerts {
		t.Fatalf("first run: %v", r)
	}
	root := filepath.Join(a, "out")
	before := published(t, root, "customers", "2025-12-30", "SELECT count(*) AS n, sum(revenue) AS revenue FROM t ")

	// The same files at new paths, with the same output root.
	b := filepath.Join(dir, "b")
	if err := os.MkdirAll(b, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(a)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".csv") {
			data, err := os.ReadFile(filepath.Join(a, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, b, e.Name(), string(data))
		}
	}
	yml, _ := os.ReadFile(cfgA)
	cfgB := writeFile(t, b, "crmbatch.yaml", strings.Replace(string(yml), "output: out", "output: "+root, 1))
	if c, err := config.Load(cfgB); err != nil || c.OutputRoot() != root {
		t.Fatalf("config b: %v", err)
	}

	dry := user(t, "run", "-config", cfgB, "-dry-run")
	if dry.code != ExitOK || !strings.Contains(dry.stdout, "skip") || !strings.Contains(dry.stdout, "(same content as "+filepath.Join(a, "orders.csv")+")") {
		t.Errorf("the dry run does not say the orders are a copy: %v", dry)
	}
	r := user(t, "run", "-config", cfgB, "-quiet")
	if r.code != ExitOK && r.code != ExitAlerts {
		t.Fatalf("run on the copy: %v", r)
	}
	want := "orders: " + filepath.Join(b, "orders.csv") + " has the same content (SHA-256 "
	if !strings.Contains(r.stdout, want) || !strings.Contains(r.stdout, "run with -full-reload") {
		t.Errorf("the summary does not say the orders were a copy and offer -full-reload:\n%s", r.stdout)
	}
	after := published(t, root, "customers", "2025-12-30", "SELECT count(*) AS n, sum(revenue) AS revenue FROM t ")
	if after.Col("n").Ints[0] != before.Col("n").Ints[0] || after.Col("revenue").Floats[0] != before.Col("revenue").Floats[0] {
		t.Errorf("customers %d, revenue %v after the copy; %d, %v before", after.Col("n").Ints[0], after.Col("revenue").Floats[0], before.Col("n").Ints[0], before.Col("revenue").Floats[0])
	}

	// The new folder replaces the old one: a full reload takes it as it is.
	full := user(t, "run", "-config", cfgB, "-quiet", "-full-reload")
	if full.code != ExitOK && full.code != ExitAlerts || strings.Contains(full.stdout, "same content") {
		t.Errorf("full reload: %v", full)
	}
	m := readManifest(t, root, "2025-12-30")
	for _, in := range m.Inputs {
		for _, f := range in.Files {
			if !strings.HasPrefix(f.Path, b) {
				t.Errorf("%s: after the full reload the warehouse still holds %s", in.Table, f.Path)
			}
		}
	}
	again := published(t, root, "customers", "2025-12-30", "SELECT count(*) AS n, sum(revenue) AS revenue FROM t ")
	if again.Col("n").Ints[0] != before.Col("n").Ints[0] || again.Col("revenue").Floats[0] != before.Col("revenue").Floats[0] {
		t.Errorf("customers %d after the full reload, %d before", again.Col("n").Ints[0], before.Col("n").Ints[0])
	}
}
