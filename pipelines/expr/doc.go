// Package expr validates user-written SQL expressions before crmbatch embeds
// them in DuckDB queries.
//
// Two kinds of user text reach SQL: column mappings in the configuration
// (for example Quantity * UnitPrice or strptime(d, '%d.%m.%Y')) and
// marketers' segment filters over the published customer table (for
// example churn_probability > 0.6 AND country IN ('LT', 'BD')). Parse reads
// such text with its own tokenizer and recursive-descent parser, accepts
// only a small, side-effect-free subset of DuckDB's expression syntax, and
// returns a normalised SQL string that is safe to splice into a query:
//
//   - literals: numbers, 'strings' with ” escapes, TRUE, FALSE, NULL,
//     DATE '2024-01-31', TIMESTAMP '2024-01-31 12:00:00', INTERVAL '30 days';
//   - columns: bare or "double quoted" identifiers, matched
//     case-insensitively against the allowed column list;
//   - operators: + - * / % ||, = == <> != < <= > >=, AND, OR, NOT,
//     IS [NOT] NULL, [NOT] IN (...), [NOT] BETWEEN, [NOT] LIKE / ILIKE;
//   - CASE [x] WHEN ... THEN ... [ELSE ...] END;
//   - CAST(x AS type), TRY_CAST(x AS type) and x::type for the types in
//     Types;
//   - calls of the pure scalar functions in Functions.
//
// Everything else is refused with an *Error carrying the byte offset and
// text of the offending token: statement keywords (SELECT, ATTACH, COPY,
// PRAGMA, ...), ';', comments, subqueries, functions outside the allowlist
// (read_csv, glob, getenv, ...), unknown columns (with the closest known
// name suggested), unbalanced quotes or parentheses, non-ASCII text outside
// quotes, invisible or bidirectional-control characters anywhere, input
// longer than Limits.MaxLen and trees deeper than Limits.MaxDepth.
//
// The normalised form upper-cases keywords and type names, lower-cases
// function names, re-quotes every column with double quotes in the spelling
// of the allowed list, rewrites x::t as CAST(x AS T), != as <> and == as =,
// and parenthesises every operator, so operator precedence can never be
// reinterpreted by the embedding query. Parsing the normalised form again
// yields the same string (the package's fuzz test checks this); the
// normalised form may be longer than the input, so MaxLen applies to user
// input only.
//
// Functions that lengthen text are bounded (see size.go): lpad and rpad
// pad to at most MaxPad characters (a larger literal length is refused, any
// other is capped), and a replace or regexp_replace that can lengthen its
// input takes a literal replacement of at most MaxGrowth characters, once
// per expression. One row can then never ask for more than a few
// kilobytes.
//
// Operator precedence follows DuckDB (inherited from PostgreSQL), from
// loosest to tightest: OR; AND; NOT; IS; comparison; IN, BETWEEN, LIKE,
// ILIKE; ||; + and -; *, / and %; unary + and -; ::.
package expr
