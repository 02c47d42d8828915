package config

import (
	"fmt"
	"time"
)

// GeneratedYAML is the configuration of a data set written by crmbatch gen
// (files named after the canonical tables, in one folder), for as-of date
// asOf. Outputs go to output, relative to the data folder.
func GeneratedYAML(asOf time.Time, output string) []byte {
	return []byte(fmt.Sprintf(`# crmbatch configuration for a data set written by "crmbatch gen".
# Paths are relative to this file.
as_of: %s
time_unit: days
output: %s
sources:
  customers:     {files: [customers.csv]}
  orders:        {files: [orders.csv]}
  interactions:  {files: [interactions.csv]}
  leads:         {files: [leads.csv]}
  opportunities: {files: [opportunities.csv]}
  subscriptions: {files: [subscriptions.csv]}
`, asOf.Format(time.DateOnly), output))
}

// ExampleSegmentsYAML is a marketer segment that "crmbatch gen" and "crmbatch
// demo" append to GeneratedYAML, so that a demo run exports a list and
// "crmbatch segment preview win_back" works out of the box.
const ExampleSegmentsYAML = `segments:
  win_back:
    description: valuable customers at risk of churning, for a win-back email
    expression: "churn_probability > 0.5 AND customer_lifetime_value > 50"
    channel: email
    export_on_run: true
`
