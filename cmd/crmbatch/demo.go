package main

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"time"

	"github.com/crmbatch/crmbatch/pipelines/config"
)

func (m *Main) demoCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	var g genFlags
	g.register(fs, "crmbatch-demo", 2000)
	var f runFlags
	fs.StringVar(&f.logFormat, "log-format", "text", "log format: text or json")
	fs.BoolVar(&f.quiet, "quiet", true, "log warnings and errors only")
	fs.Usage = func() {
		fmt.Fprintln(m.Stderr, "Usage: crmbatch demo [flags]\n\nGenerates a small data set (all six input tables) under <out>/input, runs the\nbatch on it with the embedded DuckDB and publishes under <out>/output.\nNeeds no configuration file.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	in := filepath.Join(g.out, "input")
	if _, _, err := g.write(in, "../output"); err != nil {
		return err
	}
	cfgPath := filepath.Join(in, "crmbatch.yaml")
	cfg, err := config.Load(cfgPath)
	if err != nil {
		return &configError{err}
	}
	fmt.Fprintf(m.Stdout, "demo data: %d customers in %s (config %s)\n", g.customers, in, cfgPath)
	return m.execute(ctx, cfg, time.Time{}, false, &f)
}
