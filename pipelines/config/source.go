package config

import (
	"fmt"
	"sort"
	"strings"
)

// Encodings are the source encodings crmbatch reads (lower case).
var Encodings = []string{"utf-8", "windows-1257", "windows-1252", "iso-8859-1", "latin-1", "iso-8859-13", "iso-8859-15", "utf-16", "utf-16le", "utf-16be"}

var duckTypes = map[string]bool{"VARCHAR": true, "DOUBLE": true, "BIGINT": true, "INTEGER": true, "DATE": true, "TIMESTAMP": true, "BOOLEAN": true, "FLOAT": true, "DECIMAL": true}

// FileFormat returns the source's format: the configured one, or the one its
// first file's extension implies.
func (s *Source) FileFormat() string {
	if s.Format != "" {
		return strings.ToLower(s.Format)
	}
	if len(s.Files) == 0 {
		return ""
	}
	f := strings.ToLower(s.Files[0])
	f = strings.TrimSuffix(f, ".gz")
	f = strings.TrimSuffix(f, ".zst")
	switch {
	case strings.HasSuffix(f, ".parquet"):
		return "parquet"
	case strings.HasSuffix(f, ".json"), strings.HasSuffix(f, ".jsonl"), strings.HasSuffix(f, ".ndjson"):
		return "json"
	}
	return "csv"
}

// HasHeader reports whether CSV files start with a header line (default true).
func (s *Source) HasHeader() bool { return s.Header == nil || *s.Header }

// EncodingName returns the normalised encoding ("utf-8" by default).
func (s *Source) EncodingName() string {
	e := strings.ToLower(strings.TrimSpace(s.Encoding))
	switch e {
	case "", "utf8", "utf-8":
		return "utf-8"
	case "latin1", "latin-1", "iso8859-1":
		return "iso-8859-1"
	case "cp1257":
		return "windows-1257"
	case "cp1252":
		return "windows-1252"
	}
	return e
}

func (s *Source) validate(t *Table) []string {
	var errs []string
	bad := func(format string, a ...any) { errs = append(errs, fmt.Sprintf(format, a...)) }
	if len(s.Files) == 0 {
		bad("files: none given; list the file paths or glob patterns of this table")
	}
	switch s.FileFormat() {
	case "csv", "parquet", "json":
	default:
		bad("format: %q is not csv, parquet or json", s.Format)
	}
	if s.Delimiter == "\\t" {
		s.Delimiter = "\t"
	}
	if len([]rune(s.Delimiter)) > 1 {
		bad("delimiter: %q must be one character (\\t for tabs)", s.Delimiter)
	}
	if s.Decimal != "" && s.Decimal != "." && s.Decimal != "," {
		bad("decimal: %q must be \".\" or \",\"", s.Decimal)
	}
	if s.Decimal == "," && (s.Delimiter == "" || s.Delimiter == ",") {
		bad("decimal: a decimal comma needs another delimiter (delimiter: \";\")")
	}
	if len([]rune(s.Quote)) > 1 {
		bad("quote: %q must be one character", s.Quote)
	}
	for _, f := range []struct{ name, v string }{{"date_format", s.DateFormat}, {"timestamp_format", s.TimestampFormat}} {
		if f.v != "" && !strings.Contains(f.v, "%") {
			bad("%s: %q is not a strptime format (like %%d.%%m.%%Y)", f.name, f.v)
		}
	}
	enc := s.EncodingName()
	known := false
	for _, e := range Encodings {
		known = known || e == enc
	}
	if !known {
		bad("encoding: %q is not supported; use one of %s", s.Encoding, strings.Join(Encodings, ", "))
	}
	keys := make([]string, 0, len(s.Columns))
	for k := range s.Columns {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if t.Field(k) == nil {
			bad("columns.%s: %s has no column %q%s; its columns are %s", k, t.Name, k, suggest(k, t), fieldNames(t))
		}
		if strings.TrimSpace(s.Columns[k]) == "" {
			bad("columns.%s: empty mapping; name a source column or write an expression", k)
		}
	}
	for col, typ := range s.Types {
		if !duckTypes[strings.ToUpper(strings.TrimSpace(typ))] {
			bad("types.%s: %q is not one of VARCHAR, DOUBLE, BIGINT, INTEGER, DATE, TIMESTAMP, BOOLEAN", col, typ)
		}
	}
	return errs
}

func fieldNames(t *Table) string {
	var s []string
	for _, f := range t.Fields {
		s = append(s, f.Name)
	}
	return strings.Join(s, ", ")
}

func suggest(name string, t *Table) string {
	best, bestD := "", 4
	for _, f := range t.Fields {
		if d := editDistance(strings.ToLower(name), f.Name); d < bestD {
			best, bestD = f.Name, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func (c *CLV) validate() []string {
	var errs []string
	if c.HorizonMonths == 0 {
		c.HorizonMonths = 12
	}
	if c.HorizonMonths < 0 || c.HorizonMonths > 600 {
		errs = append(errs, fmt.Sprintf("clv.horizon_months: %d is not between 1 and 600", c.HorizonMonths))
	}
	if c.AnnualDiscountRate == nil {
		v := 0.10
		c.AnnualDiscountRate = &v
	} else if *c.AnnualDiscountRate < 0 || *c.AnnualDiscountRate > 5 {
		errs = append(errs, fmt.Sprintf("clv.annual_discount_rate: %v is not between 0 and 5", *c.AnnualDiscountRate))
	}
	if c.Margin != nil && (*c.Margin <= 0 || *c.Margin > 1) {
		errs = append(errs, fmt.Sprintf("clv.margin: %v is not in (0, 1]", *c.Margin))
	}
	if len(c.Models) == 0 {
		c.Models = []string{"bgnbd", "paretonbd"}
	}
	for _, m := range c.Models {
		if m != "bgnbd" && m != "paretonbd" {
			errs = append(errs, fmt.Sprintf("clv.models: %q is not bgnbd or paretonbd", m))
		}
	}
	switch c.SubscriptionPeriod {
	case "":
		c.SubscriptionPeriod = "month"
	case "month", "year":
	default:
		errs = append(errs, fmt.Sprintf("clv.subscription_period: %q is not month or year", c.SubscriptionPeriod))
	}
	if c.HoldoutDays == nil {
		v := 90
		c.HoldoutDays = &v
	} else if *c.HoldoutDays < 0 {
		errs = append(errs, fmt.Sprintf("clv.holdout_days: %d is negative; 0 disables the holdout", *c.HoldoutDays))
	}
	switch c.TimeUnit {
	case "", "periods":
	default:
		errs = append(errs, fmt.Sprintf("clv.time_unit: %q is not periods (leave it empty for the run's continuous time_unit)", c.TimeUnit))
	}
	switch c.Period {
	case "":
		c.Period = "year"
	case "year", "quarter", "month", "week":
	default:
		errs = append(errs, fmt.Sprintf("clv.period: %q is not year, quarter, month or week", c.Period))
	}
	if c.TimeUnit == "periods" && c.Covariates.Any() {
		errs = append(errs, "clv.covariates: covariates are fitted with BG/NBD and Pareto/NBD, not with clv.time_unit periods (BG/BB)")
	}
	for _, l := range []struct {
		key   string
		names []string
	}{{"clv.covariates.purchase", c.Covariates.Purchase}, {"clv.covariates.dropout", c.Covariates.Dropout}} {
		seen := map[string]bool{}
		for _, n := range l.names {
			if n == "" || seen[n] {
				errs = append(errs, fmt.Sprintf("%s: %q is empty or repeated", l.key, n))
			}
			seen[n] = true
		}
	}
	return errs
}
