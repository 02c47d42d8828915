package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/crmbatch/crmbatch/pipelines"
	"github.com/crmbatch/crmbatch/pipelines/config"
)

func (m *Main) benchCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	var g genFlags
	g.register(fs, "", 100000)
	memory := fs.String("memory-limit", "", "DuckDB memory_limit for the run (default: the config's, 4GB)")
	fs.Usage = func() {
		fmt.Fprintln(m.Stderr, "Usage: crmbatch bench [flags]\n\nGenerates (or reuses, when <out>/truth.json exists) a data set of -customers\ncustomers and times the whole nightly run stage by stage, with the peak\nresident memory of the process.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if g.out == "" {
		g.out = filepath.Join(os.TempDir(), fmt.Sprintf("crmbatch-bench-%d", g.customers))
	}
	genSeconds := 0.0
	if _, err := os.Stat(filepath.Join(g.out, "truth.json")); err != nil {
		start := time.Now()
		if _, _, err := g.write(g.out, "../"+filepath.Base(g.out)+"-out"); err != nil {
			return err
		}
		genSeconds = time.Since(start).Seconds()
	}
	cfg, err := config.Load(filepath.Join(g.out, "crmbatch.yaml"))
	if err != nil {
		return &configError{err}
	}
	if *memory != "" {
		cfg.MemoryLimit = *memory
	}
	start := time.Now()
	man, err := pipelines.Run(ctx, pipelines.Options{Config: cfg})
	if err != nil {
		return err
	}
	total := time.Since(start).Seconds()
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	rows := map[string]int64{}
	for _, t := range man.Inputs {
		rows[t.Table] = t.Read
	}
	fmt.Fprintf(m.Stdout, "crmbatch bench: %d customers, %d order lines, %d interactions, %d leads (data in %s", g.customers, rows["orders"], rows["interactions"], rows["leads"], g.out)
	if genSeconds > 0 {
		fmt.Fprintf(m.Stdout, ", generated in %.1fs", genSeconds)
	}
	fmt.Fprintf(m.Stdout, ")\nmemory_limit %s, threads %d\n\n| stage | seconds | status |\n|---|---:|---|\n", cfg.MemoryLimit, cfg.Threads)
	for _, s := range man.Stages {
		fmt.Fprintf(m.Stdout, "| %s | %.2f | %s |\n", s.Name, s.Seconds, s.Status)
	}
	fmt.Fprintf(m.Stdout, "| **total** | **%.2f** | peak RSS %.2f GB |\n", total, float64(ru.Maxrss)/(1<<20))
	return nil
}
