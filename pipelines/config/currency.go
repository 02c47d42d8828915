package config

import (
	"fmt"
	"regexp"
	"strings"
)

var isoCurrency = regexp.MustCompile(`^[A-Z]{3}$`)

func (c *Config) validateCurrency() []string {
	c.Currency = strings.ToUpper(strings.TrimSpace(c.Currency))
	if c.Currency != "" && !isoCurrency.MatchString(c.Currency) {
		return []string{fmt.Sprintf("currency: %q is not an ISO 4217 code such as EUR, USD or GBP", c.Currency)}
	}
	return nil
}

// Money returns the unit of money amounts for labels: " (EUR)", or ""
// without a currency.
func (c *Config) Money() string {
	if c == nil || c.Currency == "" {
		return ""
	}
	return " (" + c.Currency + ")"
}
