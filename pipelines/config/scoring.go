package config

// Churn configures the churn-risk stage.
type Churn struct{}

func (c *Churn) validate() []string { return nil }

// Leads configures lead scoring.
type Leads struct{}

func (c *Leads) validate() []string { return nil }

// Opportunities configures opportunity win probabilities.
type Opportunities struct{}

func (c *Opportunities) validate() []string { return nil }
