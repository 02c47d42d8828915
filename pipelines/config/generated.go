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
