package pipelines

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/pipelines/config"
)

// The warehouse is the persistent part of the DuckDB database: for every
// canonical table, wh_<table> holds the typed rows of every source file
// loaded so far (with the file, line and the reason a value could not be
// read), and wh_files remembers each loaded file by path, size and SHA-256.
// A run reads only new or changed files: a changed file's earlier rows are
// replaced, a file seen before is never loaded twice, and files no longer
// listed keep their rows (a nightly drop folder may hold only new files).
// The row rules that need the whole table (duplicate keys, unknown
// customers, the as-of date) run over the warehouse on every run.
//
// A change to a table's source settings (mapping, format, delimiter, ...)
// or to crmbatch's warehouse layout reloads that table from its files.

// warehouseLayout changes whenever wh_<table>'s columns change.
const warehouseLayout = "3"

const warehouseDDL = `
CREATE TABLE IF NOT EXISTS wh_files (
	table_name VARCHAR, path VARCHAR, bytes BIGINT, sha256 VARCHAR,
	rows BIGINT, loaded_at TIMESTAMP, run_as_of DATE);
CREATE TABLE IF NOT EXISTS wh_tables (
	table_name VARCHAR, settings_hash VARCHAR, mapped VARCHAR, mapping VARCHAR, format VARCHAR);
CREATE TABLE IF NOT EXISTS wh_malformed (
	table_name VARCHAR, source_file VARCHAR, line BIGINT, column_name VARCHAR,
	rule VARCHAR, reason VARCHAR, record VARCHAR);
CREATE TABLE IF NOT EXISTS wh_runs (as_of DATE, finished_at TIMESTAMP);
ALTER TABLE wh_files ADD COLUMN IF NOT EXISTS late BIGINT DEFAULT 0;
CREATE TABLE IF NOT EXISTS wh_records (table_name VARCHAR, path VARCHAR, line BIGINT, record VARCHAR);
CREATE TABLE IF NOT EXISTS wh_badruns (table_name VARCHAR, path VARCHAR, a BIGINT, j BIGINT);
CREATE TABLE IF NOT EXISTS wh_shifts (table_name VARCHAR, path VARCHAR, rec BIGINT, phys BIGINT);
CREATE TABLE IF NOT EXISTS wh_aside (table_name VARCHAR, path VARCHAR, line BIGINT);
ALTER TABLE wh_malformed ADD COLUMN IF NOT EXISTS key VARCHAR;`

// settingsHash identifies what a table's staged rows depend on besides
// the files: the source settings (but not the file list), id_case and the
// warehouse layout.
func settingsHash(t *config.Table, src *config.Source, idCase string) string {
	s := *src
	s.Files = nil // adding or removing files is not a settings change
	b, _ := yaml.Marshal(&s)
	var fields []string
	for _, f := range t.Fields {
		fields = append(fields, f.Name+" "+f.Type)
	}
	h := sha256.Sum256([]byte(warehouseLayout + "\n" + idCase + "\n" + strings.Join(fields, ",") + "\n" + string(b)))
	return hex.EncodeToString(h[:])
}

// tableState is what the warehouse knows of one table.
type tableState struct {
	hash    string
	mapped  map[string]bool
	mapping []string
	format  string
	files   map[string]*InputFile // by path
}

func loadState(ctx context.Context, db *engine.DB, table string) (*tableState, error) {
	st := &tableState{mapped: map[string]bool{}, files: map[string]*InputFile{}}
	f, err := db.QueryFrame(ctx, "SELECT settings_hash, mapped, mapping, format FROM wh_tables WHERE table_name = ?", table)
	if err != nil {
		return nil, err
	}
	if f.Len() > 0 {
		st.hash, st.format = f.Col("settings_hash").Strings[0], f.Col("format").Strings[0]
		for _, c := range strings.Split(f.Col("mapped").Strings[0], ",") {
			if c != "" {
				st.mapped[c] = true
			}
		}
		if m := f.Col("mapping").Strings[0]; m != "" {
			st.mapping = strings.Split(m, "\n")
		}
	}
	ff, err := db.QueryFrame(ctx, "SELECT path, bytes, sha256 FROM wh_files WHERE table_name = ?", table)
	if err != nil {
		return nil, err
	}
	for i := 0; i < ff.Len(); i++ {
		p := ff.Col("path").Strings[i]
		st.files[p] = &InputFile{Path: p, Bytes: ff.Col("bytes").Ints[i], SHA256: ff.Col("sha256").Strings[i], readPath: p}
	}
	return st, nil
}

// consistent checks that the warehouse holds, for every file it lists,
// exactly the rows it recorded loading, and no rows of files it does not
// list. A run killed at the wrong moment can leave DuckDB's write-ahead log
// replayed into a state where they disagree (seen with DuckDB 1.1); the
// table is then rebuilt from its files.
func consistent(ctx context.Context, db *engine.DB, table string) (bool, error) {
	exists, err := db.Int(ctx, "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND NOT temporary", "wh_"+table)
	if err != nil || exists == 0 {
		return true, err
	}
	// The cheap invariant first: the table's row count (kept by DuckDB, no
	// scan) against the rows recorded for its files. Only a mismatch pays
	// for the per-file count.
	have, err := db.Int(ctx, "SELECT count(*) FROM wh_"+table)
	if err != nil {
		return false, err
	}
	want, err := db.Int(ctx, "SELECT coalesce(sum(rows), 0) FROM wh_files WHERE table_name = ?", table)
	if err != nil {
		return false, err
	}
	if have == want {
		return true, nil
	}
	bad, err := db.Int(ctx, fmt.Sprintf(`SELECT count(*) FROM (
		SELECT _file AS path, count(*) AS n FROM wh_%s GROUP BY _file) w
		FULL JOIN (SELECT path, rows FROM wh_files WHERE table_name = ?) f USING (path)
		WHERE w.n IS DISTINCT FROM f.rows`, table), table)
	return bad == 0, err
}

// plan returns the listed files that must be (re)loaded, and whether the
// whole table must be rebuilt.
func (st *tableState) plan(files []*InputFile, hash string, full bool) (load []*InputFile, rebuild bool) {
	if full || st.hash != hash {
		return files, true
	}
	for _, f := range files {
		old, ok := st.files[f.Path]
		if !ok || old.Bytes != f.Bytes || old.SHA256 != f.SHA256 {
			load = append(load, f)
		}
	}
	return load, false
}

// merge replaces, in one transaction, the warehouse rows of the files just
// read (stg_<table>, and the CSV reader's malformed lines) and records the
// files. With rebuild, every earlier row of the table goes.
func merge(ctx context.Context, db *engine.DB, r *reader, hash string, asOf time.Time, rebuild bool, late map[string]int64) error {
	t := r.table.Name
	var paths []string
	for _, f := range r.files {
		paths = append(paths, engine.Quote(f.Path))
	}
	inList := "(" + strings.Join(paths, ", ") + ")"
	var mapped []string
	for _, f := range r.table.Fields {
		if _, ok := r.direct[f.Name]; ok {
			mapped = append(mapped, f.Name)
		} else if _, ok := r.exprs[f.Name]; ok {
			mapped = append(mapped, f.Name)
		}
	}
	sort.Strings(mapped)
	var stmts []string
	if rebuild {
		stmts = append(stmts,
			fmt.Sprintf("DROP TABLE IF EXISTS wh_%s", t),
			fmt.Sprintf("CREATE TABLE wh_%[1]s AS SELECT * EXCLUDE (_row) FROM stg_%[1]s WHERE false", t),
			fmt.Sprintf("DELETE FROM wh_files WHERE table_name = %s", engine.Quote(t)),
			fmt.Sprintf("DELETE FROM wh_malformed WHERE table_name = %s", engine.Quote(t)),
			fmt.Sprintf("DELETE FROM wh_badruns WHERE table_name = %s", engine.Quote(t)),
			fmt.Sprintf("DELETE FROM wh_records WHERE table_name = %s", engine.Quote(t)),
			fmt.Sprintf("DELETE FROM wh_shifts WHERE table_name = %s", engine.Quote(t)),
			fmt.Sprintf("DELETE FROM wh_aside WHERE table_name = %s", engine.Quote(t)),
		)
	} else {
		stmts = append(stmts,
			fmt.Sprintf("DELETE FROM wh_%s WHERE _file IN %s", t, inList),
			fmt.Sprintf("DELETE FROM wh_files WHERE table_name = %s AND path IN %s", engine.Quote(t), inList),
			fmt.Sprintf("DELETE FROM wh_malformed WHERE table_name = %s AND source_file IN %s", engine.Quote(t), inList),
			fmt.Sprintf("DELETE FROM wh_badruns WHERE table_name = %s AND path IN %s", engine.Quote(t), inList),
			fmt.Sprintf("DELETE FROM wh_records WHERE table_name = %s AND path IN %s", engine.Quote(t), inList),
			fmt.Sprintf("DELETE FROM wh_shifts WHERE table_name = %s AND path IN %s", engine.Quote(t), inList),
			fmt.Sprintf("DELETE FROM wh_aside WHERE table_name = %s AND path IN %s", engine.Quote(t), inList),
		)
	}
	stmts = append(stmts,
		fmt.Sprintf("INSERT INTO wh_%[1]s SELECT * EXCLUDE (_row) FROM stg_%[1]s", t),
		fmt.Sprintf("DELETE FROM wh_tables WHERE table_name = %s", engine.Quote(t)),
		fmt.Sprintf("INSERT INTO wh_tables VALUES (%s, %s, %s, %s, %s)", engine.Quote(t), engine.Quote(hash),
			engine.Quote(strings.Join(mapped, ",")), engine.Quote(strings.Join(r.mappingDoc(), "\n")), engine.Quote(r.format())),
	)
	if r.format() == "csv" {
		stmts = append(stmts, fmt.Sprintf("INSERT INTO wh_aside SELECT %s, file_path, line FROM aside_%s", engine.Quote(t), t))
	}
	if r.format() == "csv" || r.format() == "json" {
		stmts = append(stmts, fmt.Sprintf(`INSERT INTO wh_malformed
SELECT %[1]s, file_path, line, column_name, rule, reason, record, key FROM badrec_%[2]s;
INSERT INTO wh_badruns SELECT %[1]s, file_path, a, j FROM bad_%[2]s;
INSERT INTO wh_shifts SELECT %[1]s, file_path, rec, phys FROM shift_%[2]s`, engine.Quote(t), t))
	}
	now := engine.Quote(time.Now().UTC().Format("2006-01-02 15:04:05.000000"))
	rows := r.fileRows()
	for i, f := range r.files {
		stmts = append(stmts, fmt.Sprintf(`INSERT INTO wh_files BY NAME SELECT %s AS table_name, %s AS path, %d AS bytes, %s AS sha256, %d AS rows, TIMESTAMP %s AS loaded_at, DATE %s AS run_as_of, %d AS late`,
			engine.Quote(t), engine.Quote(f.Path), f.Bytes, engine.Quote(f.SHA256), rows[i], now, engine.Quote(asOf.Format(time.DateOnly)), late[f.Path]))
	}
	q := "BEGIN TRANSACTION;\n" + strings.Join(stmts, ";\n") + ";\nCOMMIT"
	if err := db.Exec(ctx, q); err != nil {
		db.Exec(ctx, "ROLLBACK")
		return fmt.Errorf("warehouse %s: %w", t, err)
	}
	stg := "DROP VIEW IF EXISTS stg_%[1]s"
	if r.format() != "csv" {
		stg = "DROP TABLE IF EXISTS stg_%[1]s"
	}
	if err := db.Exec(ctx, fmt.Sprintf(stg+"; DROP TABLE IF EXISTS raw_%[1]s; DROP TABLE IF EXISTS bad_%[1]s; DROP TABLE IF EXISTS badrec_%[1]s; DROP TABLE IF EXISTS badline_%[1]s; DROP TABLE IF EXISTS shift_%[1]s; DROP TABLE IF EXISTS aside_%[1]s", t)); err != nil {
		return err
	}
	// No CHECKPOINT here: a bulk insert is written to the database file as
	// it goes (the log holds only references to its blocks), the commit
	// makes it durable, and DuckDB 1.5 checks on replay that a log belongs
	// to its database. Load checkpoints once, after the last table.
	// (DuckDB 1.1 once failed to replay its log after a kill; checkpointing
	// after every table cost a rewrite of each table that was updated.)
	return nil
}

// lastAsOf returns the latest as-of date a run completed in this warehouse.
func lastAsOf(ctx context.Context, db *engine.DB) (time.Time, bool, error) {
	f, err := db.QueryFrame(ctx, "SELECT max(as_of) AS d FROM wh_runs")
	if err != nil {
		return time.Time{}, false, err
	}
	if f.Len() == 0 || f.Col("d").IsNull(0) {
		return time.Time{}, false, nil
	}
	return time.Unix(f.Col("d").Ints[0]*86400, 0).UTC(), true, nil
}

// FinishRun records a completed run's as-of date, against which the next
// run counts late-arriving rows.
func FinishRun(ctx context.Context, db *engine.DB, asOf time.Time) error {
	now := engine.Quote(time.Now().UTC().Format("2006-01-02 15:04:05.000000"))
	return db.Exec(ctx, fmt.Sprintf("INSERT INTO wh_runs VALUES (DATE %s, TIMESTAMP %s); CHECKPOINT", engine.Quote(asOf.Format(time.DateOnly)), now))
}

// Inconsistent returns the canonical tables whose warehouse rows do not
// match the files recorded for them (see consistent): what a run would
// rebuild. The crash proofs call it right after each kill.
func Inconsistent(ctx context.Context, db *engine.DB) ([]string, error) {
	var bad []string
	for _, t := range config.Contract {
		ok, err := consistent(ctx, db, t.Name)
		if err != nil {
			return nil, err
		}
		if !ok {
			bad = append(bad, t.Name)
		}
	}
	return bad, nil
}

// CheckDatabasePath refuses a warehouse path that is not crmbatch's to
// write: the configuration file, a configured input file, or a file that
// is there and is not a DuckDB database. (database: orders.csv once had
// the orders moved aside and replaced by a new database.)
func CheckDatabasePath(cfg *config.Config) error {
	p, err := filepath.Abs(cfg.DatabasePath())
	if err != nil {
		return err
	}
	st, statErr := os.Stat(p)
	same := func(q string) bool {
		q, _ = filepath.Abs(q)
		if q == p {
			return true
		}
		qs, err := os.Stat(q)
		return err == nil && statErr == nil && os.SameFile(st, qs)
	}
	bad := func(why string) error {
		return &InputError{Err: fmt.Errorf("database: %s %s; crmbatch writes its warehouse there: point database at a new file (by default it is <output>/crmbatch.duckdb)", p, why)}
	}
	if cfg.Path != "" && same(cfg.Path) {
		return bad("is the configuration file")
	}
	for name, src := range cfg.Sources {
		if src == nil {
			continue
		}
		for _, pat := range src.Files {
			matches, _ := filepath.Glob(cfg.Resolve(pat))
			for _, m := range matches {
				if same(m) {
					return bad("is an input file of sources." + name)
				}
			}
		}
	}
	if statErr != nil {
		return nil // not there yet: DuckDB creates it
	}
	if st.IsDir() {
		return bad("is a folder")
	}
	if !isDuckDB(p) {
		return bad("exists and is not a DuckDB database")
	}
	return nil
}

// isDuckDB reports whether the file starts like a DuckDB database: its
// first block header holds the magic bytes DUCK at offset 8.
func isDuckDB(path string) bool {
	fh, err := os.Open(path)
	if err != nil {
		return false
	}
	defer fh.Close()
	b := make([]byte, 12)
	n, _ := io.ReadFull(fh, b)
	return n == 12 && string(b[8:12]) == "DUCK"
}

// OpenError turns a failure to open the warehouse into what the user can
// act on: a database another process holds is a configuration problem (two
// output roots, or two configurations, sharing one database).
func OpenError(path string, err error) error {
	if err != nil && strings.Contains(err.Error(), "Could not set lock") {
		return &InputError{Err: fmt.Errorf("database: %s is in use by another process (another crmbatch run?); two output roots cannot share one database: give each configuration its own database (by default <output>/crmbatch.duckdb), or wait for the other run: %s", path, shortErr(err))}
	}
	return err
}
