package config

import "fmt"

// Expansion configures the expansion stage: product affinity rules mined
// from baskets (the order lines of one order_id) and the next best offers
// built from them. Pointer fields are nil for their default; a threshold
// set to 0 switches it off.
type Expansion struct {
	// MinSupport is the least share of baskets holding both products of a
	// rule; default 0.0005 (5 in 10,000 baskets).
	MinSupport *float64 `yaml:"min_support"`
	// MinCount is the least number of baskets holding both products;
	// default 5, so rare pairs of rare products do not get a huge lift.
	MinCount int `yaml:"min_count"`
	// MinConfidence is the least share of the antecedent's baskets that
	// also hold the consequent; default 0.05.
	MinConfidence *float64 `yaml:"min_confidence"`
	// MinLift is the least lift; default 1.5 (50% more often together than
	// by chance). 1 keeps every positively associated pair.
	MinLift *float64 `yaml:"min_lift"`
	// MaxRules caps the published rules, strongest (highest lift) first;
	// default 10,000. The recommender uses the same rules.
	MaxRules int `yaml:"max_rules"`
	// MaxBasketSize skips orders with more distinct products (wholesale
	// or test orders); default 50.
	MaxBasketSize int `yaml:"max_basket_size"`
	// TopN is the number of next best offers per customer, published as
	// customer-table columns next_best_offer_1..N; default 3, at most 10.
	TopN int `yaml:"top_n"`
}

// Expansion defaults.
const (
	DefaultMinSupport    = 0.0005
	DefaultMinCount      = 5
	DefaultMinConfidence = 0.05
	DefaultMinLift       = 1.5
	DefaultMaxRules      = 10000
	DefaultMaxBasketSize = 50
	DefaultTopN          = 3
	MaxTopN              = 10
)

func (c *Expansion) validate() []string {
	var errs []string
	bad := func(format string, a ...any) { errs = append(errs, fmt.Sprintf(format, a...)) }
	share := func(name string, p **float64, def float64) {
		if *p == nil {
			v := def
			*p = &v
		} else if v := **p; !(v >= 0 && v <= 1) {
			bad("expansion.%s: %v is not between 0 and 1", name, v)
		}
	}
	share("min_support", &c.MinSupport, DefaultMinSupport)
	share("min_confidence", &c.MinConfidence, DefaultMinConfidence)
	if c.MinLift == nil {
		v := DefaultMinLift
		c.MinLift = &v
	} else if v := *c.MinLift; !(v >= 0 && v < 1e6) {
		bad("expansion.min_lift: %v is not a lift (use a number from 0, no threshold, upwards; 1 keeps positive associations)", v)
	}
	positive := func(name string, p *int, def int) {
		if *p == 0 {
			*p = def
		} else if *p < 0 {
			bad("expansion.%s: %d is negative; leave it out for the default %d", name, *p, def)
		}
	}
	positive("min_count", &c.MinCount, DefaultMinCount)
	positive("max_rules", &c.MaxRules, DefaultMaxRules)
	positive("max_basket_size", &c.MaxBasketSize, DefaultMaxBasketSize)
	positive("top_n", &c.TopN, DefaultTopN)
	if c.TopN > MaxTopN {
		bad("expansion.top_n: %d is more than %d offers per customer", c.TopN, MaxTopN)
	}
	return errs
}
