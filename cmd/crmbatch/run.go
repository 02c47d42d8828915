package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/pipelines"
	"github.com/crmbatch/crmbatch/pipelines/config"
)

// configError marks errors in the configuration file (exit code 2).
type configError struct{ err error }

func (e *configError) Error() string { return e.err.Error() }
func (e *configError) Unwrap() error { return e.err }

func isConfigError(err error) bool {
	var ce *configError
	return errors.As(err, &ce)
}

// runFlags are shared by run and validate.
type runFlags struct {
	config    string
	asOf      string
	output    string
	logFormat string
	quiet     bool
	cpuProf   string
	rejects   string
	full      bool
	dryRun    bool
}

func (f *runFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.config, "config", "crmbatch.yaml", "configuration file")
	fs.StringVar(&f.asOf, "as-of", "", "as-of date YYYY-MM-DD (default: the config's as_of, else today)")
	fs.StringVar(&f.output, "output", "", "output root (overrides the config's output)")
	fs.StringVar(&f.logFormat, "log-format", "text", "log format: text or json")
	fs.BoolVar(&f.quiet, "quiet", false, "log warnings and errors only")
	fs.StringVar(&f.cpuProf, "cpuprofile", "", "write a Go CPU profile of the run to this file")
	fs.StringVar(&f.rejects, "rejects", "", "also write every quarantined row to this CSV file")
	fs.BoolVar(&f.full, "full-reload", false, "reload every source file instead of only new or changed ones")
	fs.BoolVar(&f.dryRun, "dry-run", false, "check the configuration and say which files would be loaded; load and publish nothing")
}

// logger writes the logs through p, which also watches them for the
// status line.
func (f *runFlags) logger(p *progress) (*slog.Logger, error) {
	level := slog.LevelInfo
	if f.quiet {
		level = slog.LevelWarn
	}
	opts := &slog.HandlerOptions{Level: level}
	switch f.logFormat {
	case "text":
		return slog.New(handler{slog.NewTextHandler(p, opts), p}), nil
	case "json":
		return slog.New(handler{slog.NewJSONHandler(p, opts), p}), nil
	}
	return nil, &UsageError{Msg: fmt.Sprintf("-log-format %q: use text or json", f.logFormat)}
}

func (f *runFlags) load() (*config.Config, time.Time, error) {
	cfg, err := config.Load(f.config)
	if err != nil {
		return nil, time.Time{}, &configError{err}
	}
	if f.output != "" {
		cfg.Output, _ = filepath.Abs(f.output)
	}
	var asOf time.Time
	if f.asOf != "" {
		if asOf, err = time.Parse(time.DateOnly, f.asOf); err != nil {
			return nil, time.Time{}, &UsageError{Msg: fmt.Sprintf("-as-of %q is not a date like 2024-03-31", f.asOf)}
		}
	}
	return cfg, asOf, nil
}

func (m *Main) runCmd(ctx context.Context, args []string, validate bool) error {
	name := "run"
	if validate {
		name = "validate"
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	var f runFlags
	f.register(fs)
	fs.Usage = func() {
		if validate {
			fmt.Fprintln(m.Stderr, "Usage: crmbatch validate [flags]\n\nLoads and checks every input and reports read, accepted and rejected rows per table\nwith the reasons; publishes nothing.\n\nFlags:")
		} else {
			fmt.Fprintln(m.Stderr, "Usage: crmbatch run [flags]\n\nRuns the nightly batch for one as-of date and publishes its outputs under the\noutput root (<output>/<table>/as_of=<date>/).\n\nFlags:")
		}
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &UsageError{Msg: fmt.Sprintf("%s takes no arguments (got %q); use -config", name, fs.Args())}
	}
	cfg, asOf, err := f.load()
	if err != nil {
		return err
	}
	if f.dryRun {
		return m.dryRun(ctx, cfg, asOf, &f)
	}
	return m.execute(ctx, cfg, asOf, validate, &f)
}

func (m *Main) execute(ctx context.Context, cfg *config.Config, asOf time.Time, validate bool, f *runFlags) error {
	prog := newProgress(m.Stderr, m.terminal() && f.logFormat == "text", cfg)
	defer prog.done()
	log, err := f.logger(prog)
	if err != nil {
		return err
	}
	if f.cpuProf != "" {
		pf, err := os.Create(f.cpuProf)
		if err != nil {
			return &UsageError{Msg: fmt.Sprintf("-cpuprofile: %v", err)}
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	man, err := pipelines.Run(ctx, pipelines.Options{Config: cfg, AsOf: asOf, ValidateOnly: validate, RejectsCSV: f.rejects, FullReload: f.full, Log: log, Progress: prog.Stage})
	prog.done()
	if man != nil && len(man.Inputs) > 0 {
		m.printInputs(man)
	}
	if err != nil {
		m.printSkipped(man)
		return err
	}
	if validate {
		fmt.Fprintf(m.Stdout, "validated as of %s; nothing published\n", man.AsOf)
		return nil
	}
	root := cfg.OutputRoot()
	fmt.Fprintf(m.Stdout, "published run %s as of %s in %.1fs under %s\n", man.RunID, man.AsOf, man.Seconds, root)
	var report string
	for _, o := range man.Outputs {
		if o.Table == report_ {
			report = filepath.Join(root, o.Path)
			continue
		}
		fmt.Fprintf(m.Stdout, "  %-22s %11s rows  %s\n", o.Table, pipelines.Thousands(o.Rows), filepath.Join(root, o.Path))
	}
	if report != "" {
		fmt.Fprintf(m.Stdout, "  report:   %s\n", report)
	}
	fmt.Fprintf(m.Stdout, "  manifest: %s\n", filepath.Join(pipelines.PartitionDir(root, "runs", man.AsOf), "manifest.json"))
	m.printSkipped(man)
	if len(man.Alerts) > 0 {
		for _, a := range man.Alerts {
			fmt.Fprintln(m.Stdout, "ALERT:", a)
		}
		return errAlerts
	}
	return nil
}

// report_ is the output that is a file, not a table: the HTML report.
const report_ = "reports"

// printSkipped lists the stages that did not run and why, whatever the
// log level: what the run could not compute is part of its result.
func (m *Main) printSkipped(man *pipelines.Manifest) {
	if man == nil {
		return
	}
	first := true
	for _, s := range man.Stages {
		if s.Status != "skipped" {
			continue
		}
		if first {
			fmt.Fprintln(m.Stdout, "skipped stages (what this run did not compute, and why):")
			first = false
		}
		fmt.Fprintf(m.Stdout, "  %-16s %s\n", s.Name, strings.TrimPrefix(s.Note, s.Name+": "))
	}
}

func (m *Main) printInputs(man *pipelines.Manifest) {
	fmt.Fprintf(m.Stdout, "%-14s %11s %11s %11s %11s\n", "table", "read", "accepted", "rejected", "after_as_of")
	for _, t := range man.Inputs {
		th := pipelines.Thousands
		fmt.Fprintf(m.Stdout, "%-14s %11s %11s %11s %11s", t.Table, th(t.Read), th(t.Accepted), th(t.Rejected), th(t.Excluded))
		if t.FilesUnchanged > 0 || t.Late > 0 {
			fmt.Fprintf(m.Stdout, "  files: %d loaded, %d unchanged; %s late rows", t.FilesLoaded, t.FilesUnchanged, th(t.Late))
		}
		if len(t.Rules) > 0 {
			fmt.Fprintf(m.Stdout, "  (%s)", pipelines.FormatCounts(t.Rules))
		}
		if t.Derived != "" {
			fmt.Fprintf(m.Stdout, "  (%s)", t.Derived)
		}
		fmt.Fprintln(m.Stdout)
	}
	if len(man.RejectSamples) > 0 {
		fmt.Fprintln(m.Stdout, "\nexamples of quarantined rows (all of them: the rejects output, or -rejects FILE):")
		for _, r := range man.RejectSamples {
			reason := r.Reason
			if len(reason) > 110 {
				reason = reason[:110] + "..."
			}
			fmt.Fprintf(m.Stdout, "  %s %s:%d [%s] %s\n", r.Table, filepath.Base(r.File), r.Line, r.Rule, reason)
		}
	}
	for _, w := range man.Warnings {
		if !strings.Contains(w, "quarantined") {
			fmt.Fprintln(m.Stdout, "warning:", w)
		}
	}
}

// dryRun prints what a run would read and where it would publish.
func (m *Main) dryRun(ctx context.Context, cfg *config.Config, asOf time.Time, f *runFlags) error {
	plan, err := pipelines.Plan(ctx, cfg, f.full)
	if err != nil {
		return err
	}
	copies, err := pipelines.PlanCopies(ctx, cfg, f.full)
	if err != nil {
		return err
	}
	copyOf := map[string]pipelines.Copy{}
	for _, c := range copies {
		copyOf[c.Table+"\x00"+c.Path] = c
	}
	if asOf.IsZero() {
		asOf = cfg.AsOfDate(time.Now())
	}
	fmt.Fprintf(m.Stdout, "dry run: as of %s, publishing under %s (warehouse %s)\n", asOf.Format(time.DateOnly), cfg.OutputRoot(), cfg.DatabasePath())
	for _, p := range plan {
		if c, ok := copyOf[p.Table+"\x00"+p.Path]; ok {
			fmt.Fprintf(m.Stdout, "  %-14s %-9s %12d bytes  %s (same content as %s)\n", p.Table, "skip", p.Bytes, p.Path, c.SameAs)
			continue
		}
		fmt.Fprintf(m.Stdout, "  %-14s %-9s %12d bytes  %s\n", p.Table, p.Action, p.Bytes, p.Path)
	}
	for _, c := range copies {
		fmt.Fprintln(m.Stdout, "warning:", c)
	}
	db, err := engine.Open(ctx, engine.Options{Threads: 1})
	if err != nil {
		return err
	}
	defer db.Close()
	if err := pipelines.CheckMappings(ctx, db, cfg); err != nil {
		return err
	}
	fmt.Fprintln(m.Stdout, "every mapping fits the columns of its files")
	fmt.Fprintln(m.Stdout, "nothing was loaded or published")
	return nil
}
