package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
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
  crmbatch segment preview NAME | -where EXPR [-channel email|sms|ads|none] [-config FILE] [-as-of DATE] [-n 10]
  crmbatch segment export  NAME | -where EXPR -name NAME [-channel ...] [-format csv|parquet] [-out FILE] [-config FILE] [-as-of DATE]

Segments are named filter expressions over the published customer table, set
under segments: in the configuration, or given ad hoc with -where (the same
safe expression rules). preview and export read the customers of the latest
published run (or -as-of) with their contacts, and leave out, counting each,
customers without an opt-in for the channel, without a valid email or phone,
and all but one customer per email or phone. Each channel exports the columns
its tools import: email (customer_id, email, first_name, last_name, country),
sms (customer_id, phone in E.164, first_name, last_name, country), ads
(SHA-256 of the normalised email and phone, country). CSV cells that would
start a spreadsheet formula (= + - @) get a leading '. export writes
<NAME>-<as-of>.<format> in the current folder unless -out is given.

Flags:
`

// segmentFlags are the flags of the segment subcommands.
type segmentFlags struct {
	config, asOf, format, out, output string
	where, name, channel              string
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
		fs.StringVar(&f.where, "where", "", "an ad hoc segment: a filter over the customer columns (crmbatch schema customers), instead of NAME")
		fs.StringVar(&f.channel, "channel", "", "channel of an ad hoc segment: email (default), sms, ads or none")
	}
	switch sub {
	case "export":
		fs.StringVar(&f.format, "format", "", "csv or parquet (default: the segment's format, else csv)")
		fs.StringVar(&f.out, "out", "", "file to write (default <NAME>-<as-of>.<format>)")
		fs.StringVar(&f.name, "name", "", "name of an ad hoc segment (with -where): names the file")
	case "preview":
		fs.IntVar(&f.n, "n", 10, "rows of the sample")
	case "list":
	default:
		fmt.Fprint(m.Stderr, segmentUsage)
		return &UsageError{Msg: fmt.Sprintf("unknown segment subcommand %q: use list, preview or export%s", sub, didYouMean(sub, []string{"list", "preview", "export"}))}
	}
	fs.Usage = func() { fmt.Fprint(m.Stderr, segmentUsage); fs.PrintDefaults() }
	pos, err := parseInterleaved(fs, args[1:])
	if err != nil {
		return err
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
	seg, name, err := f.segment(cfg, sub, pos)
	if err != nil {
		return err
	}
	if sub == "export" {
		if f.format == "" {
			f.format = seg.Format
		}
		if f.format == "" {
			f.format = "csv"
		}
		if f.format != "csv" && f.format != "parquet" {
			return &UsageError{Msg: fmt.Sprintf("-format %q: use csv or parquet", f.format)}
		}
	}
	if sub == "preview" && f.n < 0 {
		return &UsageError{Msg: fmt.Sprintf("-n %d: use 0 or more rows", f.n)}
	}
	return m.segmentRun(ctx, cfg, sub, name, seg, &f)
}

// segment returns the segment to preview or export: the configured one
// named by the argument, or the ad hoc one of -where.
func (f *segmentFlags) segment(cfg *config.Config, sub string, pos []string) (*config.Segment, string, error) {
	if f.where == "" {
		if f.name != "" || f.channel != "" {
			return nil, "", &UsageError{Msg: "-name and -channel go with -where (an ad hoc segment); a configured segment has its own"}
		}
		if len(pos) != 1 {
			return nil, "", &UsageError{Msg: fmt.Sprintf("segment %s needs one segment NAME or -where EXPR (got %d names); crmbatch segment list shows them", sub, len(pos))}
		}
		s, ok := cfg.Segments[pos[0]]
		if !ok || s == nil {
			_, err := segments.Compile(cfg, pos[0], nil)
			return nil, "", &UsageError{Msg: err.Error() + didYouMean(pos[0], cfg.SegmentNames())}
		}
		return s, pos[0], nil
	}
	if len(pos) > 0 {
		return nil, "", &UsageError{Msg: fmt.Sprintf("give a segment NAME or -where, not both (got %q and -where)", pos)}
	}
	name := f.name
	switch {
	case name == "" && sub == "export":
		return nil, "", &UsageError{Msg: "segment export -where needs -name NAME (it names the file and the segment in messages)"}
	case name == "":
		name = "ad-hoc"
	case !config.ValidSegmentName(name):
		return nil, "", &UsageError{Msg: fmt.Sprintf("-name %q: a segment name is lower-case letters, digits, _ and -, starting with a letter, at most 63 characters", name)}
	}
	channel := f.channel
	if channel == "" {
		channel = "email"
	}
	if !slices.Contains(segments.Channels, channel) {
		return nil, "", &UsageError{Msg: fmt.Sprintf("-channel %q: use %s", channel, strings.Join(segments.Channels, ", "))}
	}
	if _, err := config.ParseUnchecked(f.where); err != nil {
		return nil, "", &UsageError{Msg: fmt.Sprintf("-where: %v", err)}
	}
	return &config.Segment{Expression: f.where, Channel: channel}, name, nil
}

// documentedColumns are the columns segments can use in a run with cfg:
// the customer table's and the contacts'.
func documentedColumns(cfg *config.Config) []string {
	var cols []string
	for _, t := range pipelines.Schema(cfg) {
		if t.Name == "customers" || t.Name == segments.ContactsTable {
			for _, c := range t.Columns {
				if !slices.Contains(cols, c.Name) {
					cols = append(cols, c.Name)
				}
			}
		}
	}
	return cols
}

func (m *Main) segmentList(cfg *config.Config) error {
	if len(cfg.Segments) == 0 {
		fmt.Fprintf(m.Stdout, "no segments in %s; add them under segments:\n", cfg.Path)
		return nil
	}
	cols := documentedColumns(cfg)
	w := tabwriter.NewWriter(m.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "segment\tchannel\tformat\ton_run\tcheck\texpression")
	var errs []string
	for _, n := range cfg.SegmentNames() {
		s := cfg.Segments[n]
		check := "ok"
		if _, err := segments.Compile(cfg, n, cols); err != nil {
			check = "ERROR"
			errs = append(errs, err.Error())
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%v\t%s\t%s\n", n, s.Channel, s.Format, s.ExportOnRun, check, s.Expression)
		if s.Description != "" {
			fmt.Fprintf(w, "\t\t\t\t\t  %s\n", s.Description)
		}
	}
	w.Flush()
	if len(errs) > 0 {
		return &configError{fmt.Errorf("%d segment(s) of %s do not fit the documented customer columns (crmbatch schema customers):\n  %s", len(errs), cfg.Path, strings.Join(errs, "\n  "))}
	}
	return nil
}

func (m *Main) segmentRun(ctx context.Context, cfg *config.Config, sub, name string, seg *config.Segment, f *segmentFlags) error {
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
	contacts := filepath.Join(pipelines.PartitionDir(root, segments.ContactsTable, asOf), "part-0.parquet")
	from := segments.Join(segments.ReadParquet(path), segments.ReadParquet(contacts))
	if _, err := os.Stat(contacts); err != nil {
		from = segments.Join(segments.ReadParquet(path), "")
	}
	// The expression is checked against this run's columns below, before
	// anything is evaluated or written.
	db, err := engine.Open(ctx, engine.Options{Threads: cfg.Threads, MemoryLimit: cfg.MemoryLimit})
	if err != nil {
		return err
	}
	defer db.Close()
	cols, err := db.Strings(ctx, "SELECT column_name FROM (DESCRIBE SELECT * FROM "+from+")")
	if err != nil {
		return err
	}
	q, err := segments.CompileSegment(name, seg, cols)
	if err != nil {
		return &UsageError{Msg: fmt.Sprintf("%v (columns of the run as of %s)", err, asOf)}
	}
	switch sub {
	case "preview":
		c, err := q.Count(ctx, db, from)
		if err != nil {
			return &UsageError{Msg: err.Error()}
		}
		fmt.Fprintf(m.Stdout, "segment %s (%s) as of %s: %s\n", name, q.Channel, asOf, c.Describe(q.Channel))
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
	fmt.Fprintf(m.Stdout, "segment %s (%s) as of %s: wrote %d rows (%s) to %s; %s\n", name, q.Channel, asOf, c.Exported, strings.Join(q.Columns, ", "), out, c.Describe(q.Channel))
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
