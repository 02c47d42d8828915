package gen

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// Options configures Write. The zero value of every field selects the
// documented default, so Options{Customers: 1000} is a complete request.
type Options struct {
	// Customers is the number of true customers. It must be positive.
	Customers int
	// Seed selects the random streams. Equal Seeds (and equal Options)
	// give byte-identical output, whatever the scheduling.
	Seed uint64
	// AsOf is the end of the observation window: nothing is dated after
	// it except the planted ts_after_asof dirty rows. Zero means
	// 2025-12-31 00:00:00 UTC. It is truncated to whole seconds and
	// converted to UTC.
	AsOf time.Time
	// Years is the length of the history window before AsOf in years of
	// 365.25 days. Zero means 3.
	Years float64
	// DirtyShare is the probability that a planted dirty row follows (or,
	// for malformed_email, alters) a clean row of customers, orders and
	// interactions. Zero means 0.01; a negative value plants none.
	DirtyShare float64
	// NonLatinShare is the share of customers with a Bengali, Urdu or
	// Lithuanian name, split equally over the three. Zero means 0.15; a
	// negative value means none.
	NonLatinShare float64
	// LeadsPerCustomer sets the number of leads as a multiple of
	// Customers (rounded). Zero means 0.5; a negative value means none.
	LeadsPerCustomer float64
	// Groups are the planted behavioural groups. Nil means
	// DefaultGroups(). Shares are normalised to sum to one.
	Groups []Group
	// ChannelEffects is the planted covariate effect of the acquisition
	// channel on the purchase rate, by channel name (organic, paid_search,
	// social, referral, partner, email): a customer's lambda is its
	// group's Gamma(r, alpha) draw times exp(effect), i.e. its alpha is
	// alpha exp(-effect), the parametrisation of BG/NBD with covariates
	// (btyd.BGNBDCov). Nil means DefaultChannelEffects(); an empty map
	// plants none. Channels left out have effect 0.
	ChannelEffects map[string]float64
	// Workers is the number of generating goroutines. Zero means
	// runtime.GOMAXPROCS(0). The output does not depend on it.
	Workers int
}

// defaultAsOf is the AsOf used when Options.AsOf is zero.
var defaultAsOf = time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)

// withDefaults returns o with every zero field replaced by its default.
func (o Options) withDefaults() Options {
	if o.AsOf.IsZero() {
		o.AsOf = defaultAsOf
	}
	o.AsOf = o.AsOf.UTC().Truncate(time.Second)
	if o.Years == 0 {
		o.Years = 3
	}
	if o.DirtyShare == 0 {
		o.DirtyShare = 0.01
	}
	if o.DirtyShare < 0 {
		o.DirtyShare = 0
	}
	if o.NonLatinShare == 0 {
		o.NonLatinShare = 0.15
	}
	if o.NonLatinShare < 0 {
		o.NonLatinShare = 0
	}
	if o.LeadsPerCustomer == 0 {
		o.LeadsPerCustomer = 0.5
	}
	if o.LeadsPerCustomer < 0 {
		o.LeadsPerCustomer = 0
	}
	if o.Groups == nil {
		o.Groups = DefaultGroups()
	}
	if o.ChannelEffects == nil {
		o.ChannelEffects = DefaultChannelEffects()
	}
	return o
}

// validate reports the first invalid field of o (after defaults).
func (o Options) validate() error {
	switch {
	case o.Customers <= 0:
		return fmt.Errorf("gen: Options.Customers = %d, want > 0", o.Customers)
	case !(o.Years > 0) || math.IsInf(o.Years, 0):
		return fmt.Errorf("gen: Options.Years = %v, want a positive number", o.Years)
	case !(o.DirtyShare < 0.5):
		return fmt.Errorf("gen: Options.DirtyShare = %v, want < 0.5", o.DirtyShare)
	case !(o.NonLatinShare <= 1):
		return fmt.Errorf("gen: Options.NonLatinShare = %v, want <= 1", o.NonLatinShare)
	case !(o.LeadsPerCustomer <= 10):
		return fmt.Errorf("gen: Options.LeadsPerCustomer = %v, want <= 10", o.LeadsPerCustomer)
	case len(o.Groups) == 0:
		return errors.New("gen: Options.Groups is empty; use nil for the defaults")
	}
	for name, e := range o.ChannelEffects {
		if !slices.Contains(acqChannels[:], name) || math.IsNaN(e) || math.Abs(e) > 5 {
			return fmt.Errorf("gen: Options.ChannelEffects[%q] = %v: want an acquisition channel (%v) and an effect in [-5, 5]", name, e, acqChannels)
		}
	}
	for i, g := range o.Groups {
		if err := g.validate(); err != nil {
			return fmt.Errorf("gen: Options.Groups[%d] (%q): %w", i, g.Name, err)
		}
	}
	return nil
}
