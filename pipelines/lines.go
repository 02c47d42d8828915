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
// and, for the records it rejects, a "line" and the byte where the record
// starts. A user greps the file for its physical line, so crmbatch maps
// both to physical lines:
//
//   - In the ordinary file, every line holds one record: the physical line of
//     data record r (1-based, header excluded) is header + r, and DuckDB's
//     line of a rejected record is its physical line. The checksum pass
//     counts the file's lines, and when they equal header + accepted +
//     rejected records there is nothing more to do.
//   - Otherwise (blank lines, line breaks inside quoted fields) the file is
//     indexed once more in Go (indexRecords) with the same rules as DuckDB's
//     reader (recordScanner) into the few places where the physical line of
//     a record shifts (a recordShift per change), the record that starts at
//     each rejected record's byte, and the number of records, which must
//     be the number DuckDB accounted for.

// recordShift says that from data record Rec on, a record's physical line
// is Rec + Phys, until the next shift.
type recordShift struct {
	Rec  int64
	Phys int64
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
// breaks, plus one for a last line without a break. It also notes the lines
// longer than maxLineBytes (see longLine).
type lineCounter struct {
	breaks int64
	crlf   int64 // line breaks that are CRLF
	last   byte
	any    bool
	run    int64 // bytes since the last line break
	long   []longLine
	digitU bool // a digit, an underscore and a digit (1_000) somewhere
}

// maxLineBytes is the longest physical line crmbatch reads: a longer one
// is quarantined as one malformed line (its record truncated), and the
// lines after it are read as usual. DuckDB's reader has a limit of its own
// (max_line_size, 2,000,000 bytes) past which it would drop a line without
// a reject record.
const maxLineBytes = 1 << 20

// longLine is a physical line longer than maxLineBytes.
type longLine struct {
	Line  int64
	Bytes int64
}

func (c *lineCounter) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	first := bytes.IndexByte(p, '\n')
	if first < 0 {
		c.run += int64(len(p))
	} else if len(p) <= maxLineBytes {
		// Lines wholly inside p are shorter than the limit: only the one
		// that p ends can be long.
		c.endLine(int64(first))
		c.breaks += int64(bytes.Count(p[first+1:], []byte{'\n'}))
		c.run = int64(len(p) - bytes.LastIndexByte(p, '\n') - 1)
	} else {
		for rest := p; ; {
			i := bytes.IndexByte(rest, '\n')
			if i < 0 {
				c.run += int64(len(rest))
				break
			}
			c.endLine(int64(i))
			rest = rest[i+1:]
		}
	}
	c.crlf += int64(bytes.Count(p, []byte("\r\n")))
	for i := 0; !c.digitU; {
		j := bytes.IndexByte(p[i:], '_')
		if j < 0 {
			break
		}
		i += j + 1
		c.digitU = i >= 2 && i < len(p) && isDigit(p[i-2]) && isDigit(p[i])
	}
	if c.last == '\r' && p[0] == '\n' {
		c.crlf++ // across two writes
	}
	c.last, c.any = p[len(p)-1], true
	return len(p), nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// mixedEnds reports whether some line breaks are CRLF and others LF: DuckDB's
// reader stops at the first line break of the other kind.
func (c *lineCounter) mixedEnds() bool {
	return c.crlf > 0 && c.crlf < c.breaks
}

// endLine ends the current line n bytes further on.
func (c *lineCounter) endLine(n int64) {
	c.breaks++
	if c.run+n > maxLineBytes {
		c.long = append(c.long, longLine{Line: c.breaks, Bytes: c.run + n})
	}
	c.run = 0
}

func (c *lineCounter) lines() int64 {
	if c.any && c.last != '\n' {
		return c.breaks + 1
	}
	return c.breaks
}

// longLines returns the lines longer than maxLineBytes, the last one
// (without a line break) included.
func (c *lineCounter) longLines() []longLine {
	if c.run > maxLineBytes {
		return append(c.long, longLine{Line: c.breaks + 1, Bytes: c.run})
	}
	return c.long
}

// recordScanner splits a UTF-8 CSV stream into records by the rules of
// DuckDB's reader (strict mode, the escape character being the quote):
//
//   - a quote opens a quoted field only at the start of a field (or after
//     one blank there); anywhere else it is a character of the value
//     (12" pizza);
//   - inside a quoted field a doubled quote is a quote, and a line break is
//     part of the value;
//   - after a closing quote (and blanks), a quote opens the field again;
//     anything but the delimiter or a line break makes the record bad, and
//     the reader carries on as in an unquoted field;
//   - a line break outside quotes ends the record, and blank lines are not
//     records.
//
// Only where records start and end matters here, not whether they are
// well-formed: DuckDB says which are not.
type recordScanner struct {
	r            *bufio.Reader
	quote, delim byte
	phys         int64          // physical lines started
	off          int64          // bytes consumed
	midLine      bool           // the last read stopped inside a line longer than the buffer
	aside        map[int64]bool // physical lines read as blank lines (repair.go)
}

// scanned is one record of a CSV stream.
type scanned struct {
	Line  int64 // its first physical line
	Start int64 // the byte offset where it starts
}

// Field states of the scanner.
const (
	atFieldStart = iota
	atFieldBlank // a blank at the start of a field
	inUnquoted
	inQuoted
	afterQuote      // a quote that may close the field, or start a doubled quote
	afterQuoteBlank // blanks after a closing quote
)

// step advances the field state over one piece of a line (without its
// line break).
func (s *recordScanner) step(st int, piece []byte) int {
	if len(piece) == 0 {
		return st
	}
	if st != inQuoted && bytes.IndexByte(piece, s.quote) < 0 {
		// Only a quote would make a difference: the state after the piece
		// matters for the next piece of a line longer than the buffer.
		if piece[len(piece)-1] == s.delim {
			return atFieldStart
		}
		return inUnquoted
	}
	for _, c := range piece {
		switch st {
		case atFieldStart, atFieldBlank:
			switch {
			case c == s.quote:
				st = inQuoted
			case c == s.delim:
				st = atFieldStart
			case c == ' ' && st == atFieldStart:
				st = atFieldBlank // one blank before an opening quote is skipped
			default:
				st = inUnquoted
			}
		case inUnquoted:
			if c == s.delim {
				st = atFieldStart
			}
		case inQuoted:
			if c == s.quote {
				st = afterQuote
			}
		case afterQuote, afterQuoteBlank:
			switch {
			case c == s.quote:
				st = inQuoted
			case c == s.delim:
				st = atFieldStart
			case c == ' ':
				st = afterQuoteBlank
			default:
				st = inUnquoted
			}
		}
	}
	return st
}

// next returns the next record, and its text (up to maxRecordBytes) when
// keep says so for its first line. ok is false at the end.
func (s *recordScanner) next(keep func(line int64) bool) (rec scanned, text string, ok bool, err error) {
	var buf []byte
	st, started, want := atFieldStart, false, false
	for {
		newLine := !s.midLine
		line, rerr := s.r.ReadSlice('\n')
		if rerr != nil && rerr != io.EOF && rerr != bufio.ErrBufferFull {
			return scanned{}, "", false, rerr
		}
		if len(line) == 0 && rerr == io.EOF {
			return rec, recordText(buf), started, nil
		}
		s.midLine = rerr == bufio.ErrBufferFull
		if newLine {
			s.phys++
		}
		at := s.off
		s.off += int64(len(line))
		if !started {
			if newLine && !s.midLine && (len(bytes.TrimRight(line, "\r\n")) == 0 || s.aside[s.phys]) {
				if rerr == io.EOF {
					return scanned{}, "", false, nil
				}
				continue // a blank line
			}
			rec, started = scanned{Line: s.phys, Start: at}, true
			want = keep != nil && keep(rec.Line)
		}
		if want && len(buf) < maxRecordBytes {
			buf = append(buf, line...)
		}
		body := line
		if rerr == nil {
			body = line[:len(line)-1]
		}
		st = s.step(st, body)
		if s.midLine {
			continue // the rest of a long line
		}
		if st != inQuoted || rerr == io.EOF {
			return rec, recordText(buf), true, nil
		}
	}
}

// maxRecordBytes bounds the text kept of one record for the rejects output.
const maxRecordBytes = 64 << 10

func recordText(b []byte) string {
	s := strings.TrimRight(string(b), "\r\n")
	if len(b) >= maxRecordBytes {
		s = strings.ToValidUTF8(s[:min(len(s), maxRecordBytes)], "") + " ...(truncated)"
	}
	return s
}

// recordIndex is what indexRecords finds in a CSV stream.
type recordIndex struct {
	shifts  []recordShift
	records int64 // data records (the header excluded)
	// at maps byte offsets to the data record (and its first physical
	// line) that starts there or first after it: where DuckDB says a
	// rejected record starts (it points at the line break before a record
	// in files with CRLF line ends).
	at map[int64]recordAt
}

// recordAt is a data record: its number (1-based) and first physical line.
type recordAt struct{ Rec, Line int64 }

// indexRecords reads a CSV stream and returns where its records' physical
// lines shift (see recordShift), the number of data records and the
// records at the given byte offsets. header is the number of header
// records (0 or 1); skipped is the number of bytes before r that the
// offsets count.
func indexRecords(r io.Reader, quote, delim byte, header int, offsets []int64, skipped int64) (*recordIndex, error) {
	want := append([]int64(nil), offsets...)
	sort.Slice(want, func(i, j int) bool { return want[i] < want[j] })
	s := &recordScanner{r: bufio.NewReaderSize(r, 1<<20), quote: quote, delim: delim, off: skipped}
	idx := &recordIndex{at: map[int64]recordAt{}}
	for {
		rec, _, ok, err := s.next(nil)
		if err != nil {
			return nil, err
		}
		if !ok {
			return idx, nil
		}
		if header > 0 {
			header--
			continue
		}
		idx.records++
		n := idx.records
		for len(want) > 0 && want[0] <= rec.Start {
			idx.at[want[0]] = recordAt{Rec: n, Line: rec.Line}
			want = want[1:]
		}
		if k := len(idx.shifts); k == 0 || idx.shifts[k-1].Phys != rec.Line-n {
			idx.shifts = append(idx.shifts, recordShift{Rec: n, Phys: rec.Line - n})
		}
	}
}

// recordsAt returns the text of the records that start at the given
// physical lines, as they stand in the file (decoded to UTF-8); the lines
// set aside when it was read are taken as blank lines.
func recordsAt(r io.Reader, quote, delim byte, lines []int64, aside map[int64]bool) (map[int64]string, error) {
	want := map[int64]bool{}
	for _, l := range lines {
		want[l] = true
	}
	out := make(map[int64]string, len(want))
	s := &recordScanner{r: bufio.NewReaderSize(r, 1<<20), quote: quote, delim: delim, aside: aside}
	for len(out) < len(want) {
		rec, text, ok, err := s.next(func(l int64) bool { return want[l] })
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		if want[rec.Line] {
			out[rec.Line] = text
		}
	}
	return out, nil
}
