package portfolio

import "fmt"

// Sums and means of DOUBLE values depend on the order in which DuckDB's
// threads add them up. Summed as DECIMAL(38,10) they are exact, so a table
// that publishes them is the same bit for bit on any number of threads.
// Values that are not finite are left out.

// exactSum is the SQL of the sum of DOUBLE expression e.
func exactSum(e string) string {
	return fmt.Sprintf("CAST(sum(CASE WHEN isfinite(%[1]s) THEN CAST(%[1]s AS DECIMAL(38,10)) END) AS DOUBLE)", e)
}

// exactAvg is the SQL of the mean of DOUBLE expression e.
func exactAvg(e string) string {
	return fmt.Sprintf("CAST(sum(CASE WHEN isfinite(%[1]s) THEN CAST(%[1]s AS DECIMAL(38,10)) END) / nullif(count(CASE WHEN isfinite(%[1]s) THEN 1 END), 0) AS DOUBLE)", e)
}
