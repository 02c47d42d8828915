package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/engine/frame"
	"github.com/crmbatch/crmbatch/pipelines"
)

// The first-day tests (issue 12) drive crmbatch the way a new user does:
// Main.Run with the arguments they would type, on the real exports in
// ../shared/data where a case needs them.

// sharedData returns the path of a file under ../shared/data, or skips the
// test loudly when the machine does not have it.
func sharedData(t testing.TB, rel string) string {
	t.Helper()
	p, _ := filepath.Abs(filepath.Join("..", "..", "..", "shared", "data", rel))
	if _, err := os.Stat(p); err != nil {
		t.Skipf("SKIPPED: %s is not on this machine (%v); it is a real data set from ../shared/data", rel, err)
	}
	return p
}

// result is what one command gave the user.
type result struct {
	stdout, stderr string
	err            error
	code           int
}

func (r result) String() string {
	return "exit " + string(rune('0'+r.code)) + "\n--- stdout\n" + r.stdout + "--- stderr\n" + r.stderr
}

// user runs crmbatch with args, as typed on a command line.
func user(t testing.TB, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	err := (&Main{Stdout: &out, Stderr: &errb}).Run(context.Background(), args)
	return result{stdout: out.String(), stderr: errb.String(), err: err, code: ExitCode(err)}
}

// writeFile writes text to dir/name and returns the path.
func writeFile(t testing.TB, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// published queries one published table of the run as of asOf under root;
// the table is the relation t in q.
func published(t testing.TB, root, table, asOf, q string) *frame.Frame {
	t.Helper()
	p := filepath.Join(pipelines.PartitionDir(root, table, asOf), "part-0.parquet")
	db, err := engine.Open(context.Background(), engine.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	q = strings.ReplaceAll(q, " t ", " read_parquet("+engine.Quote(p)+", hive_partitioning = false) t ")
	f, err := db.QueryFrame(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", table, err)
	}
	return f
}
