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
	fs.Usage = func() {
		fmt.Fprintln(m.Stderr, "Usage: crmbatch publish -as-of DATE | -latest [flags]\n\nRecords which run BI tools see (<output>/_published) and rebuilds\n<output>/catalog.duckdb: one view per table over that run and a <table>_history\nview over every run. With -latest, each new run moves the views forward.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 || (*asOf == "") == !*latest {
		return &UsageError{Msg: "publish needs exactly one of -as-of DATE or -latest"}
	}
	target := ops.Latest
	if *asOf != "" {
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
	if err := ops.SetPointer(root, target); err != nil {
		return &UsageError{Msg: err.Error()}
	}
	res, err := ops.BuildCatalog(ctx, root, pipelines.Schema(cfg))
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "BI tools see the run as of %s (%s); %s has %d views\n", res.AsOf, target, res.Path, len(res.Views))
	return nil
}
