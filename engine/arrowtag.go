//go:build !duckdb_arrow

package engine

// crmbatch reads query results through duckdb-go's Arrow interface, which
// the driver compiles only under the build tag duckdb_arrow. Without the tag
// the build stops here, with this message, instead of at an undefined
// symbol deep in the driver.
const _ = "crmbatch must be built with the build tag duckdb_arrow: go build -tags duckdb_arrow ./... (and go test -tags duckdb_arrow ./...)" + 1
