package main

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// onTerminal runs crmbatch as if its standard error were a terminal.
func onTerminal(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	err := (&Main{Stdout: &out, Stderr: &errb, Terminal: true}).Run(context.Background(), args)
	return out.String(), errb.String(), ExitCode(err)
}

// Issue 12, item 3: on a terminal the status line says the stage n of N,
// the table being loaded with the rows read so far, the elapsed time and
// (from the previous run) the time left; every log line stands on a line
// of its own; with -log-format json standard error holds JSON lines only.
func TestProgressLine(t *testing.T) {
	heavy(t)
	cfg := genData(t, t.TempDir(), 300, 4, "")
	_, stderr, code := onTerminal(t, "run", "-config", cfg)
	if code != ExitOK && code != ExitAlerts {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	status := regexp.MustCompile(`^\[\d+\.\ds\] \d+ of \d+ [a-z_]+`)
	var states, logs int
	for _, line := range strings.Split(strings.TrimSuffix(stderr, "\n"), "\n") {
		// What the terminal shows of a line is what follows its last
		// carriage return; each redraw starts with "\r\033[K".
		for _, seg := range strings.Split(line, "\r")[1:] {
			seg = strings.TrimPrefix(seg, "\033[K")
			if status.MatchString(seg) {
				states++
			}
		}
		shown := line[strings.LastIndex(line, "\r")+1:]
		shown = strings.TrimPrefix(shown, "\033[K")
		if shown == "" {
			continue
		}
		if !strings.HasPrefix(shown, "time=") {
			t.Errorf("a log line shares its line with the status line: %q", shown)
		}
		logs++
	}
	if states == 0 || logs == 0 {
		t.Fatalf("%d status lines, %d log lines in\n%q", states, logs, stderr)
	}
	if !strings.Contains(stderr, "1 of 18 ingest: loading customers (table 1 of 6), 0 rows read") ||
		!regexp.MustCompile(`ingest: loading orders \(table 2 of 6\), [0-9,]+ rows read`).MatchString(stderr) {
		t.Errorf("the status line does not show the table being loaded and the rows read:\n%q", stderr[:min(len(stderr), 2000)])
	}
	if strings.Contains(stderr, "left") {
		t.Errorf("a first run has no earlier stage times to estimate from, but the status line estimates")
	}

	// The second run knows the first one's stage times.
	_, stderr, _ = onTerminal(t, "run", "-config", cfg)
	if !regexp.MustCompile(`\d+ of 18 [a-z_]+.* · about [0-9.]+s left`).MatchString(stderr) {
		t.Errorf("the second run does not estimate the time left:\n%q", stderr[:min(len(stderr), 2000)])
	}

	// JSON logs on a terminal: nothing but JSON lines.
	_, stderr, _ = onTerminal(t, "run", "-config", cfg, "-log-format", "json")
	if strings.ContainsAny(stderr, "\r\033") {
		t.Errorf("JSON logs carry terminal control characters")
	}
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
		var v map[string]any
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Errorf("not a JSON line: %q", line)
		}
		n++
	}
	if n == 0 {
		t.Errorf("no JSON log lines")
	}

	// Off a terminal: logs only, no status line.
	r := user(t, "run", "-config", cfg)
	if strings.ContainsAny(r.stderr, "\r\033") {
		t.Errorf("the status line is drawn off a terminal")
	}
}
