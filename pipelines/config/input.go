package config

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

// DefaultMinDate is the earliest plausible event date when min_date is not
// set: nothing a CRM records happened before 1970.
const DefaultMinDate = "1970-01-01"

// memoryLimit is what DuckDB takes as a memory_limit: a number and a unit.
var memoryLimit = regexp.MustCompile(`(?i)^\s*[0-9]+(\.[0-9]+)?\s*(b|kb|mb|gb|tb|kib|mib|gib|tib)\s*$`)

// validateInput fills in and checks the settings of how input values are
// read: id_case, min_date, memory_limit and the sources' date and
// timestamp formats.
func (c *Config) validateInput() []string {
	var errs []string
	switch c.IDCase {
	case "", "upper", "lower":
	default:
		errs = append(errs, fmt.Sprintf("id_case: %q is not upper or lower (leave it out to keep identifiers as written)", c.IDCase))
	}
	if c.MinDate == "" {
		c.MinDate = DefaultMinDate
	}
	if _, err := time.Parse(time.DateOnly, c.MinDate); err != nil {
		errs = append(errs, fmt.Sprintf("min_date: %q is not a date like 1970-01-01", c.MinDate))
	}
	if c.MemoryLimit != "" && !memoryLimit.MatchString(c.MemoryLimit) {
		errs = append(errs, fmt.Sprintf("memory_limit: %q is not a size like 4GB, 500MB or 8GiB", c.MemoryLimit))
	}
	return append(errs, c.validateFormats()...)
}

// MinDateTime is min_date as a time (after Validate).
func (c *Config) MinDateTime() time.Time {
	t, err := time.Parse(time.DateOnly, c.MinDate)
	if err != nil {
		t, _ = time.Parse(time.DateOnly, DefaultMinDate)
	}
	return t
}

// strptimeCodes are the format codes DuckDB's strptime knows (after %, and
// an optional - for no padding).
const strptimeCodes = "aAwdbBhmyYHIpMSfgzZjUWcxXnTe%"

// checkStrptime returns what is wrong with a strptime format, or "".
func checkStrptime(format string) string {
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		j := i + 1
		if j < len(format) && format[j] == '-' {
			j++
		}
		if j >= len(format) {
			return "ends in %"
		}
		if !strings.ContainsRune(strptimeCodes, rune(format[j])) {
			return fmt.Sprintf("%%%c is not a strptime code (use %%d, %%m, %%Y, %%H, %%M, %%S, ...)", format[j])
		}
		i = j
	}
	return ""
}

// validateFormats checks the date and timestamp formats of every source.
func (c *Config) validateFormats() []string {
	var errs []string
	for _, name := range sortedKeys(c.Sources) {
		s := c.Sources[name]
		if s == nil {
			continue
		}
		for _, f := range []struct{ key, v string }{{"date_format", s.DateFormat}, {"timestamp_format", s.TimestampFormat}} {
			if f.v == "" {
				continue
			}
			if why := checkStrptime(f.v); why != "" {
				errs = append(errs, fmt.Sprintf("sources.%s.%s: %q: %s", name, f.key, f.v, why))
			}
		}
	}
	return errs
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
