package pipelines

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crmbatch/crmbatch/engine"
)

// The record scanner against DuckDB's reader itself: random small CSV
// files made of the characters that decide where records end (quotes,
// delimiters, line breaks, CRLF, blanks). For each, the records DuckDB
// accounts for (rows read plus records rejected) must be the records the
// scanner counts, and every rejected record's byte must fall on a record
// the scanner found. Where they part (text after a closing quote followed
// by more quotes: 1 file in 2,000 here), the ingest sets every line of the
// broken records aside (setAsideBroken; TestHostileCSVKeepsEveryLine):
// the test allows 1 in 500.
func TestRecordScannerMatchesDuckDB(t *testing.T) {
	ctx := context.Background()
	db, err := engine.Open(ctx, engine.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(7, 13))
	pieces := []string{"a", "b", ",", ",", "\"", "\"", "\n", "\n", " ", "x,y", "\"q\"", "\"\""}
	n, parted := 1000, 0
	if testing.Short() {
		n = 300
	}
	for i := 0; i < n; i++ {
		var b strings.Builder
		b.WriteString("h1,h2,h3\n")
		for j := 0; j < 4+rng.IntN(40); j++ {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		if rng.IntN(2) == 0 {
			b.WriteString("\n")
		}
		text := b.String()
		if i%2 == 1 {
			text = strings.ReplaceAll(text, "\n", "\r\n")
		}
		path := filepath.Join(dir, fmt.Sprintf("f%d.csv", i))
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		from, err := scanMark(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		q := fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE x AS SELECT * FROM read_csv(%s, auto_detect=false, header=true, delim=',', quote='"', escape='"',
			columns={'h1': 'VARCHAR', 'h2': 'VARCHAR', 'h3': 'VARCHAR'}, store_rejects=true, rejects_table='csv_rejects', rejects_scan='csv_scans')`, engine.Quote(path))
		if err := db.Exec(ctx, q); err != nil {
			t.Logf("file %d %q: DuckDB cannot read it (%.80s)", i, text, err)
			continue
		}
		rows, err := db.Int(ctx, "SELECT count(*) FROM x")
		if err != nil {
			t.Fatal(err)
		}
		f, err := db.QueryFrame(ctx, fmt.Sprintf("SELECT min(line_byte_position) - 1 AS pos FROM csv_rejects WHERE scan_id > %d GROUP BY line ORDER BY 1", from))
		if err != nil {
			t.Fatal(err)
		}
		pos := f.Col("pos").Ints
		idx, err := indexRecords(strings.NewReader(text), '"', ',', 1, pos, 0)
		if err != nil {
			t.Fatal(err)
		}
		if idx.records != rows+int64(len(pos)) {
			t.Logf("file %d %q: DuckDB read %d and rejected %d records, the scanner counts %d", i, text, rows, len(pos), idx.records)
			if parted++; parted > n/500 {
				t.Errorf("the scanner and DuckDB part on %d files of %d", parted, i+1)
			}
			continue
		}
		for _, p := range pos {
			if _, ok := idx.at[p]; !ok {
				t.Errorf("file %d %q: DuckDB rejected a record at byte %d, where the scanner has none", i, text, p)
			}
		}
	}
}
