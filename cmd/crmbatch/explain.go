package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"path/filepath"

	"github.com/crmbatch/crmbatch/pipelines"
	"github.com/crmbatch/crmbatch/pipelines/config"
	"github.com/crmbatch/crmbatch/pipelines/scoring"
)

// explainCmd prints one customer's churn risk, one lead's score or one
// opportunity's win probability, with the reasons, from the latest
// published run.
func (m *Main) explainCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("explain", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	cfgPath := fs.String("config", "crmbatch.yaml", "configuration file (to find the output root)")
	output := fs.String("output", "", "output root (overrides the config's output)")
	asOf := fs.String("as-of", "", "as-of date of the published run (default: the latest)")
	customer := fs.String("customer", "", "customer_id to explain")
	lead := fs.String("lead", "", "lead_id to explain")
	opp := fs.String("opportunity", "", "opportunity_id to explain")
	fs.Usage = func() {
		fmt.Fprintln(m.Stderr, "Usage: crmbatch explain [-config FILE] (-customer ID | -lead ID | -opportunity ID)\n\nPrints one record's score and the reasons behind it from the latest published run.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	var kind, id string
	for k, v := range map[string]string{"customer": *customer, "lead": *lead, "opportunity": *opp} {
		if v == "" {
			continue
		}
		if kind != "" {
			return &UsageError{Msg: "explain: give one of -customer, -lead or -opportunity"}
		}
		kind, id = k, v
	}
	if kind == "" {
		fs.Usage()
		return &UsageError{Msg: "explain: give -customer ID, -lead ID or -opportunity ID"}
	}
	root := *output
	if root == "" {
		cfg, err := config.Load(*cfgPath)
		if err != nil {
			return &configError{err}
		}
		root = cfg.OutputRoot()
	}
	date := *asOf
	if date == "" {
		var err error
		if date, err = pipelines.LatestAsOf(root); err != nil {
			return &UsageError{Msg: err.Error()}
		}
	}
	file := filepath.Join(pipelines.PartitionDir(root, scoring.ExplainTable(kind), date), "part-0.parquet")
	fmt.Fprintf(m.Stdout, "run as of %s (%s)\n", date, root)
	err := scoring.Explain(ctx, m.Stdout, file, kind, id)
	if errors.Is(err, scoring.ErrNotFound) {
		return &UsageError{Msg: err.Error()}
	}
	return err
}
