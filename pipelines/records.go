package pipelines

import (
	"context"
	"fmt"
	"os"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/engine/frame"
	"github.com/crmbatch/crmbatch/pipelines/config"
)

// fillRecords gives the rejected rows of rej_<table> that have no record yet
// the text they have in their CSV file: from wh_records, where earlier runs
// kept what they read, else read back in Go (recordsAt) from the files that
// are still there unchanged in size, and kept in wh_records so that a file
// is read back once, not every night. Rows whose file is gone keep the
// values as read (the caller's fallback).
func fillRecords(ctx context.Context, db *engine.DB, table string, src *config.Source) error {
	if src == nil || src.FileFormat() != "csv" {
		return nil
	}
	if err := db.Exec(ctx, fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE rej_%[1]s AS
SELECT r.* REPLACE (coalesce(r.record, k.record) AS record) FROM rej_%[1]s r
LEFT JOIN (SELECT path, line, record FROM wh_records WHERE table_name = %[2]s) k ON k.path = r._file AND k.line = r.line`, table, engine.Quote(table))); err != nil {
		return err
	}
	want, err := db.QueryFrame(ctx, fmt.Sprintf(`SELECT r._file, r.line, f.bytes FROM rej_%s r JOIN wh_files f ON f.path = r._file AND f.table_name = %s
WHERE r.record IS NULL ORDER BY ALL`, table, engine.Quote(table)))
	if err != nil || want.Len() == 0 {
		return err
	}
	byFile := map[string][]int64{}
	size := map[string]int64{}
	var order []string
	for i := 0; i < want.Len(); i++ {
		p := want.Col("_file").Strings[i]
		if _, ok := byFile[p]; !ok {
			order = append(order, p)
			size[p] = want.Col("bytes").Ints[i]
		}
		byFile[p] = append(byFile[p], want.Col("line").Ints[i])
	}
	var files, texts []string
	var lines []int64
	for _, p := range order {
		if st, err := os.Stat(p); err != nil || st.Size() != size[p] {
			continue // gone or replaced since it was loaded
		}
		f := &InputFile{Path: p, readPath: p}
		dec, err := sourceDecoder(src.EncodingName(), f)
		if err != nil {
			return err
		}
		delim := byte(',')
		if h, err := readCSVHead(f, src, table); err == nil {
			delim = h.delim
		}
		aside, err := asideLines(ctx, db, table, p)
		if err != nil {
			return err
		}
		rd, closeFn, err := openText(p, dec)
		if err != nil {
			return err
		}
		got, err := recordsAt(rd, quoteByte(src.Quote), delim, byFile[p], aside)
		closeFn()
		if err != nil {
			return fmt.Errorf("sources.%s: reading back the rejected lines of %s: %w", table, p, err)
		}
		for l, text := range got {
			files, lines, texts = append(files, p), append(lines, l), append(texts, text)
		}
	}
	if len(files) == 0 {
		return nil
	}
	rec := &frame.Frame{}
	rec.Add(frame.NewString("path", files, nil))
	rec.Add(frame.NewInt("line", lines, nil))
	rec.Add(frame.NewString("record", texts, nil))
	if err := db.CreateTable(ctx, "recfill_"+table, rec); err != nil {
		return err
	}
	return db.Exec(ctx, fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE rej_%[1]s AS
SELECT r.* REPLACE (coalesce(r.record, c.record) AS record) FROM rej_%[1]s r LEFT JOIN recfill_%[1]s c ON c.path = r._file AND c.line = r.line;
INSERT INTO wh_records SELECT %[2]s, path, line, record FROM recfill_%[1]s;
DROP TABLE recfill_%[1]s`, table, engine.Quote(table)))
}

// asideLines returns the lines of a file that its last load set aside
// (repair.go): read back, they are blank lines, as DuckDB read them.
func asideLines(ctx context.Context, db *engine.DB, table, path string) (map[int64]bool, error) {
	f, err := db.QueryFrame(ctx, "SELECT line FROM wh_aside WHERE table_name = ? AND path = ?", table, path)
	if err != nil {
		return nil, err
	}
	out := map[int64]bool{}
	for _, l := range f.Col("line").Ints {
		out[l] = true
	}
	return out, nil
}
