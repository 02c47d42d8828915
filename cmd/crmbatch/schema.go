package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"slices"
	"strings"

	"github.com/crmbatch/crmbatch/pipelines"
	"github.com/crmbatch/crmbatch/pipelines/config"
)

func (m *Main) schemaCmd(args []string) error {
	fs := flag.NewFlagSet("schema", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	format := fs.String("format", "text", "text, markdown or json")
	cfgPath := fs.String("config", "", "configuration whose run to document (its currency, horizons and inputs); default: the defaults")
	fs.Usage = func() {
		fmt.Fprintln(m.Stderr, "Usage: crmbatch schema [-format text|markdown|json] [-config FILE] [TABLE...]\n\nLists the published tables and their columns.\n\nFlags:")
		fs.PrintDefaults()
	}
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	var cfg *config.Config
	if *cfgPath != "" {
		if cfg, err = config.Load(*cfgPath); err != nil {
			return &configError{err}
		}
	}
	tables := pipelines.Schema(cfg)
	if len(pos) > 0 {
		var keep []pipelines.TableDoc
		var names []string
		for _, t := range tables {
			names = append(names, t.Name)
			if slices.Contains(pos, t.Name) {
				keep = append(keep, t)
			}
		}
		for _, p := range pos {
			if !slices.Contains(names, p) {
				return &UsageError{Msg: fmt.Sprintf("no published table %q%s; crmbatch schema lists them: %s", p, didYouMean(p, names), strings.Join(names, ", "))}
			}
		}
		tables = keep
	}
	switch *format {
	case "json":
		b, _ := json.MarshalIndent(tables, "", "  ")
		fmt.Fprintln(m.Stdout, string(b))
	case "markdown":
		for _, t := range tables {
			fmt.Fprintf(m.Stdout, "### `%s`\n\n%s (written by %s; `<output>/%s/as_of=YYYY-MM-DD/part-0.parquet`)\n\n| column | type | meaning |\n|---|---|---|\n", t.Name, t.Doc, t.Writer, t.Name)
			for _, c := range t.Columns {
				fmt.Fprintf(m.Stdout, "| `%s` | %s | %s |\n", c.Name, c.Type, strings.ReplaceAll(c.Doc, "|", "\\|"))
			}
			fmt.Fprintln(m.Stdout)
		}
	case "text":
		for _, t := range tables {
			fmt.Fprintf(m.Stdout, "%s: %s\n", t.Name, t.Doc)
			for _, c := range t.Columns {
				fmt.Fprintf(m.Stdout, "  %-28s %-10s %s\n", c.Name, c.Type, c.Doc)
			}
		}
	default:
		return &UsageError{Msg: fmt.Sprintf("-format %q: use text, markdown or json", *format)}
	}
	return nil
}
