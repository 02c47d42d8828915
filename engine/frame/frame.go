// Package frame holds a small typed columnar table: the form in which data
// moves between crmbatch's stages once it has left DuckDB. Each column is one
// Go slice, so models receive whole columns, never rows.
//
// The package has no dependencies, so the models, the Parquet writer and the
// pipelines can share it without linking the database.
package frame

import (
	"fmt"
	"math"
)

// Kind is the logical type of a column.
type Kind uint8

// The column kinds. Date columns hold days since 1970-01-01 in Ints;
// Timestamp columns hold microseconds since 1970-01-01 00:00:00 (no zone) in
// Ints.
const (
	Int64 Kind = iota + 1
	Float64
	String
	Bool
	Date
	Timestamp
)

var kindNames = [...]string{Int64: "BIGINT", Float64: "DOUBLE", String: "VARCHAR", Bool: "BOOLEAN", Date: "DATE", Timestamp: "TIMESTAMP"}

// String returns the SQL name of the kind (BIGINT, DOUBLE, VARCHAR, ...).
func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Column is one named, typed column. Exactly one of Ints, Floats, Strings or
// Bools is used, by Kind. Valid marks non-null rows; a nil Valid means every
// row is valid. Float columns may also use NaN for null: writers treat a NaN
// as null, so no NaN ever reaches an output.
type Column struct {
	Name    string
	Kind    Kind
	Ints    []int64
	Floats  []float64
	Strings []string
	Bools   []bool
	Valid   []bool
}

// Len returns the number of rows of c.
func (c *Column) Len() int {
	switch c.Kind {
	case Float64:
		return len(c.Floats)
	case String:
		return len(c.Strings)
	case Bool:
		return len(c.Bools)
	default:
		return len(c.Ints)
	}
}

// IsNull reports whether row i is null (or NaN, for floats).
func (c *Column) IsNull(i int) bool {
	if c.Valid != nil && !c.Valid[i] {
		return true
	}
	return c.Kind == Float64 && (math.IsNaN(c.Floats[i]) || math.IsInf(c.Floats[i], 0))
}

// Frame is an ordered set of equally long columns.
type Frame struct {
	Cols []*Column
}

// Len returns the number of rows, 0 for a frame without columns.
func (f *Frame) Len() int {
	if len(f.Cols) == 0 {
		return 0
	}
	return f.Cols[0].Len()
}

// Col returns the column called name, or nil.
func (f *Frame) Col(name string) *Column {
	for _, c := range f.Cols {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Add appends a column, replacing one of the same name. It panics if the
// length differs from the frame's: that is a programming error.
func (f *Frame) Add(c *Column) {
	if len(f.Cols) > 0 && c.Len() != f.Len() {
		panic(fmt.Sprintf("frame: column %q has %d rows, frame has %d", c.Name, c.Len(), f.Len()))
	}
	for i, old := range f.Cols {
		if old.Name == c.Name {
			f.Cols[i] = c
			return
		}
	}
	f.Cols = append(f.Cols, c)
}

// Floats returns the named column as float64 values (integers converted,
// nulls as NaN). It returns an error naming the column if it is missing or
// not numeric.
func (f *Frame) Floats(name string) ([]float64, error) {
	c := f.Col(name)
	if c == nil {
		return nil, fmt.Errorf("frame: no column %q", name)
	}
	switch c.Kind {
	case Float64:
		if c.Valid == nil {
			return c.Floats, nil
		}
		out := make([]float64, len(c.Floats))
		for i, v := range c.Floats {
			if !c.Valid[i] {
				v = math.NaN()
			}
			out[i] = v
		}
		return out, nil
	case Int64:
		out := make([]float64, len(c.Ints))
		for i, v := range c.Ints {
			if c.Valid != nil && !c.Valid[i] {
				out[i] = math.NaN()
				continue
			}
			out[i] = float64(v)
		}
		return out, nil
	}
	return nil, fmt.Errorf("frame: column %q is %s, not numeric", name, c.Kind)
}

// NewFloat returns a DOUBLE column over v (NaN is null).
func NewFloat(name string, v []float64) *Column { return &Column{Name: name, Kind: Float64, Floats: v} }

// NewString returns a VARCHAR column over v; valid may be nil.
func NewString(name string, v []string, valid []bool) *Column {
	return &Column{Name: name, Kind: String, Strings: v, Valid: valid}
}

// NewInt returns a BIGINT column over v; valid may be nil.
func NewInt(name string, v []int64, valid []bool) *Column {
	return &Column{Name: name, Kind: Int64, Ints: v, Valid: valid}
}

// NewDate returns a DATE column of days since 1970-01-01; valid may be nil.
func NewDate(name string, days []int64, valid []bool) *Column {
	return &Column{Name: name, Kind: Date, Ints: days, Valid: valid}
}

// NewBool returns a BOOLEAN column; valid may be nil.
func NewBool(name string, v []bool, valid []bool) *Column {
	return &Column{Name: name, Kind: Bool, Bools: v, Valid: valid}
}

// Table reads and extends a table column by column: a Frame in Go memory,
// or a table kept in DuckDB whose columns are pulled on demand
// (batch.Customers).
type Table interface {
	Len() int
	Col(name string) *Column
	Floats(name string) ([]float64, error)
	Add(c *Column)
}

var _ Table = (*Frame)(nil)
