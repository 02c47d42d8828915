package pipelines

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/engine/frame"
	"github.com/crmbatch/crmbatch/engine/parquet"
)

// Publisher writes one run's outputs so that readers only ever see complete
// runs. Every table is written under <root>/_staging/<run>/; Commit then
// records the run as committed (_COMMIT), renames each staged partition to
// <root>/<table>/as_of=<date>/ (moving an earlier run of the same date
// aside), and writes _SUCCESS into it. A run killed before _COMMIT leaves the
// published outputs untouched and its staging folder is removed by the next
// run; one killed after _COMMIT is completed by the next run.
type Publisher struct {
	Root    string
	AsOf    string
	RunID   string
	staging string
	lock    *os.File
	outputs []Output
	started time.Time
}

// Output is one published table of a run.
type Output struct {
	Table string `json:"table"`
	Path  string `json:"path"`
	Rows  int64  `json:"rows"`
	Bytes int64  `json:"bytes"`
}

// LockedError means another run holds the output root.
type LockedError struct{ Root string }

func (e *LockedError) Error() string {
	return fmt.Sprintf("another crmbatch run is publishing to %s (it holds %s); wait for it to finish or use another output root", e.Root, filepath.Join(e.Root, "_lock"))
}

// NewPublisher locks the output root, finishes or discards what an
// interrupted run left behind, and opens a staging folder for this run.
func NewPublisher(root string, asOf time.Time) (*Publisher, error) {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("output root %s: %w", root, err)
	}
	lock, err := os.OpenFile(filepath.Join(root, "_lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		lock.Close()
		return nil, &LockedError{Root: root}
	}
	p := &Publisher{Root: root, AsOf: asOf.Format(time.DateOnly), lock: lock, started: time.Now(),
		RunID: time.Now().UTC().Format("20060102T150405.000000000Z")}
	if err := p.recover(); err != nil {
		p.Close()
		return nil, err
	}
	p.staging = filepath.Join(root, "_staging", p.RunID)
	if err := os.MkdirAll(p.staging, 0o755); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// Close releases the lock and removes an uncommitted staging folder.
func (p *Publisher) Close() error {
	if p.staging != "" {
		os.RemoveAll(p.staging)
		os.Remove(filepath.Dir(p.staging)) // only when empty
	}
	if p.lock != nil {
		syscall.Flock(int(p.lock.Fd()), syscall.LOCK_UN)
		return p.lock.Close()
	}
	return nil
}

func (p *Publisher) partition(table string) string {
	return filepath.Join(table, "as_of="+p.AsOf)
}

func (p *Publisher) stagedFile(table string) (string, error) {
	dir := filepath.Join(p.staging, p.partition(table))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	return filepath.Join(dir, "part-0.parquet"), nil
}

func (p *Publisher) record(table, path string, rows int64) {
	var size int64
	if st, err := os.Stat(path); err == nil {
		size = st.Size()
	}
	p.outputs = append(p.outputs, Output{Table: table, Path: filepath.ToSlash(filepath.Join(p.partition(table), filepath.Base(path))), Rows: rows, Bytes: size})
}

// WriteFrame stages a table built in Go, written with parquet-go.
func (p *Publisher) WriteFrame(table string, f *frame.Frame) error {
	path, err := p.stagedFile(table)
	if err != nil {
		return err
	}
	if err := parquet.Write(path, f); err != nil {
		return err
	}
	p.record(table, path, int64(f.Len()))
	return nil
}

// CopyQuery stages a table built in SQL, written by DuckDB's COPY with the
// same conventions (ZSTD; DuckDB dictionary-encodes strings and writes
// TIMESTAMP as microseconds).
func (p *Publisher) CopyQuery(ctx context.Context, db *engine.DB, table, query string) error {
	path, err := p.stagedFile(table)
	if err != nil {
		return err
	}
	// DECIMAL results (sums of money) are published as DOUBLE, like every
	// number the Go writer publishes.
	types, err := db.QueryFrame(ctx, "SELECT column_name, column_type FROM (DESCRIBE "+query+")")
	if err != nil {
		return fmt.Errorf("publish %s: %w", table, err)
	}
	var casts []string
	for i, t := range types.Col("column_type").Strings {
		if strings.HasPrefix(t, "DECIMAL") {
			c := engine.Ident(types.Col("column_name").Strings[i])
			casts = append(casts, "CAST("+c+" AS DOUBLE) AS "+c)
		}
	}
	if len(casts) > 0 {
		query = "SELECT * REPLACE (" + strings.Join(casts, ", ") + ") FROM (" + query + ")"
	}
	q := fmt.Sprintf("COPY (%s) TO %s (FORMAT PARQUET, COMPRESSION ZSTD)", query, engine.Quote(path))
	if err := db.Exec(ctx, q); err != nil {
		return fmt.Errorf("publish %s: %w", table, err)
	}
	n, err := db.Int(ctx, fmt.Sprintf("SELECT count(*) FROM read_parquet(%s)", engine.Quote(path)))
	if err != nil {
		return err
	}
	p.record(table, path, n)
	return nil
}

// StartedAt is when the run that publishes began (when it took the lock).
func (p *Publisher) StartedAt() time.Time { return p.started }

// Staged returns the staged Parquet file of table, or "" if none.
func (p *Publisher) Staged(table string) string {
	for _, o := range p.outputs {
		if o.Table == table {
			return filepath.Join(p.staging, filepath.FromSlash(o.Path))
		}
	}
	return ""
}

// WriteFile stages a non-table file as <dir>/as_of=<date>/<name>.
func (p *Publisher) WriteFile(dir, name string, data []byte) error {
	d := filepath.Join(p.staging, p.partition(dir))
	if err := os.MkdirAll(d, 0o755); err != nil {
		return err
	}
	path := filepath.Join(d, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return err
	}
	p.outputs = append(p.outputs, Output{Table: dir, Path: filepath.ToSlash(filepath.Join(p.partition(dir), name)), Bytes: int64(len(data))})
	return nil
}

// Outputs lists what has been staged so far.
func (p *Publisher) Outputs() []Output { return p.outputs }

// Commit publishes the staged run, with the manifest beside it under
// runs/as_of=<date>/manifest.json.
func (p *Publisher) Commit(m *Manifest) error {
	dir := filepath.Join(p.staging, p.partition("runs"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	m.Outputs = p.outputs
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := writeSynced(filepath.Join(dir, "manifest.json"), b); err != nil {
		return err
	}
	if err := writeSynced(filepath.Join(p.staging, "_COMMIT"), []byte(p.AsOf+"\n")); err != nil {
		return err
	}
	if err := p.rollForward(p.staging); err != nil {
		return err
	}
	p.staging = ""
	return nil
}

func writeSynced(path string, b []byte) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// rollForward moves every staged partition of a committed run into place.
func (p *Publisher) rollForward(staging string) error {
	tables, err := os.ReadDir(staging)
	if err != nil {
		return err
	}
	trash := filepath.Join(p.Root, "_trash", filepath.Base(staging))
	// The runs table (manifest, run history) goes last: its _SUCCESS says
	// the whole run is in place.
	sort.SliceStable(tables, func(i, j int) bool { return tables[j].Name() == "runs" && tables[i].Name() != "runs" })
	for _, t := range tables {
		if !t.IsDir() {
			continue
		}
		parts, err := os.ReadDir(filepath.Join(staging, t.Name()))
		if err != nil {
			return err
		}
		for _, part := range parts {
			src := filepath.Join(staging, t.Name(), part.Name())
			dst := filepath.Join(p.Root, t.Name(), part.Name())
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return err
			}
			if _, err := os.Stat(dst); err == nil {
				old := filepath.Join(trash, t.Name(), part.Name())
				if err := os.MkdirAll(filepath.Dir(old), 0o755); err != nil {
					return err
				}
				os.RemoveAll(old)
				if err := os.Rename(dst, old); err != nil {
					return err
				}
			}
			// _SUCCESS goes in before the rename, so a partition is never
			// visible without it.
			if err := writeSynced(filepath.Join(src, "_SUCCESS"), nil); err != nil {
				return err
			}
			if err := os.Rename(src, dst); err != nil {
				return err
			}
		}
	}
	os.RemoveAll(trash)
	os.Remove(filepath.Dir(trash)) // only when empty
	if err := os.RemoveAll(staging); err != nil {
		return err
	}
	os.Remove(filepath.Dir(staging)) // only when empty
	return nil
}

// recover completes committed runs and removes uncommitted ones.
func (p *Publisher) recover() error {
	root := filepath.Join(p.Root, "_staging")
	runs, err := os.ReadDir(root)
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return err
	}
	names := make([]string, 0, len(runs))
	for _, r := range runs {
		names = append(names, r.Name())
	}
	sort.Strings(names)
	for _, name := range names {
		dir := filepath.Join(root, name)
		if _, err := os.Stat(filepath.Join(dir, "_COMMIT")); err == nil {
			if err := p.rollForward(dir); err != nil {
				return fmt.Errorf("completing the interrupted run %s: %w", name, err)
			}
			continue
		}
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
	}
	os.RemoveAll(filepath.Join(p.Root, "_trash"))
	return nil
}

// PartitionDir returns where a table of the given as-of date is published.
func PartitionDir(root, table, asOf string) string {
	return filepath.Join(root, table, "as_of="+asOf)
}

// LatestAsOf returns the most recent as-of date published under root that
// has a _SUCCESS marker for the runs table.
func LatestAsOf(root string) (string, error) {
	entries, err := os.ReadDir(filepath.Join(root, "runs"))
	if err != nil {
		return "", fmt.Errorf("no published run under %s: %w", root, err)
	}
	latest := ""
	for _, e := range entries {
		d, ok := strings.CutPrefix(e.Name(), "as_of=")
		if !ok {
			continue
		}
		if _, err := os.Stat(filepath.Join(root, "runs", e.Name(), "_SUCCESS")); err == nil && d > latest {
			latest = d
		}
	}
	if latest == "" {
		return "", fmt.Errorf("no published run under %s; run crmbatch run first", root)
	}
	return latest, nil
}
