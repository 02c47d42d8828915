// Package engine is crmbatch's one door to DuckDB and Apache Arrow.
//
// Every SQL statement the batch runs goes through a *DB from this package;
// query results come back to Go as Arrow record batches and are handed on as
// whole columns (slices), never row by row through database/sql. No other
// package imports go-duckdb, so only binaries that need the database pay for
// linking its static library.
package engine
