package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// IntGroups runs a query of two integer columns (key, value) ordered by
// key, and returns each run of equal keys as one group: keys[g] and the
// values of its rows, groups[g]. The groups are sub-slices of one backing
// array, so a 20M-row result costs its values (4 bytes each) and a slice
// header per group: no map, no per-group allocation, and the rows stream
// through as Arrow batches without a copy of the whole result. Null rows
// are an error naming the column; a value outside the int32 range too.
func (d *DB) IntGroups(ctx context.Context, query string, args ...any) (keys []int64, groups [][]int32, err error) {
	defer trace(query, time.Now())
	var values []int32
	var ends []int
	err = d.arrowQuery(ctx, query, args, func(rdr array.RecordReader) error {
		if n := rdr.Schema().NumFields(); n != 2 {
			return fmt.Errorf("engine: IntGroups wants two columns (key, value), the query has %d", n)
		}
		for rdr.Next() {
			rec := rdr.RecordBatch()
			for j := 0; j < 2; j++ {
				if rec.Column(j).NullN() > 0 {
					return fmt.Errorf("engine: IntGroups: column %q has nulls; filter them out in the query", rec.ColumnName(j))
				}
			}
			k, ok := rec.Column(0).(*array.Int64)
			if !ok {
				return fmt.Errorf("engine: IntGroups: key column %q is %s, not BIGINT", rec.ColumnName(0), rec.Column(0).DataType())
			}
			start := len(values)
			if values, err = appendInt32(values, rec.Column(1)); err != nil {
				return fmt.Errorf("engine: IntGroups: column %q: %w", rec.ColumnName(1), err)
			}
			for i, key := range k.Int64Values() {
				if len(keys) > 0 && key == keys[len(keys)-1] {
					ends[len(ends)-1] = start + i + 1
					continue
				}
				keys, ends = append(keys, key), append(ends, start+i+1)
			}
		}
		return rdr.Err()
	})
	if err != nil {
		return nil, nil, err
	}
	groups = make([][]int32, len(ends))
	lo := 0
	for g, hi := range ends {
		groups[g] = values[lo:hi:hi]
		lo = hi
	}
	return keys, groups, nil
}

func appendInt32(dst []int32, a arrow.Array) ([]int32, error) {
	switch v := a.(type) {
	case *array.Int32:
		return append(dst, v.Int32Values()...), nil
	case *array.Int64:
		for _, x := range v.Int64Values() {
			if x != int64(int32(x)) {
				return dst, fmt.Errorf("value %d does not fit in 32 bits", x)
			}
			dst = append(dst, int32(x))
		}
		return dst, nil
	}
	return dst, fmt.Errorf("%s, not INTEGER or BIGINT", a.DataType())
}
