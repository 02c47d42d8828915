package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Determinism and idempotence on 1,000 generated customers: two runs of
// the same inputs and config in fresh roots publish identical content
// (row-level hashes of every table), so does a run with DuckDB on one
// thread against two; running the same as-of again in the same root
// changes nothing and reuses every file from the warehouse.
func TestDeterministicAndIdempotent(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIPPED TestDeterministicAndIdempotent (-short): determinism and idempotence proofs (four runs) did not run")
	}
	heavy(t)
	dir := t.TempDir()
	cfg1 := genData(t, dir, 1000, 3, "threads: 1\n")
	b, _ := os.ReadFile(cfg1)
	cfg2 := filepath.Join(dir, "threads2.yaml")
	if err := os.WriteFile(cfg2, []byte(strings.Replace(string(b), "threads: 1\n", "threads: 2\n", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	asOf := "2025-12-30"
	run := func(cfg, root string) {
		t.Helper()
		if code, out := runProcess(t, "run", "-config", cfg, "-output", root, "-as-of", asOf, "-quiet"); code != ExitOK {
			t.Fatalf("run into %s: exit %d\n%s", root, code, out)
		}
	}
	x, y, z := filepath.Join(dir, "x"), filepath.Join(dir, "y"), filepath.Join(dir, "z")
	run(cfg1, x)
	first := tableHashes(t, x, asOf, 0)
	run(cfg1, y)
	run(cfg2, z)
	n, same := compareHashes(t, "two runs, 1 thread", x, y, asOf, true)
	t.Logf("two runs on 1 thread: %d of %d tables identical bit for bit", same, n)
	n, same = compareHashes(t, "1 thread vs 2 threads", x, z, asOf, false)
	t.Logf("1 thread vs 2 threads: %d of %d tables identical bit for bit", same, n)
	// Aggregates that publish sums of DOUBLE values must not depend on
	// the thread count (issue 13 case 10: mean_clv differed in the last bits).
	if a, b := tableHashes(t, x, asOf, 0), tableHashes(t, z, asOf, 0); a["segment_profitability"] != b["segment_profitability"] {
		t.Errorf("segment_profitability differs between 1 and 2 threads")
	}

	// Idempotence: the same as-of again in the same root.
	m1 := readManifest(t, x, asOf)
	run(cfg1, x)
	if again := tableHashes(t, x, asOf, 0); !equalMaps(again, first) {
		for k := range first {
			if again[k] != first[k] {
				t.Errorf("re-running as of %s changed %s: %s, was %s", asOf, k, again[k], first[k])
			}
		}
	}
	m2 := readManifest(t, x, asOf)
	for i, in := range m2.Inputs {
		if in.Derived != "" {
			continue
		}
		if in.FilesLoaded != 0 || in.FilesUnchanged != len(in.Files) {
			t.Errorf("%s: the second run loaded %d files and reused %d of %d; want every file reused", in.Table, in.FilesLoaded, in.FilesUnchanged, len(in.Files))
		}
		if p := m1.Inputs[i]; p.Read != in.Read || p.Accepted != in.Accepted || p.Rejected != in.Rejected || p.Excluded != in.Excluded {
			t.Errorf("%s: read/accepted/rejected/after_as_of %d/%d/%d/%d, then %d/%d/%d/%d", in.Table, p.Read, p.Accepted, p.Rejected, p.Excluded, in.Read, in.Accepted, in.Rejected, in.Excluded)
		}
	}
}

// Two runs started together on one output root: exactly one publishes;
// the other fails at once with the lock error (exit 2) naming the root;
// the published run is complete.
func TestConcurrentRunsOnOneRoot(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIPPED TestConcurrentRunsOnOneRoot (-short): the concurrency proof did not run")
	}
	heavy(t)
	dir := t.TempDir()
	cfg := genData(t, dir, 500, 4, "")
	root := filepath.Join(dir, "out")
	type result struct {
		code int
		out  string
	}
	res := make(chan result, 2)
	for i := 0; i < 2; i++ {
		go func() {
			var r result
			cmd := command("run", "-config", cfg, "-as-of", "2025-12-30", "-quiet")
			b, err := cmd.CombinedOutput()
			r.out = string(b)
			if err != nil {
				r.code = -1
				if cmd.ProcessState != nil {
					r.code = cmd.ProcessState.ExitCode()
				}
			}
			res <- r
		}()
	}
	a, b := <-res, <-res
	if a.code != ExitOK {
		a, b = b, a
	}
	if a.code != ExitOK || b.code != ExitUsage {
		t.Fatalf("exit codes %d and %d, want one 0 and one %d\n--- first:\n%s\n--- second:\n%s", a.code, b.code, ExitUsage, a.out, b.out)
	}
	if !strings.Contains(b.out, "another crmbatch run is publishing to "+root) {
		t.Errorf("the refused run says:\n%s", b.out)
	}
	runs, _ := filepath.Glob(filepath.Join(root, "runs", "as_of=*"))
	if len(runs) != 1 {
		t.Errorf("%d runs published, want 1", len(runs))
	}
	checkPublished(t, root, "after two concurrent runs")
	m := readManifest(t, root, "2025-12-30")
	for _, o := range m.Outputs {
		if _, err := os.Stat(filepath.Join(root, o.Path, "..", "_SUCCESS")); err != nil {
			t.Errorf("output %s of the published run is incomplete: %v", o.Path, err)
		}
	}
	if len(m.Outputs) < 10 {
		t.Errorf("the published run has %d outputs", len(m.Outputs))
	}
}
