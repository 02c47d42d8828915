// Package segments turns the marketer segments of the configuration into
// contact lists: the rows of a published customer table (joined to the
// run's contacts) for which the segment's expression holds, less the
// customers who did not opt in to the segment's channel, those without a
// usable contact and duplicates of a contact (each counted, never silently
// dropped), with the columns the channel's tools import (Presets).
//
// Expressions are user text. They reach SQL only after pipelines/expr has
// accepted them against the columns of the table being filtered and
// rewritten them in a normalised, fully parenthesised form; anything else
// (statements, ';', ATTACH, COPY, INSTALL, file functions such as read_csv,
// unknown columns, unbalanced quotes, input over 4,096 bytes) is refused
// before a database is touched or a file is created. Files are written
// beside their destination and renamed into place, so a failed export
// leaves nothing behind. CSV cells that would start a spreadsheet formula
// are defused with a leading ' (Defuse).
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

// DefaultColumns are exported by a segment of channel none that lists no
// columns, followed by the columns its expression uses.
var DefaultColumns = []string{"customer_id", "name", "email", "country"}

// Presets are the columns exported for each channel when a segment lists
// none: what email tools (Klaviyo, Mailchimp), SMS tools and ad platforms
// (Google Customer Match, Meta Custom Audiences) import.
var Presets = map[string][]string{
	"email": {"customer_id", "email", "first_name", "last_name", "country"},
	"sms":   {"customer_id", "phone", "first_name", "last_name", "country"},
	"ads":   {"email_sha256", "phone_sha256", "phone_digits_sha256", "country"},
}

// Channels are the segment channels: a contact channel with its opt-in
// and what makes a contact usable, or none.
var Channels = []string{"email", "sms", "ads", "none"}

// Query is a validated segment, ready to run over a relation whose columns
// it was checked against.
//
// A segment's rows are the customers for whom its expression is true
// (matched), less, in this order: those without an opt-in for the channel
// (left out for consent), those without a usable contact (an invalid or
// missing email, a phone that is not E.164; left out as invalid), and all
// but one customer per contact (the same email or phone on several
// customers: the first customer_id is kept). Each group is counted.
//
//   - email: email_opt_in, a valid email; one row per email (lower-cased).
//   - sms: sms_opt_in, a valid phone; one row per phone.
//   - ads: an email with email_opt_in or a phone with sms_opt_in, valid;
//     each identifier is exported only under its own opt-in, hashed; one
//     row per identifier.
//   - none: every matched customer (for analysis, not contact).
type Query struct {
	Name    string
	Channel string
	// Where is the normalised expression, safe to embed.
	Where string
	// Columns are the exported columns, in the relation's spelling.
	Columns []string
	// exprs are the SQL of Columns (masked by consent for ads).
	exprs []string
	// consent, valid and key are SQL over the relation: the opt-in, a
	// usable contact, and the contact that makes rows duplicates.
	consent, valid, key string
}

// Compile checks segment name of cfg against the columns of the relation
// it will filter and returns its query. Errors name the segment and the
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

// emailOK is a usable email: one address once trimmed (the customer
// table's email_valid rule, which does not trim). An ads identifier is
// exported only under its own opt-in.
const (
	emailOK  = `coalesce(regexp_matches(trim(email), '^[^@\s]+@[^@\s]+\.[^@\s]+$'), false)`
	adsEmail = "(coalesce(email_opt_in, false) AND " + emailOK + ")"
	adsPhone = "(coalesce(sms_opt_in, false) AND coalesce(phone_valid, false))"
)

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
	canon := map[string]string{}
	for _, c := range columns {
		canon[strings.ToLower(c)] = c
	}
	q := &Query{Name: name, Channel: channel, Where: e.SQL, consent: "true", valid: "true", key: engine.Ident("customer_id")}
	var need []string
	switch channel {
	case "email":
		need = []string{"email_opt_in", "email"}
		q.consent, q.valid, q.key = "coalesce(email_opt_in, false)", emailOK, "lower(trim(email))"
	case "sms":
		need = []string{"sms_opt_in", "phone_valid", "phone"}
		q.consent, q.valid, q.key = "coalesce(sms_opt_in, false)", "coalesce(phone_valid, false)", "phone"
	case "ads":
		need = []string{"email_opt_in", "sms_opt_in", "email", "phone_valid", "email_sha256", "phone_sha256"}
		q.consent = "(coalesce(email_opt_in, false) OR coalesce(sms_opt_in, false))"
		q.valid = "(" + adsEmail + " OR " + adsPhone + ")"
		q.key = "coalesce(CASE WHEN " + adsEmail + " THEN email_sha256 END, phone_sha256)"
	case "none":
	default:
		return nil, fmt.Errorf("segment %s: channel %q is not one of %s", name, channel, strings.Join(Channels, ", "))
	}
	for _, c := range need {
		if canon[c] == "" {
			return nil, fmt.Errorf("segment %s: channel %s needs column %s, which this run's customer table and contacts lack (a run published before contacts were: run crmbatch run again)", name, channel, c)
		}
	}
	want, explicit := seg.Columns, len(seg.Columns) > 0
	if !explicit {
		if want = Presets[channel]; want == nil {
			want = append(append([]string{}, DefaultColumns...), e.Columns...)
		}
	}
	seen := map[string]bool{}
	for _, c := range want {
		k, ok := canon[strings.ToLower(c)]
		if !ok {
			if explicit {
				return nil, fmt.Errorf("segment %s: columns: %q is not a column of the customer table or the contacts (crmbatch schema customers, crmbatch schema contacts)", name, c)
			}
			continue // a preset column this table lacks
		}
		if seen[k] {
			continue
		}
		seen[k] = true
		sql := engine.Ident(k)
		switch {
		case channel == "email" && k == "email":
			sql = "lower(trim(email))"
		case channel == "ads" && (k == "email" || k == "email_sha256"):
			sql = "CASE WHEN " + adsEmail + " THEN " + sql + " END"
		case channel == "ads" && strings.HasPrefix(k, "phone"):
			sql = "CASE WHEN " + adsPhone + " THEN " + sql + " END"
		}
		q.Columns = append(q.Columns, k)
		q.exprs = append(q.exprs, sql+" AS "+engine.Ident(k))
	}
	return q, nil
}

func short(s string) string {
	if len(s) > 80 {
		return fmt.Sprintf("%q... (%d bytes)", s[:80], len(s))
	}
	return fmt.Sprintf("%q", s)
}

// matched is the relation of the matched customers with the flags _c
// (consent), _v (usable contact) and _k (contact key).
func (q *Query) matched(from string) string {
	return fmt.Sprintf("(SELECT *, %s AS _c, %s AS _v, %s AS _k FROM %s WHERE (%s))", q.consent, q.valid, q.key, from, q.Where)
}

// Select returns the SQL of the exported rows over relation from (a table
// name, a read_parquet call or Join), in customer order.
func (q *Query) Select(from string) string {
	return fmt.Sprintf("SELECT %s FROM %s m WHERE _c AND _v QUALIFY row_number() OVER (PARTITION BY _k ORDER BY customer_id) = 1 ORDER BY customer_id",
		strings.Join(q.exprs, ", "), q.matched(from))
}

// Counts are the sizes of a segment: Matched = Exported + LeftOut +
// Invalid + Duplicate.
type Counts struct {
	// Matched customers satisfy the expression; Exported of them are in
	// the export.
	Matched, Exported int64
	// LeftOut customers did not opt in to the channel.
	LeftOut int64
	// Invalid customers opted in but have no usable contact.
	Invalid int64
	// Duplicate customers share their contact with an exported one.
	Duplicate int64
}

// Count returns the segment's sizes over relation from.
func (q *Query) Count(ctx context.Context, db *engine.DB, from string) (Counts, error) {
	f, err := db.QueryFrame(ctx, fmt.Sprintf(`SELECT count(*) AS matched,
	count(*) FILTER (WHERE NOT _c) AS no_consent,
	count(*) FILTER (WHERE _c AND NOT _v) AS invalid,
	count(DISTINCT _k) FILTER (WHERE _c AND _v) AS exported
FROM %s m`, q.matched(from)))
	if err != nil {
		return Counts{}, q.wrap(err)
	}
	c := Counts{Matched: f.Col("matched").Ints[0], LeftOut: f.Col("no_consent").Ints[0], Invalid: f.Col("invalid").Ints[0], Exported: f.Col("exported").Ints[0]}
	c.Duplicate = c.Matched - c.LeftOut - c.Invalid - c.Exported
	return c, nil
}

// Describe says what the counts of a segment of channel mean.
func (c Counts) Describe(channel string) string {
	s := fmt.Sprintf("%d customers match, %d exported", c.Matched, c.Exported)
	consent := map[string]string{"email": "email opt-in", "sms": "SMS opt-in", "ads": "email or SMS opt-in"}[channel]
	contact := map[string]string{"email": "a valid email", "sms": "a valid phone (E.164)", "ads": "a valid email or phone under its opt-in"}[channel]
	if contact == "" {
		return s
	}
	return s + fmt.Sprintf("; left out: %d without %s, %d without %s, %d sharing a contact with an exported customer",
		c.LeftOut, consent, c.Invalid, contact, c.Duplicate)
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
// quoting, spreadsheet formulas defused: see Defuse) or parquet (ZSTD),
// replacing path only once the file is complete, and returns the sizes.
func (q *Query) Write(ctx context.Context, db *engine.DB, from, format, path string) (Counts, error) {
	var opts string
	sel := q.Select(from)
	switch format {
	case "csv":
		opts = "FORMAT CSV, HEADER"
		sel = Defuse(q.Columns, sel)
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
	if err := db.Exec(ctx, fmt.Sprintf("COPY (%s) TO %s (%s)", sel, engine.Quote(tmp.Name()), opts)); err != nil {
		return c, q.wrap(err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return c, fmt.Errorf("segment %s: %w", q.Name, err)
	}
	return c, nil
}

// Defuse wraps query (whose columns are cols) so that no text cell of a
// CSV export starts a spreadsheet formula (CSV injection, OWASP): a text
// value starting with =, +, -, @, a tab or a carriage return gets a
// leading ' unless it is a plain number (+33612345678, -12.5), which a
// spreadsheet reads as a number and a phone import needs as it is.
func Defuse(cols []string, query string) string {
	sel := make([]string, len(cols))
	for i, c := range cols {
		id := engine.Ident(c)
		sel[i] = fmt.Sprintf(`CASE WHEN typeof(%[1]s) = 'VARCHAR' AND regexp_matches(CAST(%[1]s AS VARCHAR), '^[=+\-@\t\r]')
		AND NOT regexp_full_match(CAST(%[1]s AS VARCHAR), '[+-]?[0-9][0-9 .]*')
	THEN '''' || CAST(%[1]s AS VARCHAR) ELSE CAST(%[1]s AS VARCHAR) END AS %[1]s`, id)
	}
	return fmt.Sprintf("SELECT %s FROM (%s)", strings.Join(sel, ", "), query)
}

// Join is the relation segments filter: the customer table (a table name or
// a read_parquet call) with the contact columns of contacts (likewise), or
// the customer table alone when contacts is empty.
func Join(customers, contacts string) string {
	if contacts == "" {
		return "(SELECT * FROM " + customers + ")"
	}
	return fmt.Sprintf("(SELECT c.*, k.* EXCLUDE (customer_id) FROM %s c LEFT JOIN %s k USING (customer_id))", customers, contacts)
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
