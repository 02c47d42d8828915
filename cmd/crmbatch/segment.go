package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/engine/frame"
	"github.com/crmbatch/crmbatch/pipelines"
	"github.com/crmbatch/crmbatch/pipelines/config"
	"github.com/crmbatch/crmbatch/pipelines/segments"
)

const segmentUsage = `Usage:
  crmbatch segment list    [-config FILE]
  crmbatch segment preview NAME [-config FILE] [-as-of DATE] [-n 10]
  crmbatch segment export  NAME [-format csv|parquet] [-out FILE] [-config FILE] [-as-of DATE]

Segments are named filter expressions over the published customer table, set
under segments: in the configuration. preview and export read the customers
of the latest published run (or -as-of) and leave out customers without an
opt-in for the segment's channel, reporting how many. export writes
<NAME>-<as-of>.<format> in the current folder unless -out is given.

Flags:
`

// segmentFlags are the flags of the segment subcommands.
type segmentFlags struct {
	config, asOf, format, out, output string
	n                                 int
}

func (m *Main) segmentCmd(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(m.Stderr, segmentUsage)
		if len(args) == 0 {
			return &UsageError{Msg: "segment needs a subcommand: list, preview or export"}
		}
		return flag.ErrHelp
	}
	sub := args[0]
	fs := flag.NewFlagSet("segment "+sub, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	var f segmentFlags
	fs.StringVar(&f.config, "config", "crmbatch.yaml", "configuration file")
	fs.StringVar(&f.output, "output", "", "output root to read (overrides the config's output)")
	if sub != "list" {
		fs.StringVar(&f.asOf, "as-of", "", "as-of date YYYY-MM-DD of the published run (default: the latest)")
	}
	switch sub {
	case "export":
		fs.StringVar(&f.format, "format", "", "csv or parquet (default: the segment's format, else csv)")
		fs.StringVar(&f.out, "out", "", "file to write (default <NAME>-<as-of>.<format>)")
	case "preview":
		fs.IntVar(&f.n, "n", 10, "rows of the sample")
	case "list":
	default:
		fmt.Fprint(m.Stderr, segmentUsage)
		return &UsageError{Msg: fmt.Sprintf("unknown segment subcommand %q: use list, preview or export", sub)}
	}
	fs.Usage = func() { fmt.Fprint(m.Stderr, segmentUsage); fs.PrintDefaults() }
	// Flags may come before or after NAME.
	var pos []string
	rest := args[1:]
	for {
		if err := fs.Parse(rest); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	cfg, err := config.Load(f.config)
	if err != nil {
		return &configError{err}
	}
	if f.output != "" {
		cfg.Output, _ = filepath.Abs(f.output)
	}
	if sub == "list" {
		if len(pos) > 0 {
			return &UsageError{Msg: fmt.Sprintf("segment list takes no arguments (got %q)", pos)}
		}
		return m.segmentList(cfg)
	}
	if len(pos) != 1 {
		return &UsageError{Msg: fmt.Sprintf("segment %s needs exactly one segment NAME (got %d); crmbatch segment list shows them", sub, len(pos))}
	}
	name := pos[0]
	if _, ok := cfg.Segments[name]; !ok {
		_, err := segments.Compile(cfg, name, nil)
		return &UsageError{Msg: err.Error()}
	}
	if sub == "export" {
		if f.format == "" {
			f.format = cfg.Segments[name].Format
		}
		if f.format != "csv" && f.format != "parquet" {
			return &UsageError{Msg: fmt.Sprintf("-format %q: use csv or parquet", f.format)}
		}
	}
	if sub == "preview" && f.n < 0 {
		return &UsageError{Msg: fmt.Sprintf("-n %d: use 0 or more rows", f.n)}
	}
	return m.segmentRun(ctx, cfg, sub, name, &f)
}

// documentedColumns are the customer-table columns a run with cfg publishes.
func documentedColumns(cfg *config.Config) []string {
	for _, t := range pipelines.Schema(cfg) {
		if t.Name == "customers" {
			cols := make([]string, len(t.Columns))
			for i, c := range t.Columns {
				cols[i] = c.Name
			}
			return cols
		}
	}
	return nil
}

func (m *Main) segmentList(cfg *config.Config) error {
	if len(cfg.Segments) == 0 {
		fmt.Fprintf(m.Stdout, "no segments in %s; add them under segments:\n", cfg.Path)
		return nil
	}
	cols := documentedColumns(cfg)
	w := tabwriter.NewWriter(m.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "segment\tchannel\tformat\ton_run\tcheck\texpression")
	bad := 0
	for _, n := range cfg.SegmentNames() {
		s := cfg.Segments[n]
		check := "ok"
		if _, err := segments.Compile(cfg, n, cols); err != nil {
			check, bad = "ERROR", bad+1
			defer fmt.Fprintf(m.Stdout, "  %v\n", err)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%v\t%s\t%s\n", n, s.Channel, s.Format, s.ExportOnRun, check, s.Expression)
		if s.Description != "" {
			fmt.Fprintf(w, "\t\t\t\t\t  %s\n", s.Description)
		}
	}
	w.Flush()
	if bad > 0 {
		defer fmt.Fprintf(m.Stdout, "%d segment(s) do not fit the documented customer columns (crmbatch schema customers):\n", bad)
	}
	return nil
}

func (m *Main) segmentRun(ctx context.Context, cfg *config.Config, sub, name string, f *segmentFlags) error {
	root := cfg.OutputRoot()
	asOf := f.asOf
	if asOf == "" {
		var err error
		if asOf, err = pipelines.LatestAsOf(root); err != nil {
			return &UsageError{Msg: err.Error()}
		}
	}
	path := filepath.Join(pipelines.PartitionDir(root, "customers", asOf), "part-0.parquet")
	if _, err := os.Stat(path); err != nil {
		return &UsageError{Msg: fmt.Sprintf("no published customers for as-of %s under %s (%v); run crmbatch run first or pick another -as-of", asOf, root, err)}
	}
	// config.Load has refused expressions outside the safe subset already;
	// the columns are checked against this run's file below.
	db, err := engine.Open(ctx, engine.Options{Threads: cfg.Threads, MemoryLimit: cfg.MemoryLimit})
	if err != nil {
		return err
	}
	defer db.Close()
	cols, err := segments.ParquetColumns(ctx, db, path)
	if err != nil {
		return err
	}
	q, err := segments.Compile(cfg, name, cols)
	if err != nil {
		return &UsageError{Msg: fmt.Sprintf("%v (columns of the run as of %s)", err, asOf)}
	}
	from := segments.ReadParquet(path)
	switch sub {
	case "preview":
		c, err := q.Count(ctx, db, from)
		if err != nil {
			return &UsageError{Msg: err.Error()}
		}
		fmt.Fprintf(m.Stdout, "segment %s as of %s: %d customers match; %d exported, %d left out without %s opt-in\n", name, asOf, c.Matched, c.Exported, c.LeftOut, q.Channel)
		if f.n > 0 {
			s, err := q.Sample(ctx, db, from, f.n)
			if err != nil {
				return err
			}
			printFrame(m.Stdout, s)
		}
		return nil
	}
	out := f.out
	if out == "" {
		out = fmt.Sprintf("%s-%s.%s", name, asOf, f.format)
	}
	c, err := q.Write(ctx, db, from, f.format, out)
	if err != nil {
		return &UsageError{Msg: err.Error()}
	}
	fmt.Fprintf(m.Stdout, "segment %s as of %s: wrote %d customers to %s; %d matching customers left out without %s opt-in\n", name, asOf, c.Exported, out, c.LeftOut, q.Channel)
	return nil
}

// printFrame prints a small frame as an aligned table.
func printFrame(w interface{ Write([]byte) (int, error) }, f *frame.Frame) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	var head []string
	for _, c := range f.Cols {
		head = append(head, c.Name)
	}
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for i := 0; i < f.Len(); i++ {
		var row []string
		for _, c := range f.Cols {
			row = append(row, cell(c, i))
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	tw.Flush()
}

func cell(c *frame.Column, i int) string {
	if c.IsNull(i) {
		return ""
	}
	switch c.Kind {
	case frame.String:
		return c.Strings[i]
	case frame.Float64:
		return fmt.Sprintf("%.4g", c.Floats[i])
	case frame.Bool:
		return fmt.Sprint(c.Bools[i])
	}
	return fmt.Sprint(c.Ints[i])
}
