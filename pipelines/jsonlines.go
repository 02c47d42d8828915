package pipelines

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/crmbatch/crmbatch/engine/frame"
)

// NDJSON lines. DuckDB's JSON reader stops at the first line that is not
// JSON, so crmbatch reads each NDJSON file once in Go first: a line that is
// not a JSON object is quarantined as malformed_line with its line number
// and text, and DuckDB reads a copy without it. The copy's rows map back to
// physical lines through the same tables as CSV (linemap.go): the bad
// lines are runs of rejected records, and blank lines are shifts.

// badJSONLine is one line of an NDJSON file that is not a JSON object.
type badJSONLine struct {
	rec    int64 // data record (non-blank line) number
	line   int64 // physical line
	reason string
	text   string
}

// scanJSONLines reads an NDJSON stream; when clean is not nil it receives
// the good lines. It returns the bad lines and where record numbers and
// physical lines part (blank lines).
func scanJSONLines(r io.Reader, clean io.Writer) ([]badJSONLine, []recordShift, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	var bad []badJSONLine
	var shifts []recordShift
	var phys, rec int64
	for {
		line, err := br.ReadBytes('\n')
		if len(line) == 0 && err == io.EOF {
			return bad, shifts, nil
		}
		if err != nil && err != io.EOF {
			return nil, nil, err
		}
		phys++
		body := bytes.TrimRight(line, "\r\n")
		if len(bytes.TrimSpace(body)) > 0 {
			rec++
			if n := len(shifts); n == 0 || shifts[n-1].Phys != phys-rec {
				shifts = append(shifts, recordShift{Rec: rec, Phys: phys - rec})
			}
			var obj map[string]json.RawMessage
			if jerr := json.Unmarshal(body, &obj); jerr != nil {
				text := string(body)
				if len(text) > maxRecordBytes {
					text = text[:maxRecordBytes] + " ...(truncated)"
				}
				bad = append(bad, badJSONLine{rec: rec, line: phys, reason: "not a JSON object: " + jerr.Error(), text: strings.ToValidUTF8(text, "\uFFFD")})
			} else if clean != nil {
				if _, err := clean.Write(append(body, '\n')); err != nil {
					return nil, nil, err
				}
			}
		}
		if err == io.EOF {
			return bad, shifts, nil
		}
	}
}

// prepareJSON scans the reader's NDJSON files, points readPath at a clean
// copy in workDir where a file has bad lines, and builds badrec_, bad_ and
// shift_<table> as lineMap does for CSV.
func (r *reader) prepareJSON(ctx context.Context, workDir string) error {
	t := r.table.Name
	var bpath, breason, btext []string
	var brec, bline []int64
	var shiftRows shiftTable
	for _, f := range r.files {
		dec, err := sourceDecoder(r.src.EncodingName(), f)
		if err != nil {
			return err
		}
		rd, closeFn, err := openText(f.readPath, dec)
		if err != nil {
			return err
		}
		var bad []badJSONLine
		var shifts []recordShift
		clean, err := writeWork(workDir, "clean-*-"+strings.TrimSuffix(filepath.Base(f.Path), ".gz"), func(w io.Writer) (err error) {
			bad, shifts, err = scanJSONLines(rd, w)
			return err
		})
		closeFn()
		if err != nil {
			return fmt.Errorf("sources.%s: reading %s: %w", t, f.Path, err)
		}
		if len(bad) > 0 {
			f.readPath = clean
		} else {
			os.Remove(clean)
		}
		for _, b := range bad {
			bpath, brec, bline, breason, btext = append(bpath, f.Path), append(brec, b.rec), append(bline, b.line), append(breason, b.reason), append(btext, b.text)
		}
		shiftRows.add(f.Path, shifts)
	}
	b := &frame.Frame{}
	b.Add(frame.NewString("file_path", bpath, nil))
	b.Add(frame.NewInt("rec", brec, nil))
	b.Add(frame.NewInt("line", bline, nil))
	b.Add(frame.NewString("reason", breason, nil))
	b.Add(frame.NewString("record", btext, nil))
	if err := r.db.CreateTable(ctx, "badjson_"+t, b); err != nil {
		return err
	}
	if err := shiftRows.create(ctx, r.db, "shift_"+t); err != nil {
		return err
	}
	return r.db.Exec(ctx, fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE badrec_%[1]s AS
SELECT file_path, CAST(NULL AS VARCHAR) AS column_name, 'malformed_line' AS rule, reason, record, rec, line, CAST(NULL AS VARCHAR) AS key FROM badjson_%[1]s;
DROP TABLE badjson_%[1]s;
`, t)+badRunsSQL(t))
}
