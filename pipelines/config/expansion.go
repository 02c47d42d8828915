package config

// Expansion configures product affinity rules and next best offers.
type Expansion struct{}

func (c *Expansion) validate() []string { return nil }
