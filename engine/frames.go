package engine

import (
	"context"
	"database/sql/driver"
	"fmt"
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
	err := d.arrowQuery(ctx, query, args, func(rdr array.RecordReader) (err error) {
		if out, err = framefromSchema(rdr.Schema()); err != nil {
			return err
		}
		for rdr.Next() {
			if err := appendRecord(out, rdr.RecordBatch()); err != nil {
				return err
			}
		}
		return rdr.Err()
	})
	return out, err
}

// arrowQuery runs a query and hands its result to fn as a stream of Arrow
// record batches, each valid until the next.
func (d *DB) arrowQuery(ctx context.Context, query string, args []any, fn func(array.RecordReader) error) error {
	return d.raw(func(c driver.Conn) error {
		ar, err := duckdb.NewArrowFromConn(c)
		if err != nil {
			return err
		}
		rdr, err := ar.QueryContext(ctx, query, args...)
		if err != nil {
			return &QueryError{SQL: query, Err: err}
		}
		defer rdr.Release()
		return fn(rdr)
	})
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
	if n == 0 {
		return nil // an empty batch may have no offsets buffer to slice
	}
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
			col.Strings = appendStrings(col.Strings, a.ValueBytes(), a.ValueOffsets())
		case *array.LargeString:
			col.Strings = appendStrings(col.Strings, a.ValueBytes(), a.ValueOffsets())
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

// appendStrings appends the n = len(offsets)-1 values of an Arrow string
// array. The values alias the record's buffer, which is freed with the
// batch, so the batch's bytes are copied once, into one Go string, and each
// value is a substring of it: one allocation per batch instead of one per
// value (at 1M customers, a million small objects per text column fewer
// for the garbage collector). A value keeps its batch's string alive.
func appendStrings[T int32 | int64](dst []string, data []byte, offsets []T) []string {
	all := string(data)
	beg := offsets[0]
	for i := 1; i < len(offsets); i++ {
		dst = append(dst, all[offsets[i-1]-beg:offsets[i]-beg])
	}
	return dst
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
	rdr, err := newFrameReader(f)
	if err != nil {
		return err
	}
	defer rdr.Release()
	view := "crmbatch_arrow_" + name
	err = d.raw(func(c driver.Conn) error {
		ar, err := duckdb.NewArrowFromConn(c)
		if err != nil {
			return err
		}
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

// frameReader hands a frame to DuckDB as Arrow record batches built one at
// a time, as DuckDB asks for them: an Arrow copy of one batch (131,072
// rows) exists at a time, never of the whole frame.
type frameReader struct {
	f      *frame.Frame
	schema *arrow.Schema
	lo     int
	cur    arrow.RecordBatch
	done   bool
}

func newFrameReader(f *frame.Frame) (*frameReader, error) {
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
			return nil, fmt.Errorf("engine: column %q has unknown kind %v", c.Name, c.Kind)
		}
		fields[i] = arrow.Field{Name: c.Name, Type: t, Nullable: true}
	}
	return &frameReader{f: f, schema: arrow.NewSchema(fields, nil)}, nil
}

func (r *frameReader) Retain()               {}
func (r *frameReader) Release()              { r.drop() }
func (r *frameReader) Schema() *arrow.Schema { return r.schema }
func (r *frameReader) Err() error            { return nil }

func (r *frameReader) RecordBatch() arrow.RecordBatch { return r.cur }

// Record is RecordBatch under its deprecated name, which the interface
// still requires.
func (r *frameReader) Record() arrow.RecordBatch { return r.cur }

func (r *frameReader) drop() {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
}

// Next builds the next batch. An empty frame yields one empty batch, so
// that DuckDB sees the schema.
func (r *frameReader) Next() bool {
	r.drop()
	if r.done {
		return false
	}
	n := r.f.Len()
	hi := min(r.lo+batchRows, n)
	b := array.NewRecordBuilder(memory.DefaultAllocator, r.schema)
	defer b.Release()
	for j, c := range r.f.Cols {
		fillBuilder(b.Field(j), c, r.lo, hi)
	}
	r.cur = b.NewRecordBatch()
	r.lo = hi
	r.done = hi >= n
	return true
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
