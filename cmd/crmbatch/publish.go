package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/crmbatch/crmbatch/pipelines"
	"github.com/crmbatch/crmbatch/pipelines/config"
	"github.com/crmbatch/crmbatch/pipelines/ops"
)

func (m *Main) publishCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("publish", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	var f rootFlags
	f.register(fs)
	asOf := fs.String("as-of", "", "pin the published run of this as-of date (YYYY-MM-DD) for BI tools")
	latest := fs.Bool("latest", false, "let BI tools follow the latest published run (the default)")
	catRoot := fs.String("root", "", "the output root as BI tools see it, written into the views' Parquet paths: a container's mount (/data), another machine's share, or . for paths relative to the tool's folder; \"default\" goes back to this machine's absolute path; kept for later runs")
	personal := fs.String("personal-data", "", "yes: the views keep names, emails, phones, addresses and the contacts table; no (the default): they leave them out; kept for later runs")
	fs.Usage = func() {
		fmt.Fprintln(m.Stderr, "Usage: crmbatch publish [-as-of DATE | -latest] [-root PATH] [-personal-data yes|no] [flags]\n\nRecords which run BI tools see (<output>/_published) and rebuilds\n<output>/catalog.duckdb: one view per table over that run and a <table>_history\nview over every run, both with as_of and every documented column. -root and\n-personal-data are kept in <output>/_catalog.json for the rebuilds after later runs.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	settingsGiven := *catRoot != "" || *personal != ""
	if fs.NArg() > 0 || (*asOf != "" && *latest) || (*asOf == "" && !*latest && !settingsGiven) {
		return &UsageError{Msg: "publish needs -as-of DATE or -latest (which run BI tools see), and/or -root or -personal-data (how the catalog is written)"}
	}
	target := ""
	switch {
	case *latest:
		target = ops.Latest
	case *asOf != "":
		if _, err := time.Parse(time.DateOnly, *asOf); err != nil {
			return &UsageError{Msg: fmt.Sprintf("-as-of %q is not a date like 2024-03-31", *asOf)}
		}
		target = *asOf
	}
	root, err := f.root()
	if err != nil {
		return err
	}
	var cfg *config.Config
	if f.output == "" {
		rf := runFlags{config: f.config}
		if cfg, _, err = rf.load(); err != nil {
			return err
		}
	}
	unlock, err := ops.Lock(root)
	if errors.Is(err, ops.ErrLocked) {
		return &pipelines.LockedError{Root: root}
	}
	if err != nil {
		return err
	}
	defer unlock()
	if settingsGiven {
		set, err := ops.ReadSettings(root)
		if err != nil {
			return err
		}
		switch *catRoot {
		case "":
		case "default":
			set.Root = ""
		default:
			set.Root = *catRoot
		}
		switch *personal {
		case "":
		case "yes":
			set.PersonalData = true
		case "no":
			set.PersonalData = false
		default:
			return &UsageError{Msg: fmt.Sprintf("-personal-data %q: use yes or no", *personal)}
		}
		if err := ops.WriteSettings(root, set); err != nil {
			return err
		}
	}
	if target != "" {
		if err := ops.SetPointer(root, target); err != nil {
			return &UsageError{Msg: err.Error()}
		}
	}
	res, err := ops.BuildCatalog(ctx, root, pipelines.Schema(cfg))
	if err != nil {
		return err
	}
	where := "absolute paths of this machine"
	switch res.Settings.Root {
	case "":
	case ".":
		where = "paths relative to the folder the BI tool runs in (open the catalog from " + root + ", or SET file_search_path to it)"
	default:
		where = "paths under " + res.Settings.Root
	}
	pd := "without personal data (names, emails, phones, addresses, contacts)"
	if res.Settings.PersonalData {
		pd = "with personal data"
	}
	fmt.Fprintf(m.Stdout, "BI tools see the run as of %s; %s has %d views, %s, %s\n", res.AsOf, res.Path, len(res.Views), where, pd)
	return nil
}
