// Command crmbatch is the nightly analytics batch for CRM and sales
// extracts: it loads customers, orders, interactions, leads, opportunities
// and subscriptions into DuckDB, checks them, computes the customer table
// and the models, and publishes Parquet for BI tools and marketers.
//
// Exit codes: 0 ok; 1 internal error; 2 bad usage, configuration or input
// contract; 3 rejected rows over max_reject_share (nothing published); 4
// published, but monitoring thresholds were crossed (see the manifest's
// alerts).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/crmbatch/crmbatch/pipelines"
)

// Exit codes of the command.
const (
	ExitOK       = 0
	ExitInternal = 1
	ExitUsage    = 2
	ExitRejects  = 3
	ExitAlerts   = 4
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// Go shares the machine with DuckDB, which keeps to its memory_limit:
	// Go's own memory is held near 1 GiB (or a quarter above what a stage
	// keeps live). GOMEMLIMIT, when set, decides instead.
	if os.Getenv("GOMEMLIMIT") == "" {
		pipelines.LimitGoMemory(1 << 30)
	}
	m := &Main{Stdout: os.Stdout, Stderr: os.Stderr}
	err := m.Run(ctx, os.Args[1:])
	code := ExitCode(err)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "crmbatch:", err)
	}
	os.Exit(code)
}

// Main is the command line program; tests drive it through Run.
type Main struct {
	Stdout io.Writer
	Stderr io.Writer
	// Terminal says that Stderr is a terminal, which shows the run's
	// status line; when false, Stderr is asked (tests set it).
	Terminal bool
}

func (m *Main) terminal() bool { return m.Terminal || isTerminal(m.Stderr) }

// errAlerts marks a run that published but crossed monitoring thresholds.
var errAlerts = errors.New("the run published, but monitoring thresholds were crossed (see alerts above and in the manifest)")

// UsageError is a mistake on the command line.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// ExitCode maps an error from Run to the documented exit code.
func ExitCode(err error) int {
	var ue *UsageError
	var ie *pipelines.InputError
	var re *pipelines.RejectError
	var le *pipelines.LockedError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return ExitOK
	case errors.As(err, &re):
		return ExitRejects
	case errors.Is(err, errAlerts):
		return ExitAlerts
	case errors.As(err, &ue), errors.As(err, &ie), errors.As(err, &le), isConfigError(err), isFlagError(err):
		return ExitUsage
	}
	return ExitInternal
}

const usage = `crmbatch: the nightly CRM analytics batch.

Usage:
  crmbatch <command> [flags]

Commands:
  run        load, check, model and publish one as-of date
  validate   load and check the inputs; publish nothing
  init       write a commented crmbatch.yaml from the headers of your files
  demo       generate a small data set, run the batch on it, say where the outputs are
  gen        write a synthetic CRM data set with its true parameters
  schema     list the published tables and their columns
  runs       list the published runs with their row counts, rejects, metrics and alerts
  publish    choose the run BI tools see (-as-of DATE or -latest) and rebuild catalog.duckdb
  bench      time the whole nightly run on generated data, stage by stage
  explain    print one customer's churn risk or one lead's score with its reasons
  segment    list, preview or export the marketer segments of the latest run
  version    print the version (also --version)

Run "crmbatch <command> -h" for a command's flags.
Exit codes: 0 ok, 1 internal error, 2 bad usage/config/input, 3 too many rejected rows,
4 published but monitoring thresholds crossed.
`

// Run runs the command named by args[0].
func (m *Main) Run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(m.Stderr, usage)
		return &UsageError{Msg: "no command given"}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "run":
		return m.runCmd(ctx, rest, false)
	case "validate":
		return m.runCmd(ctx, rest, true)
	case "demo":
		return m.demoCmd(ctx, rest)
	case "gen":
		return m.genCmd(ctx, rest)
	case "explain":
		return m.explainCmd(ctx, rest)
	case "bench":
		return m.benchCmd(ctx, rest)
	case "schema":
		return m.schemaCmd(rest)
	case "runs":
		return m.runsCmd(ctx, rest)
	case "publish":
		return m.publishCmd(ctx, rest)
	case "segment":
		return m.segmentCmd(ctx, rest)
	case "init":
		return m.initCmd(rest)
	case "version", "-version", "--version", "-v":
		fmt.Fprintln(m.Stdout, "crmbatch", pipelines.Version)
		return nil
	case "help", "-h", "-help", "--help":
		fmt.Fprint(m.Stdout, usage)
		return nil
	}
	if strings.HasPrefix(cmd, "-") {
		return &UsageError{Msg: fmt.Sprintf("%s: a command comes first, then its flags (crmbatch run %s ...); the commands are %s", cmd, cmd, strings.Join(commands, ", "))}
	}
	return &UsageError{Msg: fmt.Sprintf("unknown command %q%s; the commands are %s (crmbatch help)", cmd, didYouMean(cmd, commands), strings.Join(commands, ", "))}
}

// commands are the command names, for suggestions.
var commands = []string{"run", "validate", "init", "demo", "gen", "schema", "runs", "publish", "bench", "explain", "segment", "version", "help"}
