package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
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
		fmt.Fprintln(m.Stderr, "Usage: crmbatch bench [flags]\n\nGenerates (or reuses, when <out>/truth.json exists) a data set of -customers\ncustomers and times the whole nightly run stage by stage, with the peak\nresident memory, each as a ratio to a DuckDB-only floor run first on the\nsame files in the same process.\n\nFlags:")
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
	// The floor first, then the run, each with the peak resident memory
	// measured from a reset (Linux: /proc/self/clear_refs).
	pipelines.ResetPeakRSS()
	floor, err := pipelines.Floor(ctx, cfg, g.out)
	if err != nil {
		return fmt.Errorf("bench floor: %w", err)
	}
	floorPeak := pipelines.PeakRSS()
	start := time.Now()
	man, err := pipelines.Run(ctx, pipelines.Options{Config: cfg})
	if err != nil {
		return err
	}
	total := time.Since(start).Seconds()
	// The runner resets the peak at every stage: the run's is the largest.
	var cpu float64
	var runPeak int64
	for _, s := range man.Stages {
		cpu += s.CPUSeconds
		runPeak = max(runPeak, int64(s.PeakRSSMB*1024))
	}
	rows := map[string]int64{}
	for _, t := range man.Inputs {
		rows[t.Table] = t.Read
	}
	fmt.Fprintf(m.Stdout, "crmbatch bench: %d customers, %d order lines, %d interactions, %d leads (data in %s", g.customers, rows["orders"], rows["interactions"], rows["leads"], g.out)
	if genSeconds > 0 {
		fmt.Fprintf(m.Stdout, ", generated in %.1fs", genSeconds)
	}
	fmt.Fprintf(m.Stdout, ")\nmemory_limit %s, threads %d\n\n", cfg.MemoryLimit, cfg.Threads)
	fmt.Fprintf(m.Stdout, "DuckDB floor (typed read of customers, orders, interactions; per-customer summary; one ZSTD Parquet write): %.2f s (CPU %.2f s), peak RSS %.2f GB\n\n", floor.Seconds, floor.CPUSeconds, gb(floorPeak))
	// CPU time drifts less than wall time when the machine is shared.
	cpuRatio := func(s float64) string {
		if floor.CPUSeconds <= 0 {
			return "-"
		}
		return fmt.Sprintf("%.2f", s/floor.CPUSeconds)
	}
	fmt.Fprintf(m.Stdout, "| stage | seconds | x floor | CPU seconds | CPU x floor | peak RSS GB | status |\n|---|---:|---:|---:|---:|---:|---|\n")
	for _, s := range man.Stages {
		fmt.Fprintf(m.Stdout, "| %s | %.2f | %.2f | %.2f | %s | %.2f | %s |\n", s.Name, s.Seconds, s.Seconds/floor.Seconds, s.CPUSeconds, cpuRatio(s.CPUSeconds), s.PeakRSSMB/1024, s.Status)
	}
	fmt.Fprintf(m.Stdout, "| **total** | **%.2f** | **%.2f** | **%.2f** | **%s** | **%.2f** (%.2f x floor) | |\n", total, total/floor.Seconds, cpu, cpuRatio(cpu), gb(runPeak), float64(runPeak)/float64(floorPeak))
	return nil
}

func gb(kb int64) float64 { return float64(kb) / (1 << 20) }
