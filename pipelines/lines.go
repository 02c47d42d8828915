package pipelines

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"golang.org/x/text/encoding"
)

// Line numbers of CSV rows.
//
// DuckDB's CSV reader gives the rows it accepts in file order (their rowid)
// and, for the records it rejects, a "line" that counts the line breaks
// outside quoted fields: blank lines count, line breaks inside a quoted
// field do not. A user greps the file for its physical line, so crmbatch
// maps both to physical lines:
//
//   - In the ordinary file, every line holds one record: the physical line of
//     data record r (1-based, header excluded) is header + r. The checksum
//     pass counts the file's lines, and when they equal header + accepted +
//     rejected records there is nothing more to do.
//   - Otherwise (blank lines, line breaks inside quoted fields) the file is
//     indexed once more in Go (indexRecords) into the few places where that
//     rule shifts: a recordShift per change.

// recordShift says that from data record Rec on, DuckDB's line of a record
// is Rec + DuckLine and its physical line is Rec + Phys, until the next
// shift.
type recordShift struct {
	Rec      int64
	DuckLine int64
	Phys     int64
}

// openText opens a source file as DuckDB reads it: decompressed when its name
// ends in .gz, and decoded to UTF-8 when enc is not nil. close releases it.
func openText(path string, enc encoding.Encoding) (r io.Reader, close func() error, err error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	r = bufio.NewReaderSize(fh, 1<<20)
	closers := []func() error{fh.Close}
	if strings.HasSuffix(strings.ToLower(path), ".gz") {
		gz, err := gzip.NewReader(r)
		if err != nil {
			fh.Close()
			return nil, nil, fmt.Errorf("%s is not a readable gzip file: %w", path, err)
		}
		closers = append(closers, gz.Close)
		r = gz
	}
	if enc != nil {
		r = enc.NewDecoder().Reader(r)
	}
	return r, func() error {
		var first error
		for i := len(closers) - 1; i >= 0; i-- {
			if err := closers[i](); err != nil && first == nil {
				first = err
			}
		}
		return first
	}, nil
}

// lineCounter counts the lines of a stream written through it: the line
// breaks, plus one for a last line without a break.
type lineCounter struct {
	breaks int64
	last   byte
	any    bool
}

func (c *lineCounter) Write(p []byte) (int, error) {
	if len(p) > 0 {
		c.breaks += int64(bytes.Count(p, []byte{'\n'}))
		c.last, c.any = p[len(p)-1], true
	}
	return len(p), nil
}

func (c *lineCounter) lines() int64 {
	if c.any && c.last != '\n' {
		return c.breaks + 1
	}
	return c.breaks
}

// recordScanner splits a UTF-8 CSV stream into records the way DuckDB's
// reader does for well-formed files: a line break ends a record unless it
// is inside a quoted field (a quote character toggles the state; a doubled
// quote toggles it twice), and blank lines are not records.
type recordScanner struct {
	r     *bufio.Reader
	quote byte
	phys  int64 // physical lines consumed
	duck  int64 // line breaks outside quotes consumed
}

// next returns the next record's first physical line and DuckDB line, and
// its text (up to maxRecordBytes) when it starts at physical line want. ok
// is false at the end.
func (s *recordScanner) next(want int64) (phys, duck int64, text string, ok bool, err error) {
	var buf []byte
	inQuote, started, keep := false, false, false
	for {
		line, rerr := s.r.ReadSlice('\n')
		if rerr == bufio.ErrBufferFull {
			// A line longer than the buffer: take it in pieces.
			for _, c := range line {
				if c == s.quote {
					inQuote = !inQuote
				}
			}
			if !started {
				phys, duck, started = s.phys+1, s.duck+1, true
				keep = phys == want
			}
			if keep && len(buf) < maxRecordBytes {
				buf = append(buf, line...)
			}
			continue
		}
		if len(line) == 0 && rerr == io.EOF {
			if started {
				return phys, duck, recordText(buf), true, nil
			}
			return 0, 0, "", false, nil
		}
		if rerr != nil && rerr != io.EOF {
			return 0, 0, "", false, rerr
		}
		s.phys++
		if !inQuote {
			s.duck++
		}
		if !started {
			blank := len(bytes.TrimRight(line, "\r\n")) == 0
			if blank && rerr == nil {
				continue
			}
			if blank {
				return 0, 0, "", false, nil
			}
			phys, duck, started = s.phys, s.duck, true
			keep = phys == want
		}
		if q := bytes.Count(line, []byte{s.quote}); q%2 == 1 {
			inQuote = !inQuote
		}
		if keep && len(buf) < maxRecordBytes {
			buf = append(buf, line...)
		}
		if !inQuote || rerr == io.EOF {
			return phys, duck, recordText(buf), true, nil
		}
	}
}

// maxRecordBytes bounds the text kept of one record for the rejects output.
const maxRecordBytes = 64 << 10

func recordText(b []byte) string {
	s := strings.TrimRight(string(b), "\r\n")
	if len(b) >= maxRecordBytes {
		s += " ...(truncated)"
	}
	return s
}

// indexRecords reads a CSV stream and returns where its records' line
// numbers shift (see recordShift) and the number of data records. header is
// the number of header records (0 or 1).
func indexRecords(r io.Reader, quote byte, header int) ([]recordShift, int64, error) {
	s := &recordScanner{r: bufio.NewReaderSize(r, 1<<20), quote: quote}
	var shifts []recordShift
	var rec int64
	for {
		phys, duck, _, ok, err := s.next(-1)
		if err != nil {
			return nil, 0, err
		}
		if !ok {
			return shifts, rec, nil
		}
		if header > 0 {
			header--
			continue
		}
		rec++
		if n := len(shifts); n == 0 || shifts[n-1].DuckLine != duck-rec || shifts[n-1].Phys != phys-rec {
			shifts = append(shifts, recordShift{Rec: rec, DuckLine: duck - rec, Phys: phys - rec})
		}
	}
}

// recordsAt returns the text of the records that start at the given
// physical lines, as they stand in the file (decoded to UTF-8).
func recordsAt(r io.Reader, quote byte, lines []int64) (map[int64]string, error) {
	want := append([]int64(nil), lines...)
	sort.Slice(want, func(i, j int) bool { return want[i] < want[j] })
	out := make(map[int64]string, len(want))
	s := &recordScanner{r: bufio.NewReaderSize(r, 1<<20), quote: quote}
	for len(want) > 0 {
		phys, _, text, ok, err := s.next(want[0])
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		for len(want) > 0 && want[0] < phys {
			want = want[1:]
		}
		if len(want) > 0 && want[0] == phys {
			out[phys] = text
			want = want[1:]
		}
	}
	return out, nil
}
