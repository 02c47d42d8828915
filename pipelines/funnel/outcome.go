package funnel

import "fmt"

// OutcomeSQL is the SQL of an opportunity row's outcome, 'won', 'lost' or
// 'open', from its outcome and stage columns (SQL expressions). The outcome
// column decides when it says won or lost (also "Closed Won",
// "closed_lost", "ClosedWon", any case); otherwise a stage named that way
// does, so that a deal export whose stage column is the only one to record
// the result (Salesforce's "Closed Won", HubSpot's "closedwon", the Maven
// pipeline's "Won"/"Lost") needs no outcome mapping. Anything else is open.
func OutcomeSQL(outcome, stage string) string {
	return fmt.Sprintf(`CASE
	WHEN regexp_matches(lower(trim(%[1]s)), '^(closed[ _-]*)?won$') THEN 'won'
	WHEN regexp_matches(lower(trim(%[1]s)), '^(closed[ _-]*)?lost$') THEN 'lost'
	WHEN regexp_matches(lower(trim(%[2]s)), '^(closed[ _-]*)?won$') THEN 'won'
	WHEN regexp_matches(lower(trim(%[2]s)), '^(closed[ _-]*)?lost$') THEN 'lost'
	ELSE 'open' END`, outcome, stage)
}
