package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Issue 12, item 13: the run summary says what the run did not compute,
// even with -quiet; the report is a report, not a table of 0 rows; no Go
// map syntax reaches the logs, the manifest or the report.
func TestRunSummary(t *testing.T) {
	heavy(t)
	// A run of 200 generated customers (the run TestUsageExitCodes holds
	// the database of).
	dir, _, r := smallRun(t)
	// 200 generated customers leave too few closed opportunities to learn
	// from: the summary says so.
	if !regexp.MustCompile(`(?m)^skipped stages .*:\n(  .*\n)*  opportunities +\d+ labelled rows, fewer than min_rows 100`).MatchString(r.stdout) {
		t.Errorf("the summary does not list the skipped stage with its reason:\n%s", r.stdout)
	}
	if regexp.MustCompile(`reports +0 rows`).MatchString(r.stdout) {
		t.Errorf("the report is listed as a table of 0 rows:\n%s", r.stdout)
	}
	root := filepath.Join(dir, "out")
	if !strings.Contains(r.stdout, "  report:   "+filepath.Join(root, "reports", "as_of=2025-12-30", "report.html")) {
		t.Errorf("the summary does not point at the report:\n%s", r.stdout)
	}
	manifest, _ := os.ReadFile(filepath.Join(root, "runs", "as_of=2025-12-30", "manifest.json"))
	report, _ := os.ReadFile(filepath.Join(root, "reports", "as_of=2025-12-30", "report.html"))
	for what, text := range map[string]string{"stdout": r.stdout, "stderr": r.stderr, "manifest": string(manifest), "report": string(report)} {
		if strings.Contains(text, "map[") {
			i := strings.Index(text, "map[")
			t.Errorf("%s holds Go map syntax: %q", what, text[max(0, i-80):min(len(text), i+80)])
		}
	}
	if len(report) == 0 || len(manifest) == 0 {
		t.Errorf("no report or manifest")
	}
}
