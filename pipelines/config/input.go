package config

import (
	"fmt"
	"regexp"
	"time"
)

// DefaultMinDate is the earliest plausible event date when min_date is not
// set: nothing a CRM records happened before 1970.
const DefaultMinDate = "1970-01-01"

// memoryLimit is what DuckDB takes as a memory_limit: a number and a unit.
var memoryLimit = regexp.MustCompile(`(?i)^\s*[0-9]+(\.[0-9]+)?\s*(b|kb|mb|gb|tb|kib|mib|gib|tib)\s*$`)

// validateInput fills in and checks the settings of how input values are
// read: id_case, min_date and memory_limit.
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
	return errs
}

// MinDateTime is min_date as a time (after Validate).
func (c *Config) MinDateTime() time.Time {
	t, err := time.Parse(time.DateOnly, c.MinDate)
	if err != nil {
		t, _ = time.Parse(time.DateOnly, DefaultMinDate)
	}
	return t
}
