package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/crmbatch/crmbatch/pipelines/config"
	"github.com/crmbatch/crmbatch/pipelines/gen"
)

type genFlags struct {
	out       string
	customers int
	seed      uint64
	asOf      string
	years     float64
	dirty     float64
}

func (g *genFlags) register(fs *flag.FlagSet, defaultOut string, defaultCustomers int) {
	fs.StringVar(&g.out, "out", defaultOut, "folder to write the data set into")
	fs.IntVar(&g.customers, "customers", defaultCustomers, "number of customers")
	fs.Uint64Var(&g.seed, "seed", 1, "random seed; equal seeds give identical files")
	fs.StringVar(&g.asOf, "as-of", "2025-12-31", "end of the generated history, YYYY-MM-DD")
	fs.Float64Var(&g.years, "years", 3, "length of the history in years")
	fs.Float64Var(&g.dirty, "dirty-share", 0.01, "share of planted dirty rows (negative: none)")
}

// write generates the data into dir and a crmbatch.yaml beside it.
func (g *genFlags) write(dir, output string) (*gen.Truth, time.Time, error) {
	asOf, err := time.Parse(time.DateOnly, g.asOf)
	if err != nil {
		return nil, asOf, &UsageError{Msg: fmt.Sprintf("-as-of %q is not a date like 2025-12-31", g.asOf)}
	}
	if g.customers <= 0 {
		return nil, asOf, &UsageError{Msg: fmt.Sprintf("-customers %d: give a positive number", g.customers)}
	}
	truth, err := gen.Write(dir, gen.Options{Customers: g.customers, Seed: g.seed, AsOf: asOf, Years: g.years, DirtyShare: g.dirty})
	if err != nil {
		return nil, asOf, err
	}
	cfg := filepath.Join(dir, "crmbatch.yaml")
	// The generator's as-of is an instant (midnight starting that date);
	// crmbatch's as-of date includes its whole day: the last complete day
	// of generated history is the one before.
	yml := append(config.GeneratedYAML(asOf.AddDate(0, 0, -1), output), config.ExampleSegmentsYAML...)
	if err := os.WriteFile(cfg, yml, 0o644); err != nil {
		return nil, asOf, err
	}
	return truth, asOf, nil
}

func (m *Main) genCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	var g genFlags
	g.register(fs, "crmbatch-gen", 10000)
	fs.Usage = func() {
		fmt.Fprintln(m.Stderr, "Usage: crmbatch gen [flags]\n\nWrites every input table for N customers from known generative processes\n(BG/NBD purchases, Gamma-Gamma spend, interactions that rise before a lapse,\nlogistic lead conversion, sBG subscriptions, planted dirty rows), the true\nparameters in truth.json and a crmbatch.yaml to run the batch on them.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	start := time.Now()
	truth, _, err := g.write(g.out, "../crmbatch-out")
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "wrote %d customers to %s in %.1fs:\n", truth.Customers, g.out, time.Since(start).Seconds())
	for _, name := range []string{"customers.csv", "orders.csv", "interactions.csv", "leads.csv", "opportunities.csv", "subscriptions.csv"} {
		fmt.Fprintf(m.Stdout, "  %-18s %10d rows (%d to be rejected)\n", name, truth.Rows[name], truth.Rejects[name])
	}
	fmt.Fprintf(m.Stdout, "true parameters: %s\nrun it: crmbatch run -config %s\n", filepath.Join(g.out, "truth.json"), filepath.Join(g.out, "crmbatch.yaml"))
	return nil
}
