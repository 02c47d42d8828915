package pipelines

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/crmbatch/crmbatch/engine"
)

// Lines set aside. Two kinds of line make DuckDB's CSV reader lose the
// lines around them:
//
//   - a line longer than maxLineBytes: past its max_line_size DuckDB drops a
//     line without a reject record, and a line of megabytes is no CRM
//     record anyway;
//   - a stray quote: a field that opens a quote that its line does not
//     close makes the reader take every following line, up to the next
//     quote in the file, into that field, and reject them all as one
//     record (or, at the end of the file, lose them).
//
// Such a line is set aside: quarantined as one malformed_line with its
// physical line and its text (truncated at maxRecordBytes), and blanked in
// a UTF-8 copy of the file in the run's work folder, which DuckDB reads
// instead. A blank line is no record, so every other line is read as it
// stands and keeps its line number. The same copy serves a file whose line
// breaks are CRLF and LF both (files appended to one another), at which
// DuckDB's reader stops: in the copy every line break is LF (a CRLF inside
// a quoted value too).

// setAside is one physical line of a CSV file that is not read.
type setAside struct {
	Line   int64
	Reason string
	Text   string // as it stands in the file, filled in by writeCopy
}

// maxRepairRounds bounds the re-reads of a table whose files have stray
// quotes: each round sets aside every stray quote found, and a line set
// aside can reveal another only behind it.
const maxRepairRounds = 8

// setAsideLong sets aside the file's lines that are longer than
// maxLineBytes and reports whether it has any.
func (f *InputFile) setAsideLong() bool {
	for _, l := range f.long {
		f.set = append(f.set, setAside{Line: l.Line, Reason: fmt.Sprintf(
			"the line is %s bytes long, more than the %s bytes crmbatch reads on one line: it is set aside and the lines after it are read on their own (its record here is cut)",
			Thousands(l.Bytes), Thousands(maxLineBytes))})
	}
	return len(f.long) > 0
}

// writeCopy writes a UTF-8 copy of the file with its set-aside lines
// blanked, keeping their text, and points readPath at it.
func writeCopy(f *InputFile, enc, workDir string) error {
	sort.Slice(f.set, func(i, j int) bool { return f.set[i].Line < f.set[j].Line })
	dec, err := sourceDecoder(enc, &InputFile{Path: f.Path, readPath: f.base})
	if err != nil {
		return err
	}
	rd, closeFn, err := openText(f.base, dec)
	if err != nil {
		return err
	}
	defer closeFn()
	copy, err := writeWork(workDir, "lines-*-"+strings.TrimSuffix(filepath.Base(f.Path), ".gz"), func(w io.Writer) error {
		return blankLines(rd, w, f.set, f.mixed)
	})
	if err != nil {
		return fmt.Errorf("copying %s without its set-aside lines: %w", f.Path, err)
	}
	if f.readPath != f.base {
		os.Remove(f.readPath) // an earlier round's copy
	}
	f.readPath = copy
	return nil
}

// writeWork writes a new file in the work folder dir through fill, and
// returns its path; the file is removed when fill fails.
func writeWork(dir, pattern string, fill func(w io.Writer) error) (string, error) {
	out, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return "", err
	}
	w := bufio.NewWriterSize(out, 1<<20)
	err = fill(w)
	if err == nil {
		err = w.Flush()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(out.Name())
		return "", err
	}
	return out.Name(), nil
}

// blankLines copies r to w with the given lines (sorted) empty but for
// their line break, and fills in their text; with lf, every CRLF line
// break is written as LF.
func blankLines(r io.Reader, w io.Writer, set []setAside, lf bool) error {
	br := bufio.NewReaderSize(r, 1<<20)
	var line int64
	next := 0
	mid := false // inside a line longer than the buffer
	var text []byte
	for {
		piece, err := br.ReadSlice('\n')
		if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
			return err
		}
		if len(piece) == 0 && err == io.EOF {
			return nil
		}
		if !mid {
			line++
			text = text[:0]
		}
		mid = err == bufio.ErrBufferFull
		for next < len(set) && set[next].Line < line {
			next++
		}
		if next < len(set) && set[next].Line == line {
			if len(text) < maxRecordBytes {
				text = append(text, piece...)
			}
			if !mid {
				set[next].Text = recordText(text)
				end := piece[len(piece)-len(lineEnd(piece)):]
				if lf && len(end) == 2 {
					end = end[1:]
				}
				if _, werr := w.Write(end); werr != nil {
					return werr
				}
			}
		} else {
			if lf && bytes.HasSuffix(piece, []byte("\r\n")) {
				piece = append(piece[:len(piece)-2:len(piece)-2], '\n')
			}
			if _, werr := w.Write(piece); werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			return nil
		}
	}
}

// lineEnd returns the line break that ends b: "\r\n", "\n" or nothing.
func lineEnd(b []byte) []byte {
	switch {
	case bytes.HasSuffix(b, []byte("\r\n")):
		return []byte("\r\n")
	case bytes.HasSuffix(b, []byte("\n")):
		return []byte("\n")
	}
	return nil
}

// strays finds the records that DuckDB's last scans rejected while they
// span several lines with an error in their structure (not only a value
// that could not be read): the work of a stray quote. It sets aside the
// line where each starts and returns the files that have new lines set
// aside.
func (r *reader) strays(ctx context.Context) ([]*InputFile, error) {
	f, err := r.db.QueryFrame(ctx, fmt.Sprintf(`SELECT s.file_path, min(e.line_byte_position) - 1 AS pos,
	max(length(e.t) - length(replace(e.t, chr(10), ''))) AS breaks
FROM (SELECT *, trim(csv_line, chr(13) || chr(10)) AS t FROM csv_rejects WHERE scan_id > %d) e JOIN csv_scans s USING (scan_id, file_id)
GROUP BY s.file_path, e.line HAVING bool_or(contains(e.t, chr(10))) AND bool_or(CAST(e.error_type AS VARCHAR) <> 'CAST')
ORDER BY ALL`, r.scanFrom))
	if err != nil || f.Len() == 0 {
		return nil, err
	}
	byRead := map[string]*InputFile{}
	for _, file := range r.files {
		byRead[file.readPath] = file
	}
	offsets := map[*InputFile][]int64{}
	breaks := map[*InputFile]map[int64]int64{}
	var order []*InputFile
	for i := 0; i < f.Len(); i++ {
		file := byRead[f.Col("file_path").Strings[i]]
		if file == nil {
			return nil, fmt.Errorf("sources.%s: DuckDB rejected lines of %s, which is not one of the files read", r.table.Name, f.Col("file_path").Strings[i])
		}
		if offsets[file] == nil {
			order = append(order, file)
			breaks[file] = map[int64]int64{}
		}
		pos := f.Col("pos").Ints[i]
		offsets[file] = append(offsets[file], pos)
		breaks[file][pos] = f.Col("breaks").Ints[i]
	}
	var changed []*InputFile
	for _, file := range order {
		lines, err := r.linesAt(file, offsets[file])
		if err != nil {
			return nil, err
		}
		known := map[int64]bool{}
		for _, s := range file.set {
			known[s.Line] = true
		}
		added := false
		for _, pos := range offsets[file] {
			line := lines[pos]
			if line == 0 || known[line] {
				continue
			}
			known[line] = true
			file.set = append(file.set, setAside{Line: line, Reason: fmt.Sprintf(
				"a quote opens a field on this line and does not close on it: the reader took the next %d line(s) into that field; the line is set aside and the lines after it are read on their own (check its quotes)",
				breaks[file][pos])})
			added = true
		}
		if added {
			changed = append(changed, file)
		}
	}
	return changed, nil
}

// setAsideRows returns the lines set aside in the reader's files, for
// badrec_<table>.
func (r *reader) setAsideRows() (paths, reasons, texts []string, lines []int64) {
	for _, f := range r.files {
		for _, s := range f.set {
			paths, lines, reasons, texts = append(paths, f.Path), append(lines, s.Line), append(reasons, s.Reason), append(texts, s.Text)
		}
	}
	return
}

// scanMark returns the id of the last CSV scan of this connection: scans
// after it are the reader's (the reject tables accumulate across scans).
func scanMark(ctx context.Context, db *engine.DB) (int64, error) {
	ok, err := db.Int(ctx, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'csv_scans' AND temporary")
	if err != nil || ok == 0 {
		return -1, err
	}
	return db.Int(ctx, "SELECT coalesce(max(scan_id), -1) FROM csv_scans")
}

// setAsideBroken sets aside every line of every record with broken
// quoting (an error in its structure and a quote in its text) in files
// where DuckDB's reader and crmbatch's scanner split the records
// differently (see lines.go): what is left is read alike by both. It
// returns the files with new lines set aside.
func (r *reader) setAsideBroken(ctx context.Context, files []*InputFile) ([]*InputFile, error) {
	var changed []*InputFile
	for _, file := range files {
		f, err := r.db.QueryFrame(ctx, fmt.Sprintf(`SELECT min(e.line_byte_position) - 1 AS pos,
	max(length(e.t) - length(replace(e.t, chr(10), ''))) AS breaks
FROM (SELECT *, trim(csv_line, chr(13) || chr(10)) AS t FROM csv_rejects WHERE scan_id > %d) e JOIN csv_scans s USING (scan_id, file_id)
WHERE s.file_path = %s
GROUP BY e.line HAVING bool_or(CAST(e.error_type AS VARCHAR) <> 'CAST') AND bool_or(contains(e.t, %s))
ORDER BY 1`, r.scanFrom, engine.Quote(file.readPath), engine.Quote(string(quoteByte(r.src.Quote)))))
		if err != nil {
			return nil, err
		}
		pos := f.Col("pos").Ints
		lines, err := r.linesAt(file, pos)
		if err != nil {
			return nil, err
		}
		known := map[int64]bool{}
		for _, s := range file.set {
			known[s.Line] = true
		}
		added := false
		for i, p := range pos {
			first := lines[p]
			for l := first; l <= first+f.Col("breaks").Ints[i]; l++ {
				if l == 0 || known[l] {
					continue
				}
				known[l], added = true, true
				reason := "the quoting of this line is broken, and where its record ends is unclear: it is set aside, and the lines after it are read on their own (check its quotes)"
				if l > first {
					reason = fmt.Sprintf("set aside with line %d, whose broken quoting ran over it", first)
				}
				file.set = append(file.set, setAside{Line: l, Reason: reason})
			}
		}
		if added {
			changed = append(changed, file)
		}
	}
	return changed, nil
}

// linesAt returns the physical line of each byte offset in the file as
// DuckDB read it: the line of the first byte at or after the offset that
// is not a line break (DuckDB points at the line break before a record in
// files with CRLF line ends). It counts line breaks only, whatever the
// quoting.
func (r *reader) linesAt(f *InputFile, offsets []int64) (lines map[int64]int64, err error) {
	err = r.withText(f, func(rd io.Reader, skipped int64) (err error) {
		lines, err = linesAtOffsets(rd, skipped, offsets)
		return err
	})
	return lines, err
}

// linesAtOffsets is linesAt over a stream whose first byte is at offset
// start.
func linesAtOffsets(rd io.Reader, start int64, offsets []int64) (map[int64]int64, error) {
	want := append([]int64(nil), offsets...)
	sort.Slice(want, func(i, j int) bool { return want[i] < want[j] })
	out := map[int64]int64{}
	buf := make([]byte, 1<<20)
	off, line := start, int64(1)
	var pending []int64 // offsets waiting for a byte that is not a line break
	for len(want) > 0 || len(pending) > 0 {
		n, err := io.ReadFull(rd, buf)
		chunk, pos := buf[:n], 0
		for pos < len(chunk) {
			if len(pending) > 0 {
				k := bytes.IndexFunc(chunk[pos:], func(c rune) bool { return c != '\n' && c != '\r' })
				if k < 0 {
					k = len(chunk) - pos
				}
				line += int64(bytes.Count(chunk[pos:pos+k], []byte{'\n'}))
				if pos += k; pos == len(chunk) {
					break
				}
				for _, p := range pending {
					out[p] = line
				}
				pending = pending[:0]
			}
			if len(want) == 0 || want[0] >= off+int64(len(chunk)) {
				line += int64(bytes.Count(chunk[pos:], []byte{'\n'}))
				break
			}
			if target := int(want[0] - off); target > pos {
				line += int64(bytes.Count(chunk[pos:target], []byte{'\n'}))
				pos = target
			}
			pending, want = append(pending, want[0]), want[1:]
		}
		off += int64(n)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
