package config

import (
	"fmt"
	"strings"
)

// Funnel configures the sales funnel stage.
type Funnel struct {
	// Stages lists the open opportunity stages in funnel order, e.g.
	// [prospecting, qualification, proposal, negotiation], matched
	// case-insensitively. Empty means the order is read from the stage log:
	// by the mean position at which a stage is entered within its
	// opportunity, then by name. Stages whose rows close the opportunity
	// (outcome won or lost) always come last; stages found in the data but
	// not listed follow the listed ones.
	Stages []string `yaml:"stages"`
}

func (c *Funnel) validate() []string {
	var errs []string
	seen := map[string]bool{}
	for i, s := range c.Stages {
		k := strings.ToLower(strings.TrimSpace(s))
		if k == "" {
			errs = append(errs, fmt.Sprintf("funnel.stages[%d]: empty stage name", i))
		} else if seen[k] {
			errs = append(errs, fmt.Sprintf("funnel.stages[%d]: %q is listed twice", i, s))
		}
		seen[k] = true
	}
	return errs
}
