// Package rfm scores customers on recency, frequency and monetary value
// (RFM) and names segments from those scores.
//
// Scores are quintiles computed exactly like SQL's ntile(5) window
// function (see Ntile), so an analyst can reproduce every score in DuckDB:
//
//	SELECT customer_id,
//	       ntile(5) OVER (ORDER BY recency DESC, rn)  AS r,
//	       ntile(5) OVER (ORDER BY frequency ASC, rn) AS f,
//	       ntile(5) OVER (ORDER BY monetary ASC, rn)  AS m
//	FROM (SELECT *, row_number() OVER () AS rn FROM summary)
//
// where rn is the customer's position in the slices passed to Scores.
// Recency is the number of days (or any unit) since the last purchase, so a
// smaller value is better and scores 5.
//
// Segments are data: a slice of Rule values evaluated in order, first match
// wins. DefaultSegments returns the widely used "R versus FM" grid with ten
// named segments; a configuration can supply its own rules, and Validate
// checks that they name a segment for every one of the 125 score triples.
//
// The package is pure: slices in, values out, no I/O.
package rfm
