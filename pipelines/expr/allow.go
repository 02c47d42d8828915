package expr

import (
	"sort"
	"strings"
)

// statementKeywords are refused wherever they appear as bare words: they
// start statements, subqueries or clauses that have no place in a scalar
// expression. A column with such a name must be written "quoted".
var statementKeywords = setOf(
	"SELECT", "FROM", "WHERE", "GROUP", "HAVING", "ORDER", "LIMIT", "OFFSET",
	"UNION", "INTERSECT", "EXCEPT", "WITH", "VALUES", "TABLE", "JOIN", "INTO",
	"RETURNING", "EXISTS", "ANY", "ALL", "SOME", "ARRAY", "LAMBDA", "OVER",
	"WINDOW", "QUALIFY", "LATERAL", "PIVOT", "UNPIVOT", "SUMMARIZE", "DESCRIBE",
	"SHOW", "EXPLAIN", "ATTACH", "DETACH", "COPY", "INSTALL", "LOAD", "PRAGMA",
	"SET", "RESET", "CREATE", "DROP", "ALTER", "INSERT", "UPDATE", "DELETE",
	"TRUNCATE", "MERGE", "CALL", "EXPORT", "IMPORT", "USE", "EXECUTE",
	"PREPARE", "DEALLOCATE", "BEGIN", "COMMIT", "ROLLBACK", "CHECKPOINT",
	"VACUUM", "GRANT", "REVOKE",
)

// arity bounds a function's argument count; max < 0 means variadic.
type arity struct{ min, max int }

// functions is the allowlist of pure scalar DuckDB functions, keyed by
// lower-case name, with their accepted argument counts. None of them reads
// files, the environment, the network or database state.
var functions = map[string]arity{
	// Numeric.
	"abs": {1, 1}, "round": {1, 2}, "floor": {1, 1}, "ceil": {1, 1},
	"ceiling": {1, 1}, "trunc": {1, 1}, "sign": {1, 1}, "sqrt": {1, 1},
	"cbrt": {1, 1}, "exp": {1, 1}, "ln": {1, 1}, "log": {1, 2}, "log10": {1, 1},
	"log2": {1, 1}, "pow": {2, 2}, "power": {2, 2}, "greatest": {1, -1},
	"least": {1, -1}, "isnan": {1, 1}, "isinf": {1, 1}, "isfinite": {1, 1},
	// Conditional.
	"coalesce": {1, -1}, "nullif": {2, 2}, "ifnull": {2, 2}, "if": {3, 3},
	// Text.
	"lower": {1, 1}, "upper": {1, 1}, "trim": {1, 2}, "ltrim": {1, 2},
	"rtrim": {1, 2}, "length": {1, 1}, "strlen": {1, 1}, "substr": {2, 3},
	"substring": {2, 3}, "replace": {3, 3}, "concat": {1, -1},
	"concat_ws": {2, -1}, "left": {2, 2}, "right": {2, 2}, "lpad": {3, 3},
	"rpad": {3, 3}, "contains": {2, 2}, "starts_with": {2, 2},
	"ends_with": {2, 2}, "strpos": {2, 2}, "split_part": {3, 3},
	"regexp_matches": {2, 3}, "regexp_replace": {3, 4},
	"regexp_extract": {2, 3},
	// Dates and times.
	"strptime": {2, 2}, "try_strptime": {2, 2}, "strftime": {2, 2},
	"date_diff": {3, 3}, "datediff": {3, 3}, "date_sub": {3, 3},
	"date_trunc": {2, 2}, "date_part": {2, 2}, "datepart": {2, 2},
	"make_date": {3, 3}, "last_day": {1, 1}, "year": {1, 1}, "quarter": {1, 1},
	"month": {1, 1}, "week": {1, 1}, "day": {1, 1}, "dayofweek": {1, 1},
	"dayofyear": {1, 1}, "hour": {1, 1}, "epoch": {1, 1},
}

// castTypes is the allowlist of cast target types, upper case. DECIMAL
// and NUMERIC take an optional (precision[, scale]).
var castTypes = setOf(
	"BOOLEAN", "BOOL", "TINYINT", "SMALLINT", "INTEGER", "INT", "BIGINT",
	"HUGEINT", "FLOAT", "REAL", "DOUBLE", "DECIMAL", "NUMERIC", "VARCHAR",
	"TEXT", "STRING", "DATE", "TIMESTAMP",
)

func setOf(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// closest returns the allowed column nearest to name by case-insensitive
// edit distance, or "" if none is within a third of the name's length
// (at least 2 edits).
func closest(name string, columns []string) string {
	name = strings.ToLower(name)
	best, bestD := "", 1<<30
	limit := max(2, len(name)/3)
	sorted := append([]string(nil), columns...)
	sort.Strings(sorted)
	for _, c := range sorted {
		d := editDistance(name, strings.ToLower(c))
		if d < bestD {
			best, bestD = c, d
		}
	}
	if bestD > limit {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// Functions returns the sorted names of the allowed functions.
func Functions() []string {
	names := make([]string, 0, len(functions))
	for name := range functions {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Types returns the sorted names of the allowed cast target types.
func Types() []string {
	names := make([]string, 0, len(castTypes))
	for name := range castTypes {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}
