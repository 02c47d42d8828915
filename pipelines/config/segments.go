package config

// Segment is a named marketer segment.
type Segment struct{}

func validateSegments(s map[string]*Segment) []string { return nil }
