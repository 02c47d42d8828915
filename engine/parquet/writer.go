// Package parquet writes frames as Parquet files with xitongsys/parquet-go:
// crmbatch's one place for that dependency.
//
// Every file follows the output convention shared with the files DuckDB
// writes: ZSTD compression, dictionary-encoded strings, timestamps as INT64
// TIMESTAMP(MICROS) without a zone, dates as INT32 DATE, every column
// OPTIONAL, and no NaN or infinity (written as null).
package parquet

import (
	"fmt"
	"os"

	"github.com/xitongsys/parquet-go-source/local"
	"github.com/xitongsys/parquet-go/common"
	"github.com/xitongsys/parquet-go/layout"
	pq "github.com/xitongsys/parquet-go/parquet"
	"github.com/xitongsys/parquet-go/schema"
	"github.com/xitongsys/parquet-go/writer"

	"github.com/crmbatch/crmbatch/engine/frame"
)

// RowGroupBytes is the size (parquet-go's estimate of the buffered values)
// at which a row group is closed and written: the writer buffers one row
// group, boxed, so this bounds the memory a large output costs while it is
// written, whatever its number of rows.
const RowGroupBytes = 16 << 20

func tag(c *frame.Column) (string, error) {
	base := "name=" + c.Name + ", repetitiontype=OPTIONAL, "
	switch c.Kind {
	case frame.Int64:
		return base + "type=INT64", nil
	case frame.Float64:
		return base + "type=DOUBLE", nil
	case frame.String:
		return base + "type=BYTE_ARRAY, convertedtype=UTF8, encoding=PLAIN_DICTIONARY", nil
	case frame.Bool:
		return base + "type=BOOLEAN", nil
	case frame.Date:
		return base + "type=INT32, convertedtype=DATE", nil
	case frame.Timestamp:
		return base + "type=INT64, logicaltype=TIMESTAMP, logicaltype.isadjustedtoutc=false, logicaltype.unit=MICROS", nil
	}
	return "", fmt.Errorf("parquet: column %q has unknown kind %v", c.Name, c.Kind)
}

// Write writes f to the file at path, replacing it.
func Write(path string, f *frame.Frame) (err error) {
	if len(f.Cols) == 0 {
		return fmt.Errorf("parquet: %s: a frame without columns cannot be written", path)
	}
	md := make([]string, len(f.Cols))
	for i, c := range f.Cols {
		if md[i], err = tag(c); err != nil {
			return err
		}
	}
	fw, err := local.NewLocalFileWriter(path)
	if err != nil {
		return fmt.Errorf("parquet: %w", err)
	}
	defer func() {
		if cerr := fw.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("parquet: close %s: %w", path, cerr)
		}
		if err != nil {
			os.Remove(path)
		}
	}()
	pw, err := writer.NewCSVWriter(md, fw, 2)
	if err != nil {
		return fmt.Errorf("parquet: %s: %w", path, err)
	}
	pw.CompressionType = pq.CompressionCodec_ZSTD
	pw.RowGroupSize = RowGroupBytes
	// Rows go in as their index; marshalColumns reads the values straight
	// from the frame's slices instead of boxing every row.
	pw.MarshalFunc = marshalColumns(f)
	n := f.Len()
	for i := 0; i < n; i++ {
		if err := pw.Write(i); err != nil {
			return fmt.Errorf("parquet: %s: row %d: %w", path, i, err)
		}
	}
	if err := pw.WriteStop(); err != nil {
		return fmt.Errorf("parquet: %s: %w", path, err)
	}
	return nil
}

func marshalColumns(f *frame.Frame) func([]interface{}, *schema.SchemaHandler) (*map[string]*layout.Table, error) {
	return func(rows []interface{}, sh *schema.SchemaHandler) (*map[string]*layout.Table, error) {
		res := make(map[string]*layout.Table, len(f.Cols))
		for j, c := range f.Cols {
			path := sh.GetRootInName() + common.PAR_GO_PATH_DELIMITER + sh.Infos[j+1].InName
			t := layout.NewEmptyTable()
			t.Path = common.StrToPath(path)
			t.MaxDefinitionLevel = 1
			t.RepetitionType = pq.FieldRepetitionType_OPTIONAL
			t.Schema = sh.SchemaElements[sh.MapIndex[path]]
			t.Info = sh.Infos[j+1]
			t.Values = make([]interface{}, len(rows))
			t.RepetitionLevels = make([]int32, len(rows))
			t.DefinitionLevels = make([]int32, len(rows))
			for k, r := range rows {
				i := r.(int)
				if c.IsNull(i) {
					continue
				}
				t.DefinitionLevels[k] = 1
				switch c.Kind {
				case frame.Int64, frame.Timestamp:
					t.Values[k] = c.Ints[i]
				case frame.Date:
					t.Values[k] = int32(c.Ints[i])
				case frame.Float64:
					t.Values[k] = c.Floats[i]
				case frame.String:
					t.Values[k] = c.Strings[i]
				case frame.Bool:
					t.Values[k] = c.Bools[i]
				}
			}
			res[path] = t
		}
		return &res, nil
	}
}
