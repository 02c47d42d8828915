package pipelines

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/pipelines/batch"
	"github.com/crmbatch/crmbatch/pipelines/config"
)

// Options is one invocation of the batch.
type Options struct {
	Config *config.Config
	// AsOf overrides the configuration's as-of date when not zero.
	AsOf time.Time
	// ValidateOnly loads and checks the inputs and publishes nothing.
	ValidateOnly bool
	// FullReload reloads every source file instead of only new or changed
	// ones.
	FullReload bool
	// RejectsCSV, when set, receives every quarantined row as CSV (the
	// rejects output's columns), also when nothing is published.
	RejectsCSV string
	// Log receives progress; nil discards it.
	Log *slog.Logger
	// Progress, when set, is told the name of each stage as it starts,
	// and that it is stage n of the run's total.
	Progress func(stage string, n, total int)
}

// InputError is a problem the user fixes in the configuration or the input
// files; the CLI exits with code 2 for it.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// RejectError means a table's rejected share exceeded max_reject_share; the
// run published nothing. The CLI exits with code 3 for it.
type RejectError struct {
	Table    string
	Rejected int64
	Read     int64
	Max      float64
	Rules    map[string]int64
}

func (e *RejectError) Error() string {
	hint := "Fix the input or raise max_reject_share; `crmbatch validate` lists the rejected rows"
	if 2*e.Rules["duplicate_key"] > e.Rejected {
		hint = "Most are duplicate keys: if the same data was loaded from two paths (a copied input folder), run once with -full-reload to reload the table from the files listed now; else `crmbatch validate` lists the rejected rows"
	}
	return fmt.Sprintf("%s: %s of %s rows rejected (%.2f%%), over max_reject_share %.2f%% (%s); nothing was published. %s",
		e.Table, Thousands(e.Rejected), Thousands(e.Read), 100*float64(e.Rejected)/float64(max(e.Read, 1)), 100*e.Max, FormatCounts(e.Rules), hint)
}

// Run executes the nightly batch: load and check the inputs, build the
// customer table, run the model stages, publish.
func Run(ctx context.Context, o Options) (*Manifest, error) {
	cfg := o.Config
	log := o.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(nilWriter{}, nil))
	}
	asOf := o.AsOf
	if asOf.IsZero() {
		asOf = cfg.AsOfDate(time.Now())
	}
	cfgBytes, _ := yaml.Marshal(cfg)
	sum := sha256.Sum256(cfgBytes)
	m := &Manifest{Tool: "crmbatch", Version: Version, AsOf: asOf.Format(time.DateOnly), StartedAt: time.Now().UTC(),
		ConfigPath: cfg.Path, ConfigSHA256: hex.EncodeToString(sum[:]),
		Versions: map[string]string{"crmbatch": Version, "go": runtime.Version()}}
	b := &runState{Batch: &batch.Batch{Cfg: cfg, AsOf: asOf, Log: log}, Manifest: m, rejectsCSV: o.RejectsCSV, fullReload: o.FullReload}
	root := cfg.OutputRoot()
	if !o.ValidateOnly {
		if err := CheckDatabasePath(cfg); err != nil {
			return m, err
		}
		pub, err := NewPublisher(root, asOf)
		if err != nil {
			return m, err
		}
		defer pub.Close()
		b.Pub = pub
		b.Out = pub
		m.RunID = pub.RunID
	}
	work, err := os.MkdirTemp("", "crmbatch-work-")
	if err != nil {
		return m, err
	}
	defer os.RemoveAll(work)
	b.workDir = work
	dbPath := cfg.DatabasePath()
	if o.ValidateOnly {
		dbPath = "" // validate never touches the warehouse
	}
	opts := engine.Options{Path: dbPath, MemoryLimit: cfg.MemoryLimit, Threads: cfg.Threads, TempDir: filepath.Join(work, "spill")}
	db, err := engine.Open(ctx, opts)
	if err != nil && dbPath != "" && unreadableDatabase(err) {
		// The warehouse only caches what the source files hold: a database
		// left unreadable (DuckDB 1.1 can fail to replay a write-ahead log
		// cut short by a killed process) is moved aside and rebuilt.
		aside := dbPath + ".unreadable-" + time.Now().UTC().Format("20060102T150405Z")
		if rerr := os.Rename(dbPath, aside); rerr != nil {
			return m, err
		}
		os.Rename(dbPath+".wal", aside+".wal")
		b.Warn("the warehouse %s could not be opened (%v); it was moved to %s and is rebuilt from the source files (files no longer listed in the configuration are not in it any more)", dbPath, err, aside)
		b.fullReload = true
		db, err = engine.Open(ctx, opts)
	}
	if err != nil {
		return m, OpenError(dbPath, err)
	}
	defer db.Close()
	b.DB = db
	if v, err := db.Strings(ctx, "SELECT version()"); err == nil && len(v) > 0 {
		m.Versions["duckdb"] = v[0]
	}
	stages := []runStage{{"ingest", ingestStage}}
	if o.ValidateOnly {
		stages = append(stages, runStage{"check_stages", checkStages})
	}
	if !o.ValidateOnly {
		stages = append(stages, runStage{"customer_table", customerStage})
		for _, st := range ModelStages {
			stages = append(stages, runStage{st.Name, func(ctx context.Context, r *runState) error { return st.Run(ctx, r.Batch) }})
		}
		stages = append(stages, runStage{"publish", publishStage})
	}
	defer func() {
		m.Warnings = append(m.Warnings, b.Warnings()...)
		m.Alerts = append(m.Alerts, b.Alerts()...)
	}()
	startMemTrace()
	for i, st := range stages {
		memStage.Store(st.name)
		if o.Progress != nil {
			o.Progress(st.name, i+1, len(stages))
		}
		ResetPeakRSS()
		start, cpu := time.Now(), cpuSeconds()
		err := st.run(ctx, b)
		if err == nil || errors.Is(err, batch.ErrSkipped) {
			if b.Customers != nil {
				// Columns a stage added go to DuckDB; those it pulled are
				// let go, so Go holds one stage's working set at a time.
				err = errors.Join(err, b.Customers.Release(ctx))
			}
			// Hand the stage's Go memory back to the system: DuckDB's
			// buffer pool fills to memory_limit, and Go's freed heap
			// would otherwise stay resident on top of it.
			batch.ReturnMemory()
		}
		rec := StageRecord{Name: st.name, Status: "ok", Seconds: time.Since(start).Seconds(), CPUSeconds: cpuSeconds() - cpu, PeakRSSMB: float64(PeakRSS()) / 1024}
		switch {
		case errors.Is(err, batch.ErrSkipped):
			rec.Status, rec.Note = "skipped", strings.TrimPrefix(err.Error(), "skipped: ")
			log.Info("stage skipped", "stage", st.name, "reason", rec.Note)
		case err != nil:
			rec.Status, rec.Note = "failed", err.Error()
			m.Stages = append(m.Stages, rec)
			return m, fmt.Errorf("stage %s: %w", st.name, err)
		default:
			log.Info("stage done", "stage", st.name, "seconds", rec.Seconds, "cpu_seconds", rec.CPUSeconds, "peak_rss_mb", int(rec.PeakRSSMB))
		}
		m.Stages = append(m.Stages, rec)
	}
	m.Status = "ok"
	if o.ValidateOnly {
		m.Status = "validated"
	}
	return m, nil
}

// runState is the orchestrator's own state around the shared Batch.
type runState struct {
	*batch.Batch
	Ingest     *Ingest
	Pub        *Publisher
	Manifest   *Manifest
	workDir    string
	rejectsCSV string
	fullReload bool
}

type runStage struct {
	name string
	run  func(ctx context.Context, r *runState) error
}

// unreadableDatabase reports whether opening the warehouse failed because
// its files are damaged, rather than, say, locked or missing.
func unreadableDatabase(err error) bool {
	msg := err.Error()
	for _, s := range []string{"replaying WAL", "Corrupt", "not a valid DuckDB database", "checksum"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

type nilWriter struct{}

func (nilWriter) Write(p []byte) (int, error) { return len(p), nil }

func ingestStage(ctx context.Context, b *runState) error {
	if err := CheckMappings(ctx, b.DB, b.Cfg); err != nil {
		return err
	}
	cfg, err := skipCopies(ctx, b)
	if err != nil {
		return err
	}
	in, err := Load(ctx, b.DB, cfg, b.AsOf, b.workDir, b.fullReload, b.Log)
	if err != nil {
		var qe *engine.QueryError
		if errors.As(err, &qe) {
			return err
		}
		return &InputError{Err: err}
	}
	b.Ingest = in
	b.Manifest.Inputs = in.Tables
	for _, w := range in.warnings {
		b.Warn("%s", w)
	}
	if err := sampleRejects(ctx, b); err != nil {
		return err
	}
	b.Accepted = map[string]int64{}
	for _, t := range in.Tables {
		b.Accepted[t.Table] = t.Accepted
	}
	for _, t := range in.Tables {
		if t.Read > 0 && t.RejectShare() > *b.Cfg.MaxRejectShare {
			return &RejectError{Table: t.Table, Rejected: t.Rejected, Read: t.Read, Max: *b.Cfg.MaxRejectShare, Rules: t.Rules}
		}
		if t.Rejected > 0 {
			b.Warn("%s: %s rows quarantined in rejects (%s)", t.Table, Thousands(t.Rejected), FormatCounts(t.Rules))
		}
	}
	if !in.Has("orders") {
		return &InputError{Err: fmt.Errorf("orders: no row was accepted (%d read); see the rejects", in.Table("orders").Read)}
	}
	return nil
}

// sampleRejects keeps a few quarantined rows per table and rule for the
// command line, and writes all of them to RejectsCSV when asked.
func sampleRejects(ctx context.Context, b *runState) error {
	if b.rejectsCSV != "" {
		q := fmt.Sprintf("COPY (SELECT * FROM rejects ORDER BY table_name, source_file, line) TO %s (HEADER, DELIMITER ',')", engine.Quote(b.rejectsCSV))
		if err := b.DB.Exec(ctx, q); err != nil {
			return &InputError{Err: fmt.Errorf("writing the rejects to %s: %w", b.rejectsCSV, err)}
		}
	}
	f, err := b.DB.QueryFrame(ctx, `SELECT table_name, source_file, coalesce(line, 0) AS line, coalesce(column_name, '') AS column_name, rule, coalesce(reason, '') AS reason
		FROM rejects QUALIFY row_number() OVER (PARTITION BY table_name, rule ORDER BY source_file, line) <= 3
		ORDER BY table_name, rule, source_file, line`)
	if err != nil {
		return err
	}
	for i := 0; i < f.Len(); i++ {
		b.Manifest.RejectSamples = append(b.Manifest.RejectSamples, RejectSample{
			Table: f.Col("table_name").Strings[i], File: f.Col("source_file").Strings[i], Line: f.Col("line").Ints[i],
			Column: f.Col("column_name").Strings[i], Rule: f.Col("rule").Strings[i], Reason: f.Col("reason").Strings[i]})
	}
	return nil
}

func customerStage(ctx context.Context, b *runState) error {
	if err := CheckOutputSpace(b.Cfg.OutputRoot()); err != nil {
		return err
	}
	f, err := BuildCustomerTable(ctx, b.DB, b.AsOf, b.Cfg.UnitDays(), b.Ingest)
	if err != nil {
		return err
	}
	b.Customers = f
	return nil
}

func publishStage(ctx context.Context, b *runState) error {
	if err := b.Customers.Flush(ctx); err != nil {
		return err
	}
	if err := b.Pub.CopyQuery(ctx, b.DB, "customers", "SELECT * FROM customer_table"); err != nil {
		return err
	}
	if err := b.Pub.CopyQuery(ctx, b.DB, "rejects", "SELECT * FROM rejects ORDER BY table_name, source_file, line"); err != nil {
		return err
	}
	m := b.Manifest
	m.FinishedAt = time.Now().UTC()
	m.Seconds = m.FinishedAt.Sub(m.StartedAt).Seconds()
	m.Status = "ok"
	m.Stages = append(m.Stages, StageRecord{Name: "publish", Status: "ok"})
	m.Warnings = append(m.Warnings, b.Warnings()...)
	m.Alerts = append(m.Alerts, b.Alerts()...)
	err := stageRunHistory(ctx, b)
	if err == nil {
		err = b.Pub.Commit(m)
	}
	if err == nil {
		err = FinishRun(ctx, b.DB, b.AsOf)
	}
	m.Warnings = m.Warnings[:len(m.Warnings)-len(b.Warnings())]
	m.Alerts = m.Alerts[:len(m.Alerts)-len(b.Alerts())]
	m.Stages = m.Stages[:len(m.Stages)-1]
	if err != nil {
		return err
	}
	return afterCommit(ctx, b)
}
