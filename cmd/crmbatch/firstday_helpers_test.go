package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
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
	return fmt.Sprintf("exit %d: %v\n--- stdout\n%s--- stderr\n%s", r.code, r.err, r.stdout, r.stderr)
}

// holdEnv makes TestMain hold a DuckDB database open instead of running
// the tests (see holdDatabase).
const holdEnv = "CRMBATCH_TEST_HOLD_DATABASE"

// holdDatabase opens the database at path in another process, as another
// run would, until release is called.
func holdDatabase(t testing.TB, path string) (release func()) {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), holdEnv+"="+path)
	in, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "held\n" {
		t.Fatalf("holding %s: %q %v", path, line, err)
	}
	return func() { in.Close(); cmd.Wait() }
}

// holdMain opens the database named by holdEnv, says "held" and keeps it
// open until its standard input closes.
func holdMain(path string) {
	db, err := engine.Open(context.Background(), engine.Options{Path: path})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("held")
	io.Copy(io.Discard, os.Stdin)
	db.Close()
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
