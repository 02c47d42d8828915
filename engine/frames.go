package engine

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/crmbatch/crmbatch/engine/frame"
)

// QueryFrame runs a query and returns its result as whole columns. Rows
// travel from DuckDB as Arrow record batches (2,048 rows each) and are
// appended to typed Go slices; nothing goes row by row through database/sql.
func (d *DB) QueryFrame(ctx context.Context, query string, args ...any) (*frame.Frame, error) {
	defer trace(query, time.Now())
	var out *frame.Frame
	err := d.raw(func(c driver.Conn) error {
		ar, err := duckdb.NewArrowFromConn(c)
		if err != nil {
			return err
		}
		rdr, err := ar.QueryContext(ctx, query, args...)
		if err != nil {
			return &QueryError{SQL: query, Err: err}
		}
		defer rdr.Release()
		out, err = framefromSchema(rdr.Schema())
		if err != nil {
			return err
		}
		for rdr.Next() {
			if err := appendRecord(out, rdr.Record()); err != nil {
				return err
			}
		}
		return rdr.Err()
	})
	return out, err
}

func framefromSchema(s *arrow.Schema) (*frame.Frame, error) {
	f := &frame.Frame{}
	for _, fl := range s.Fields() {
		var k frame.Kind
		switch fl.Type.ID() {
		case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
			k = frame.Int64
		case arrow.FLOAT32, arrow.FLOAT64, arrow.DECIMAL128:
			// DECIMAL (sums of integers are HUGEINT, which DuckDB exports
			// as decimal(38, 0)) arrives as float64.
			k = frame.Float64
		case arrow.STRING, arrow.LARGE_STRING:
			k = frame.String
		case arrow.BOOL:
			k = frame.Bool
		case arrow.DATE32:
			k = frame.Date
		case arrow.TIMESTAMP:
			k = frame.Timestamp
		default:
			return nil, fmt.Errorf("engine: column %q has Arrow type %s, which crmbatch does not read; CAST it to DOUBLE, BIGINT, VARCHAR, DATE or TIMESTAMP in the query", fl.Name, fl.Type)
		}
		f.Cols = append(f.Cols, &frame.Column{Name: fl.Name, Kind: k})
	}
	return f, nil
}

func appendRecord(f *frame.Frame, rec arrow.Record) error {
	n := int(rec.NumRows())
	for j, col := range f.Cols {
		arr := rec.Column(j)
		start := col.Len()
		if arr.NullN() > 0 && col.Valid == nil {
			col.Valid = make([]bool, start, start+n)
			for i := range col.Valid {
				col.Valid[i] = true
			}
		}
		if col.Valid != nil {
			for i := 0; i < n; i++ {
				col.Valid = append(col.Valid, arr.IsValid(i))
			}
		}
		switch a := arr.(type) {
		case *array.Int64:
			col.Ints = append(col.Ints, a.Int64Values()...)
		case *array.Int32:
			for _, v := range a.Int32Values() {
				col.Ints = append(col.Ints, int64(v))
			}
		case *array.Int16:
			for _, v := range a.Int16Values() {
				col.Ints = append(col.Ints, int64(v))
			}
		case *array.Int8:
			for _, v := range a.Int8Values() {
				col.Ints = append(col.Ints, int64(v))
			}
		case *array.Uint8:
			for _, v := range a.Uint8Values() {
				col.Ints = append(col.Ints, int64(v))
			}
		case *array.Uint16:
			for _, v := range a.Uint16Values() {
				col.Ints = append(col.Ints, int64(v))
			}
		case *array.Uint64:
			for _, v := range a.Uint64Values() {
				col.Ints = append(col.Ints, int64(v))
			}
		case *array.Uint32:
			for _, v := range a.Uint32Values() {
				col.Ints = append(col.Ints, int64(v))
			}
		case *array.Float64:
			col.Floats = append(col.Floats, a.Float64Values()...)
		case *array.Decimal128:
			scale := a.DataType().(*arrow.Decimal128Type).Scale
			for i := 0; i < n; i++ {
				col.Floats = append(col.Floats, a.Value(i).ToFloat64(scale))
			}
		case *array.Float32:
			for _, v := range a.Float32Values() {
				col.Floats = append(col.Floats, float64(v))
			}
		case *array.String:
			// Value aliases the record's buffer, which is freed with the
			// batch: copy.
			for i := 0; i < n; i++ {
				col.Strings = append(col.Strings, strings.Clone(a.Value(i)))
			}
		case *array.LargeString:
			for i := 0; i < n; i++ {
				col.Strings = append(col.Strings, strings.Clone(a.Value(i)))
			}
		case *array.Boolean:
			for i := 0; i < n; i++ {
				col.Bools = append(col.Bools, a.Value(i))
			}
		case *array.Date32:
			for _, v := range a.Date32Values() {
				col.Ints = append(col.Ints, int64(v))
			}
		case *array.Timestamp:
			unit := a.DataType().(*arrow.TimestampType).Unit
			for _, v := range a.TimestampValues() {
				col.Ints = append(col.Ints, toMicros(int64(v), unit))
			}
		default:
			return fmt.Errorf("engine: column %q: unexpected Arrow array %T", col.Name, arr)
		}
	}
	return nil
}

func toMicros(v int64, u arrow.TimeUnit) int64 {
	switch u {
	case arrow.Second:
		return v * 1e6
	case arrow.Millisecond:
		return v * 1e3
	case arrow.Nanosecond:
		return v / 1e3
	}
	return v
}

// CreateTable creates (or replaces) the temporary table name (it lives for
// the connection, in memory or spilled, never in the database file) from the
// columns of f. The frame is handed to DuckDB as Arrow record batches
// through a registered view that is copied into a real table at once. With
// go-duckdb 1.8 (DuckDB 1.1) that copy also avoided a view that broke under
// projections and filters; duckdb-go v2 scans such views correctly, and the
// copy stays because the view reads a one-shot stream: it can be scanned
// once, and the stages query these tables many times.
func (d *DB) CreateTable(ctx context.Context, name string, f *frame.Frame) error {
	schema, recs, err := toArrow(f)
	if err != nil {
		return err
	}
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	view := "crmbatch_arrow_" + name
	err = d.raw(func(c driver.Conn) error {
		ar, err := duckdb.NewArrowFromConn(c)
		if err != nil {
			return err
		}
		rdr, err := array.NewRecordReader(schema, recs)
		if err != nil {
			return err
		}
		defer rdr.Release()
		release, err := ar.RegisterView(rdr, view)
		if err != nil {
			return fmt.Errorf("engine: register Arrow view for %s: %w", name, err)
		}
		defer release()
		ex, ok := c.(driver.ExecerContext)
		if !ok {
			return fmt.Errorf("engine: driver connection cannot execute")
		}
		q := fmt.Sprintf("CREATE OR REPLACE TEMP TABLE %s AS SELECT * FROM %s", Ident(name), Ident(view))
		if _, err := ex.ExecContext(ctx, q, nil); err != nil {
			return &QueryError{SQL: q, Err: err}
		}
		q = "DROP VIEW IF EXISTS " + Ident(view)
		if _, err := ex.ExecContext(ctx, q, nil); err != nil {
			return &QueryError{SQL: q, Err: err}
		}
		return nil
	})
	return err
}

const batchRows = 1 << 17

func toArrow(f *frame.Frame) (*arrow.Schema, []arrow.Record, error) {
	fields := make([]arrow.Field, len(f.Cols))
	for i, c := range f.Cols {
		var t arrow.DataType
		switch c.Kind {
		case frame.Int64:
			t = arrow.PrimitiveTypes.Int64
		case frame.Float64:
			t = arrow.PrimitiveTypes.Float64
		case frame.String:
			t = arrow.BinaryTypes.String
		case frame.Bool:
			t = arrow.FixedWidthTypes.Boolean
		case frame.Date:
			t = arrow.FixedWidthTypes.Date32
		case frame.Timestamp:
			t = &arrow.TimestampType{Unit: arrow.Microsecond}
		default:
			return nil, nil, fmt.Errorf("engine: column %q has unknown kind %v", c.Name, c.Kind)
		}
		fields[i] = arrow.Field{Name: c.Name, Type: t, Nullable: true}
	}
	schema := arrow.NewSchema(fields, nil)
	mem := memory.DefaultAllocator
	n := f.Len()
	var recs []arrow.Record
	for lo := 0; lo < n || (n == 0 && lo == 0); lo += batchRows {
		hi := min(lo+batchRows, n)
		b := array.NewRecordBuilder(mem, schema)
		for j, c := range f.Cols {
			fillBuilder(b.Field(j), c, lo, hi)
		}
		recs = append(recs, b.NewRecord())
		b.Release()
		if n == 0 {
			break
		}
	}
	return schema, recs, nil
}

func fillBuilder(fb array.Builder, c *frame.Column, lo, hi int) {
	fb.Reserve(hi - lo)
	for i := lo; i < hi; i++ {
		if c.IsNull(i) {
			fb.AppendNull()
			continue
		}
		switch b := fb.(type) {
		case *array.Int64Builder:
			b.UnsafeAppend(c.Ints[i])
		case *array.Float64Builder:
			b.UnsafeAppend(c.Floats[i])
		case *array.StringBuilder:
			b.Append(c.Strings[i])
		case *array.BooleanBuilder:
			b.UnsafeAppend(c.Bools[i])
		case *array.Date32Builder:
			b.UnsafeAppend(arrow.Date32(c.Ints[i]))
		case *array.TimestampBuilder:
			b.UnsafeAppend(arrow.Timestamp(c.Ints[i]))
		}
	}
}
