package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"path/filepath"
	"time"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/pipelines/ops"
)

// rootFlags locate an output root: the config's, or -output.
type rootFlags struct {
	config, output string
}

func (f *rootFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.config, "config", "crmbatch.yaml", "configuration file (for its output root)")
	fs.StringVar(&f.output, "output", "", "output root (overrides the config's output; then no config is read)")
}

func (f *rootFlags) root() (string, error) {
	if f.output != "" {
		return filepath.Abs(f.output)
	}
	rf := runFlags{config: f.config}
	cfg, _, err := rf.load()
	if err != nil {
		return "", err
	}
	return cfg.OutputRoot(), nil
}

func (m *Main) runsCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("runs", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	var f rootFlags
	f.register(fs)
	fs.Usage = func() {
		fmt.Fprintln(m.Stderr, "Usage: crmbatch runs [flags]\n\nLists the published runs, oldest first, from <output>/runs/*/*.parquet;\n* marks the run BI tools see (crmbatch publish).\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &UsageError{Msg: fmt.Sprintf("runs takes no arguments (got %q)", fs.Args())}
	}
	root, err := f.root()
	if err != nil {
		return err
	}
	db, err := engine.Open(ctx, engine.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	h, err := ops.History(ctx, db, root)
	if err != nil {
		return err
	}
	if h.Len() == 0 {
		fmt.Fprintf(m.Stdout, "no published run with a history row under %s\n", root)
		return nil
	}
	shown, _ := ops.Shown(root)
	fmt.Fprintf(m.Stdout, "  %-10s %-6s %8s %9s %11s %9s %8s %6s %6s %9s %9s\n",
		"as_of", "status", "seconds", "customers", "rows_read", "rejected", "reject%", "warn", "alerts", "clv_rmse", "churn_auc")
	floats := func(name string) []float64 { v, _ := h.Floats(name); return v }
	ints := func(name string) []float64 { return floats(name) }
	sec, cust, read, rej, share := floats("seconds"), ints("customers"), ints("rows_read"), ints("rows_rejected"), floats("reject_share")
	warn, alerts, rmse, auc := ints("warnings"), ints("alerts"), floats("clv_holdout_rmse"), floats("churn_auc")
	for i := 0; i < h.Len(); i++ {
		asOf := time.Unix(h.Col("as_of").Ints[i]*86400, 0).UTC().Format(time.DateOnly)
		mark := " "
		if asOf == shown {
			mark = "*"
		}
		fmt.Fprintf(m.Stdout, "%s %-10s %-6s %8.1f %9.0f %11.0f %9.0f %7.2f%% %6.0f %6.0f %9s %9s\n", mark, asOf, h.Col("status").Strings[i],
			sec[i], cust[i], read[i], rej[i], 100*share[i], warn[i], alerts[i], num(rmse, i), num(auc, i))
	}
	return nil
}

func num(v []float64, i int) string {
	if v == nil || math.IsNaN(v[i]) {
		return "-"
	}
	return fmt.Sprintf("%.4f", v[i])
}
