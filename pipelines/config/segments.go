package config

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/crmbatch/crmbatch/pipelines/expr"
)

// Segment is a named marketer segment: the customers of the published
// customer table for which Expression is true and who opted in to Channel.
type Segment struct {
	// Expression is a filter over the customer-table columns (crmbatch
	// schema customers), e.g. "churn_probability > 0.6 AND
	// customer_lifetime_value > 500". Only the expression subset of
	// package expr is accepted: no statements, ';', comments, subqueries
	// or functions that touch files. Required.
	Expression string `yaml:"expression"`
	// Channel is the marketing channel: email (default; email_opt_in and a
	// valid email), sms (sms_opt_in and a valid E.164 phone), ads (hashed
	// email and phone for Google Customer Match and Meta Custom Audiences,
	// each under its own opt-in) or none (no consent filter, for analysis
	// rather than contact). It sets the exported columns when Columns is
	// empty; customers left out for lack of consent, of a valid contact or
	// as duplicates of a contact are counted and reported.
	Channel string `yaml:"channel"`
	// Description says what the segment is for; shown by segment list.
	Description string `yaml:"description"`
	// Columns are the exported columns, from the customer table and the
	// contacts (first_name, last_name, phone, email_sha256, phone_sha256,
	// ...); default the channel's preset (email: customer_id, email,
	// first_name, last_name, country; sms: customer_id, phone, first_name,
	// last_name, country; ads: email_sha256, phone_sha256,
	// phone_digits_sha256, country; none: customer_id, name, email,
	// country and the columns Expression uses).
	Columns []string `yaml:"columns"`
	// ExportOnRun adds the segment to the published segments output at the
	// end of every run.
	ExportOnRun bool `yaml:"export_on_run"`
	// Format is the default file format of crmbatch segment export: csv
	// (default) or parquet.
	Format string `yaml:"format"`
}

// segmentName is what a segment may be called: it becomes part of file
// names and command lines.
var segmentName = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,62}$`)

// ParseUnchecked parses a segment expression with every identifier taken to
// be a column, so that syntax and forbidden constructs are caught before
// the columns are known (the configuration cannot know which columns a run
// will publish). Run time checks the columns again with expr.Parse.
func ParseUnchecked(src string) (*expr.Expr, error) {
	var cols []string
	seen := map[string]bool{}
	for {
		e, err := expr.Parse(src, cols)
		var pe *expr.Error
		if err == nil || !errors.As(err, &pe) || !errors.Is(err, expr.ErrUnknownColumn) {
			return e, err
		}
		name := pe.Token
		if strings.HasPrefix(name, `"`) {
			name = strings.ReplaceAll(strings.TrimSuffix(strings.TrimPrefix(name, `"`), `"`), `""`, `"`)
		}
		if seen[strings.ToLower(name)] || len(pe.Token) >= 40 {
			return nil, err // a name too long to recover from the error: refuse it
		}
		seen[strings.ToLower(name)] = true
		cols = append(cols, name)
	}
}

// ValidSegmentName reports whether name may name a segment: lower-case
// letters, digits, _ and -, starting with a letter, at most 63 characters.
func ValidSegmentName(name string) bool { return segmentName.MatchString(name) }

// SegmentNames returns the configured segment names, sorted.
func (c *Config) SegmentNames() []string {
	names := make([]string, 0, len(c.Segments))
	for n := range c.Segments {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func validateSegments(s map[string]*Segment) []string {
	var errs []string
	bad := func(format string, a ...any) { errs = append(errs, fmt.Sprintf(format, a...)) }
	names := make([]string, 0, len(s))
	for n := range s {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		seg := s[name]
		if !segmentName.MatchString(name) {
			bad("segments.%s: a segment name is lower-case letters, digits, _ and -, starting with a letter, at most 63 characters", name)
		}
		if seg == nil {
			bad("segments.%s: empty; give at least an expression", name)
			continue
		}
		if strings.TrimSpace(seg.Expression) == "" {
			bad("segments.%s.expression: missing; write a filter such as churn_probability > 0.6", name)
		} else if _, err := ParseUnchecked(seg.Expression); err != nil {
			bad("segments.%s.expression: %v", name, err)
		}
		switch seg.Channel {
		case "":
			seg.Channel = "email"
		case "email", "sms", "ads", "none":
		default:
			bad("segments.%s.channel: %q is not email, sms, ads or none", name, seg.Channel)
		}
		switch seg.Format {
		case "":
			seg.Format = "csv"
		case "csv", "parquet":
		default:
			bad("segments.%s.format: %q is not csv or parquet", name, seg.Format)
		}
		for i, c := range seg.Columns {
			if _, err := ParseUnchecked(c); err != nil || strings.ContainsAny(c, " ()'\"") {
				bad("segments.%s.columns[%d]: %q is not a column name", name, i, c)
			}
		}
	}
	return errs
}
