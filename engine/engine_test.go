package engine_test

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/engine/frame"
	"github.com/crmbatch/crmbatch/engine/parquet"
)

func open(t *testing.T) *engine.DB {
	t.Helper()
	db, err := engine.Open(context.Background(), engine.Options{MemoryLimit: "1GB", Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func sample() *frame.Frame {
	return &frame.Frame{Cols: []*frame.Column{
		frame.NewString("name", []string{"Žydrūnė Šimkutė", "আরিফ হোসেন", "عائشہ خان", ""}, []bool{true, true, true, false}),
		frame.NewInt("n", []int64{1, -2, 1 << 40, 0}, []bool{true, true, true, false}),
		frame.NewFloat("x", []float64{1.5, math.NaN(), math.Inf(1), -0.25}),
		frame.NewBool("ok", []bool{true, false, true, false}, nil),
		frame.NewDate("d", []int64{0, 19722, -1, 20000}, nil),
		{Name: "ts", Kind: frame.Timestamp, Ints: []int64{0, 1_700_000_000_123_456, 86_400_000_000, 1}},
	}}
}

// A frame goes into DuckDB through Arrow and comes back unchanged, with
// nulls, NaN/Inf as null, non-Latin text byte for byte, dates and
// microsecond timestamps. More than one Arrow batch (2,048 rows) is read.
func TestFrameRoundTrip(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	if err := db.CreateTable(ctx, "t", sample()); err != nil {
		t.Fatal(err)
	}
	f, err := db.QueryFrame(ctx, "SELECT * FROM t")
	if err != nil {
		t.Fatal(err)
	}
	checkSample(t, f)
	big, err := db.QueryFrame(ctx, "SELECT range AS i, CAST(range AS VARCHAR) AS s FROM range(5000)")
	if err != nil {
		t.Fatal(err)
	}
	if big.Len() != 5000 || big.Col("s").Strings[4999] != "4999" || big.Col("i").Ints[2048] != 2048 {
		t.Errorf("5000-row query came back with %d rows", big.Len())
	}
}

func checkSample(t *testing.T, f *frame.Frame) {
	t.Helper()
	want := sample()
	if f.Len() != 4 {
		t.Fatalf("%d rows, want 4", f.Len())
	}
	for i := 0; i < 3; i++ {
		if got := f.Col("name").Strings[i]; got != want.Cols[0].Strings[i] {
			t.Errorf("name %d = %q, want %q", i, got, want.Cols[0].Strings[i])
		}
	}
	if !f.Col("name").IsNull(3) || !f.Col("n").IsNull(3) || f.Col("n").Ints[2] != 1<<40 {
		t.Errorf("nulls or BIGINT lost: %v %v", f.Col("name").Valid, f.Col("n").Ints)
	}
	x := f.Col("x")
	if x.Floats[0] != 1.5 || !x.IsNull(1) || !x.IsNull(2) || x.Floats[3] != -0.25 {
		t.Errorf("x = %v (NaN and Inf must come back null)", x.Floats)
	}
	if d := f.Col("d").Ints; d[1] != 19722 || d[2] != -1 {
		t.Errorf("dates %v", d)
	}
	if ts := f.Col("ts"); ts.Kind != frame.Timestamp || ts.Ints[1] != 1_700_000_000_123_456 {
		t.Errorf("timestamps %v kind %v", ts.Ints, ts.Kind)
	}
	if ok := f.Col("ok").Bools; !ok[0] || ok[1] {
		t.Errorf("bools %v", ok)
	}
}

// The parquet-go writer follows the output convention: DuckDB reads the
// file back with the same values and the documented types (TIMESTAMP, not
// TIMESTAMP WITH TIME ZONE; DATE; VARCHAR; BIGINT; DOUBLE; BOOLEAN).
func TestParquetWriterConvention(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), "t.parquet")
	if err := parquet.Write(p, sample()); err != nil {
		t.Fatal(err)
	}
	f, err := db.QueryFrame(ctx, "SELECT * FROM read_parquet("+engine.Quote(p)+")")
	if err != nil {
		t.Fatal(err)
	}
	checkSample(t, f)
	types, err := db.QueryFrame(ctx, "SELECT column_type FROM (DESCRIBE SELECT * FROM read_parquet("+engine.Quote(p)+"))")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"VARCHAR", "BIGINT", "DOUBLE", "BOOLEAN", "DATE", "TIMESTAMP"}
	for i, w := range want {
		if got := types.Col("column_type").Strings[i]; got != w {
			t.Errorf("column %d is %s, want %s", i, got, w)
		}
	}
	codec, err := db.Strings(ctx, "SELECT DISTINCT compression FROM parquet_metadata("+engine.Quote(p)+")")
	if err != nil || len(codec) != 1 || codec[0] != "ZSTD" {
		t.Errorf("compression %v (%v), want ZSTD", codec, err)
	}
	enc, err := db.Strings(ctx, "SELECT encodings FROM parquet_metadata("+engine.Quote(p)+") WHERE path_in_schema = 'name'")
	if err != nil || len(enc) != 1 || !strings.Contains(enc[0], "DICTIONARY") {
		t.Errorf("string encodings %v (%v), want dictionary", enc, err)
	}
}
