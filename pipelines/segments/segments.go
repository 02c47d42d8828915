// Package segments turns the marketer segments of the configuration into
// customer lists: the rows of a published customer table for which the
// segment's expression holds, less the customers who did not opt in to the
// segment's channel (counted, never silently dropped).
//
// Expressions are user text. They reach SQL only after pipelines/expr has
// accepted them against the columns of the table being filtered and
// rewritten them in a normalised, fully parenthesised form; anything else
// (statements, ';', ATTACH, COPY, INSTALL, file functions such as read_csv,
// unknown columns, unbalanced quotes, input over 4,096 bytes) is refused
// before a database is touched or a file is created. Files are written
// beside their destination and renamed into place, so a failed export
// leaves nothing behind.
package segments

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/engine/frame"
	"github.com/crmbatch/crmbatch/pipelines/config"
	"github.com/crmbatch/crmbatch/pipelines/expr"
)

// consentColumn maps a channel to the customer-table column that records
// the opt-in; none has no column.
var consentColumn = map[string]string{"email": "email_opt_in", "sms": "sms_opt_in", "none": ""}

// DefaultColumns are exported when a segment lists no columns, followed by
// the columns its expression uses.
var DefaultColumns = []string{"customer_id", "name", "email", "country"}

// Query is a validated segment, ready to run over a table whose columns it
// was checked against.
type Query struct {
	Name    string
	Channel string
	// Where is the normalised expression, safe to embed.
	Where string
	// Consent is the opt-in column of Channel, empty for none.
	Consent string
	// Columns are the exported columns, in the table's spelling.
	Columns []string
}

// Compile checks segment name of cfg against the columns of the table it
// will filter and returns its query. Errors name the segment and the
// problem (expr errors carry the offset of the offending text).
func Compile(cfg *config.Config, name string, columns []string) (*Query, error) {
	seg, ok := cfg.Segments[name]
	if !ok || seg == nil {
		if len(cfg.Segments) == 0 {
			return nil, fmt.Errorf("segment %q: the configuration defines no segments (add them under segments:)", name)
		}
		return nil, fmt.Errorf("segment %q is not in the configuration; the segments are %s", name, strings.Join(cfg.SegmentNames(), ", "))
	}
	return CompileSegment(name, seg, columns)
}

// CompileSegment is Compile for a segment given directly. An empty channel
// means email.
func CompileSegment(name string, seg *config.Segment, columns []string) (*Query, error) {
	e, err := expr.Parse(seg.Expression, columns)
	if err != nil {
		return nil, fmt.Errorf("segment %s: expression %s: %w", name, short(seg.Expression), err)
	}
	channel := seg.Channel
	if channel == "" {
		channel = "email"
	}
	consent, ok := consentColumn[channel]
	if !ok {
		return nil, fmt.Errorf("segment %s: channel %q is not email, sms or none", name, channel)
	}
	canon := map[string]string{}
	for _, c := range columns {
		canon[strings.ToLower(c)] = c
	}
	if consent != "" {
		if canon[consent] == "" {
			return nil, fmt.Errorf("segment %s: channel %s needs column %s, which the customer table lacks", name, channel, consent)
		}
		consent = canon[consent]
	}
	want := seg.Columns
	if len(want) == 0 {
		want = append(append([]string{}, DefaultColumns...), e.Columns...)
	}
	q := &Query{Name: name, Channel: channel, Where: e.SQL, Consent: consent}
	seen := map[string]bool{}
	for _, c := range want {
		k, ok := canon[strings.ToLower(c)]
		if !ok {
			if len(seg.Columns) > 0 {
				return nil, fmt.Errorf("segment %s: columns: %q is not a column of the customer table", name, c)
			}
			continue // a default column this table lacks
		}
		if !seen[k] {
			seen[k] = true
			q.Columns = append(q.Columns, k)
		}
	}
	return q, nil
}

func short(s string) string {
	if len(s) > 80 {
		return fmt.Sprintf("%q... (%d bytes)", s[:80], len(s))
	}
	return fmt.Sprintf("%q", s)
}

// consentSQL is true for customers who opted in to the channel.
func (q *Query) consentSQL() string {
	if q.Consent == "" {
		return "true"
	}
	return "coalesce(" + engine.Ident(q.Consent) + ", false)"
}

// Select returns the SQL of the exported rows over relation from (a table
// name or a read_parquet call), in customer order.
func (q *Query) Select(from string) string {
	cols := make([]string, len(q.Columns))
	for i, c := range q.Columns {
		cols[i] = engine.Ident(c)
	}
	order := ""
	for _, c := range q.Columns {
		if c == "customer_id" {
			order = " ORDER BY customer_id"
		}
	}
	return fmt.Sprintf("SELECT %s FROM %s WHERE (%s) AND %s%s", strings.Join(cols, ", "), from, q.Where, q.consentSQL(), order)
}

// Counts are the sizes of a segment.
type Counts struct {
	// Matched customers satisfy the expression; Exported of them opted in
	// to the channel; LeftOut did not (Matched = Exported + LeftOut).
	Matched, Exported, LeftOut int64
}

// Count returns the segment's sizes over relation from.
func (q *Query) Count(ctx context.Context, db *engine.DB, from string) (Counts, error) {
	f, err := db.QueryFrame(ctx, fmt.Sprintf("SELECT count(*) AS matched, count(*) FILTER (WHERE %s) AS exported FROM %s WHERE (%s)", q.consentSQL(), from, q.Where))
	if err != nil {
		return Counts{}, q.wrap(err)
	}
	c := Counts{Matched: f.Col("matched").Ints[0], Exported: f.Col("exported").Ints[0]}
	c.LeftOut = c.Matched - c.Exported
	return c, nil
}

func (q *Query) wrap(err error) error {
	var qe *engine.QueryError
	if errors.As(err, &qe) {
		err = qe.Err
	}
	return fmt.Errorf("segment %s: DuckDB could not evaluate the expression %s: %w", q.Name, q.Where, err)
}

// Sample returns up to n exported rows.
func (q *Query) Sample(ctx context.Context, db *engine.DB, from string, n int) (*frame.Frame, error) {
	f, err := db.QueryFrame(ctx, fmt.Sprintf("%s LIMIT %d", q.Select(from), n))
	if err != nil {
		return nil, q.wrap(err)
	}
	return f, nil
}

// Write writes the exported rows to path as csv (UTF-8, header, RFC 4180
// quoting) or parquet (ZSTD), replacing path only once the file is
// complete, and returns the sizes.
func (q *Query) Write(ctx context.Context, db *engine.DB, from, format, path string) (Counts, error) {
	var opts string
	switch format {
	case "csv":
		opts = "FORMAT CSV, HEADER"
	case "parquet":
		opts = "FORMAT PARQUET, COMPRESSION ZSTD"
	default:
		return Counts{}, fmt.Errorf("segment %s: format %q is not csv or parquet", q.Name, format)
	}
	c, err := q.Count(ctx, db, from)
	if err != nil {
		return c, err
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return c, fmt.Errorf("segment %s: %w", q.Name, err)
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	if err := db.Exec(ctx, fmt.Sprintf("COPY (%s) TO %s (%s)", q.Select(from), engine.Quote(tmp.Name()), opts)); err != nil {
		return c, q.wrap(err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return c, fmt.Errorf("segment %s: %w", q.Name, err)
	}
	return c, nil
}

// ParquetColumns returns the column names of a Parquet file.
func ParquetColumns(ctx context.Context, db *engine.DB, path string) ([]string, error) {
	return db.Strings(ctx, "SELECT column_name FROM (DESCRIBE SELECT * FROM "+ReadParquet(path)+")")
}

// ReadParquet is the relation that reads one Parquet file without Hive
// partition columns.
func ReadParquet(path string) string {
	return "read_parquet(" + engine.Quote(path) + ", hive_partitioning = false)"
}
