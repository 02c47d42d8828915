package config

// Portfolio configures RFM, behavioural clusters, segment profitability and
// the lifecycle.
type Portfolio struct{}

func (c *Portfolio) validate() []string { return nil }
