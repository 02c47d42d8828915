package pipelines

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/pipelines/config"
)

// A copy is a listed source file whose bytes (SHA-256) are those of a file
// the warehouse already holds under another path, or of a file listed
// before it: an input folder copied elsewhere, two generated data sets
// sharing an output root, a glob that also matches a backup. Loading it
// would count every row twice (and fail the run on duplicate keys), so the
// run leaves it out and says so. When the new path replaces the old one,
// -full-reload rebuilds the table from the files listed now.

// Copy is one listed file left out because its content is already loaded.
type Copy struct {
	Table string
	Path  string
	// SameAs is the path of the identical file: in the warehouse, or
	// listed earlier.
	SameAs string
	// LoadedAt is when the warehouse loaded SameAs; zero when SameAs is
	// a listed file.
	LoadedAt time.Time
	SHA256   string
}

func (c Copy) String() string {
	was := "which is listed too"
	if !c.LoadedAt.IsZero() {
		was = "which the warehouse loaded on " + c.LoadedAt.Format(time.DateOnly)
	}
	return fmt.Sprintf("%s: %s has the same content (SHA-256 %.12s) as %s, %s; it is left out, since its rows would count twice. If it replaces the old file, run with -full-reload to reload %s from the files listed now; if it is a stray copy, take it out of sources.%s.files",
		c.Table, c.Path, c.SHA256, c.SameAs, was, c.Table, c.Table)
}

// FindCopies returns the listed files whose content is already loaded or
// listed. db is the warehouse, nil when there is none; with full (a full
// reload) only the listed files are compared with each other. Files are
// hashed only when their size equals another's.
func FindCopies(ctx context.Context, db *engine.DB, cfg *config.Config, full bool) ([]Copy, error) {
	type known struct {
		path, sha string
		bytes     int64
		loaded    time.Time
	}
	var out []Copy
	for _, c := range configured(cfg) {
		t, src := c.table, c.src
		files, err := expandFiles(cfg, t.Name, src)
		if err != nil {
			return nil, &InputError{Err: err}
		}
		var prior []known
		if db != nil && !full {
			f, err := db.QueryFrame(ctx, "SELECT path, sha256, bytes, epoch_ms(loaded_at) AS loaded FROM wh_files WHERE table_name = ? ORDER BY loaded_at, path", t.Name)
			if err != nil {
				return nil, err
			}
			for j := 0; j < f.Len(); j++ {
				prior = append(prior, known{f.Col("path").Strings[j], f.Col("sha256").Strings[j], f.Col("bytes").Ints[j], time.UnixMilli(f.Col("loaded").Ints[j]).UTC()})
			}
		}
		sizes := map[int64]int{}
		for _, p := range prior {
			sizes[p.bytes]++
		}
		for _, f := range files {
			sizes[f.Bytes]++
		}
		for _, f := range files {
			if sizes[f.Bytes] < 2 {
				continue
			}
			sum, err := fileSHA256(f.Path)
			if err != nil {
				return nil, &InputError{Err: fmt.Errorf("sources.%s.files: %w", t.Name, err)}
			}
			dup := false
			for _, p := range prior {
				if p.sha == sum && p.path != f.Path {
					out = append(out, Copy{Table: t.Name, Path: f.Path, SameAs: p.path, LoadedAt: p.loaded, SHA256: sum})
					dup = true
					break
				}
			}
			if !dup {
				prior = append(prior, known{path: f.Path, sha: sum, bytes: f.Bytes})
			}
		}
	}
	return out, nil
}

func fileSHA256(path string) (string, error) {
	fh, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer fh.Close()
	h := sha256.New()
	if _, err := io.Copy(h, fh); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// withoutCopies returns cfg with the copies taken out of the file lists
// (the remaining files listed by their absolute paths; none when every
// file is a copy, and the table is then the warehouse's rows), or cfg
// itself when there are none.
func withoutCopies(cfg *config.Config, copies []Copy) (*config.Config, error) {
	if len(copies) == 0 {
		return cfg, nil
	}
	skip := map[string]map[string]bool{}
	for _, c := range copies {
		if skip[c.Table] == nil {
			skip[c.Table] = map[string]bool{}
		}
		skip[c.Table][c.Path] = true
	}
	out := *cfg
	out.Sources = map[string]*config.Source{}
	for name, src := range cfg.Sources {
		out.Sources[name] = src
		if skip[name] == nil {
			continue
		}
		files, err := expandFiles(cfg, name, src)
		if err != nil {
			return nil, &InputError{Err: err}
		}
		s := *src
		s.Files = nil
		for _, f := range files {
			if !skip[name][f.Path] {
				s.Files = append(s.Files, globEscape(f.Path))
			}
		}
		// With every file a copy, the table is what the warehouse holds.
		out.Sources[name] = &s
	}
	return &out, nil
}

// globEscape quotes the glob metacharacters of a path.
func globEscape(p string) string {
	r := strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`, `[`, `\[`)
	return r.Replace(p)
}

// skipCopies finds the copies among the listed files, warns about each and
// returns the configuration the ingest loads.
func skipCopies(ctx context.Context, b *runState) (*config.Config, error) {
	var db *engine.DB
	if n, err := b.DB.Int(ctx, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'wh_files' AND NOT temporary"); err != nil {
		return nil, err
	} else if n > 0 {
		db = b.DB
	}
	copies, err := FindCopies(ctx, db, b.Cfg, b.fullReload)
	if err != nil {
		return nil, err
	}
	for _, c := range copies {
		b.Warn("%s", c)
	}
	return withoutCopies(b.Cfg, copies)
}

// PlanCopies is FindCopies for the dry run, against the warehouse file
// when there is one.
func PlanCopies(ctx context.Context, cfg *config.Config, full bool) ([]Copy, error) {
	db, err := existingWarehouse(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if db != nil {
		defer db.Close()
	}
	return FindCopies(ctx, db, cfg, full)
}

// existingWarehouse opens the warehouse for a look before a run, or
// returns nil when there is none yet.
func existingWarehouse(ctx context.Context, cfg *config.Config) (*engine.DB, error) {
	if _, err := os.Stat(cfg.DatabasePath()); err != nil {
		return nil, nil
	}
	db, err := engine.Open(ctx, engine.Options{Path: cfg.DatabasePath(), MemoryLimit: cfg.MemoryLimit})
	if err != nil {
		return nil, err
	}
	if err := db.Exec(ctx, warehouseDDL); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}
