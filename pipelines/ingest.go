package pipelines

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/pipelines/config"
)

// TableLoad is what the ingest stage did with one canonical table: the
// manifest's accounting, where read = accepted + rejected + excluded.
type TableLoad struct {
	Table    string       `json:"table"`
	Files    []*InputFile `json:"files,omitempty"`
	Derived  string       `json:"derived,omitempty"`
	Mapping  []string     `json:"mapping,omitempty"`
	Read     int64        `json:"rows_read"`
	Accepted int64        `json:"rows_accepted"`
	Rejected int64        `json:"rows_rejected"`
	// Excluded rows are dated after the as-of date: quarantined with rule
	// after_as_of, but not errors, so they do not count against
	// max_reject_share.
	Excluded int64            `json:"rows_after_as_of"`
	Rules    map[string]int64 `json:"reject_rules,omitempty"`
	Flags    map[string]int64 `json:"flags,omitempty"`
}

// RejectShare is the share of read rows rejected as errors.
func (t *TableLoad) RejectShare() float64 {
	if t.Read == 0 {
		return 0
	}
	return float64(t.Rejected) / float64(t.Read)
}

// Ingest is the result of the ingest stage: the canonical tables are in the
// database under their contract names, and the quarantined rows in rejects.
type Ingest struct {
	Tables []*TableLoad
}

// Table returns the load of the named table, or nil when it was not loaded.
func (in *Ingest) Table(name string) *TableLoad {
	for _, t := range in.Tables {
		if t.Table == name {
			return t
		}
	}
	return nil
}

// Has reports whether the named table was loaded with at least one row.
func (in *Ingest) Has(name string) bool {
	t := in.Table(name)
	return t != nil && t.Accepted > 0
}

const rejectsDDL = `CREATE OR REPLACE TEMP TABLE rejects (
	table_name VARCHAR, source_file VARCHAR, line BIGINT, column_name VARCHAR,
	rule VARCHAR, reason VARCHAR, record VARCHAR)`

// Load reads every configured source into its canonical table, checking each
// row and quarantining the ones that fail into the rejects table. workDir
// holds transcoded copies of non-UTF-8 files.
func Load(ctx context.Context, db *engine.DB, cfg *config.Config, asOf time.Time, workDir string, log *slog.Logger) (*Ingest, error) {
	if err := db.Exec(ctx, rejectsDDL); err != nil {
		return nil, err
	}
	in := &Ingest{}
	for i := range config.Contract {
		t := &config.Contract[i]
		src := cfg.Sources[t.Name]
		if src == nil {
			if t.Name == "customers" {
				continue // derived from orders below
			}
			continue
		}
		start := time.Now()
		tl, err := loadTable(ctx, db, cfg, t, src, asOf, workDir, in)
		if err != nil {
			return nil, err
		}
		in.Tables = append(in.Tables, tl)
		log.Info("loaded", "table", t.Name, "read", tl.Read, "accepted", tl.Accepted, "rejected", tl.Rejected, "after_as_of", tl.Excluded, "seconds", time.Since(start).Seconds())
		if t.Name == "orders" && cfg.Sources["customers"] == nil {
			tl, err := deriveCustomers(ctx, db)
			if err != nil {
				return nil, err
			}
			in.Tables = append(in.Tables, tl)
		}
	}
	return in, nil
}

// deriveCustomers builds the customers table from the accepted orders when
// no customer file is configured (transaction logs such as CDNOW).
func deriveCustomers(ctx context.Context, db *engine.DB) (*TableLoad, error) {
	t := config.TableByName("customers")
	var cols []string
	for _, f := range t.Fields {
		if f.Name == "customer_id" {
			cols = append(cols, "customer_id")
			continue
		}
		cols = append(cols, fmt.Sprintf("CAST(NULL AS %s) AS %s", f.Type, f.Name))
	}
	q := fmt.Sprintf("CREATE OR REPLACE TEMP TABLE customers AS SELECT %s FROM (SELECT DISTINCT customer_id FROM orders) ORDER BY customer_id", strings.Join(cols, ", "))
	if err := db.Exec(ctx, q); err != nil {
		return nil, err
	}
	n, err := db.Int(ctx, "SELECT count(*) FROM customers")
	if err != nil {
		return nil, err
	}
	return &TableLoad{Table: "customers", Derived: "from orders (no customers source configured)", Read: n, Accepted: n}, nil
}

func loadTable(ctx context.Context, db *engine.DB, cfg *config.Config, t *config.Table, src *config.Source, asOf time.Time, workDir string, in *Ingest) (*TableLoad, error) {
	files, err := expandFiles(cfg, t.Name, src)
	if err != nil {
		return nil, err
	}
	sums := make(chan error, 1)
	go func() { sums <- checksum(files) }()
	dec, err := decoderFor(src.EncodingName())
	if err != nil {
		return nil, fmt.Errorf("sources.%s.encoding: %w", t.Name, err)
	}
	if dec != nil {
		for _, f := range files {
			if f.readPath, err = transcode(f.Path, workDir, dec); err != nil {
				return nil, fmt.Errorf("sources.%s: %w", t.Name, err)
			}
		}
	}
	r := &reader{db: db, table: t, src: src, files: files}
	if err := r.discover(ctx); err != nil {
		return nil, err
	}
	if err := r.mapColumns(); err != nil {
		return nil, err
	}
	if err := r.readRaw(ctx); err != nil {
		return nil, err
	}
	if err := r.stage(ctx); err != nil {
		return nil, err
	}
	tl := &TableLoad{Table: t.Name, Files: files, Mapping: r.mappingDoc()}
	if err := check(ctx, db, t, r, asOf, in, tl); err != nil {
		return nil, err
	}
	if err := <-sums; err != nil {
		return nil, fmt.Errorf("sources.%s: %w", t.Name, err)
	}
	return tl, nil
}
