package pipelines

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/crmbatch/crmbatch/pipelines/config"
)

// The dialect of a CSV file is decided here, in Go, from its first record,
// and handed to DuckDB's reader in full (auto_detect=false): DuckDB's
// sniffer guesses from a sample, and one stray quote or one very long line
// in the sample made it choose no quoting (splitting quoted fields with a
// comma in them) or another delimiter, or fail.

// csvHead is what the first record of a CSV file says.
type csvHead struct {
	names []string // column names (column0, column1, ... without a header)
	delim byte
}

// errEmptyFile marks a file with no bytes, or only blank lines.
var errEmptyFile = errors.New("the file is empty")

// EmptyFileError is a source file with nothing in it.
type EmptyFileError struct {
	Table, Path string
}

func (e *EmptyFileError) Error() string {
	return fmt.Sprintf("sources.%s: %s is empty (0 rows)", e.Table, e.Path)
}

// delimiterCandidates are tried, in this order of preference, when no
// delimiter is configured: the one the header holds most often wins.
var delimiterCandidates = []byte{',', ';', '\t', '|'}

// readCSVHead reads the first record of a CSV file as DuckDB will read it
// (decompressed and decoded) and works out its delimiter and column names.
func readCSVHead(f *InputFile, src *config.Source, table string) (*csvHead, error) {
	dec, err := sourceDecoder(src.EncodingName(), f)
	if err != nil {
		return nil, err
	}
	rd, closeFn, err := openText(f.readPath, dec)
	if err != nil {
		return nil, fmt.Errorf("sources.%s: %w", table, err)
	}
	defer closeFn()
	quote := quoteByte(src.Quote)
	first, err := firstRecord(bufio.NewReaderSize(rd, 1<<16), quote)
	if errors.Is(err, errEmptyFile) {
		return nil, &EmptyFileError{Table: table, Path: f.Path}
	}
	if err != nil {
		return nil, fmt.Errorf("sources.%s: reading the first line of %s: %w", table, f.Path, err)
	}
	first = bytes.TrimPrefix(first, []byte("\xef\xbb\xbf"))
	if bytes.IndexByte(first, 0) >= 0 {
		return nil, fmt.Errorf("sources.%s: the first line of %s holds NUL bytes: the file looks like UTF-16 (%q without them); set sources.%s.encoding: utf-16le (or utf-16be; utf-16 when it starts with a byte-order mark)",
			table, f.Path, printable(bytes.ReplaceAll(first, []byte{0}, nil)), table)
	}
	if src.EncodingName() == "utf-8" && f.readPath == f.Path && !utf8.Valid(first) {
		return nil, fmt.Errorf("sources.%s: the first line of %s is not UTF-8 (%q); set sources.%s.encoding to the file's encoding, e.g. windows-1252 (Western Europe), windows-1257 (Baltic) or iso-8859-1",
			table, f.Path, printable(first), table)
	}
	h := &csvHead{delim: detectDelimiter(first, src.Delimiter, quote)}
	fields := splitRecord(first, h.delim, quote)
	if !src.HasHeader() {
		for i := range fields {
			h.names = append(h.names, generatedName(i, len(fields)))
		}
		return h, nil
	}
	seen := map[string]int{}
	for i, name := range fields {
		if name == "" {
			name = generatedName(i, len(fields))
		}
		k := strings.ToLower(name)
		if j, ok := seen[k]; ok {
			return nil, &DuplicateColumnError{Table: table, Path: f.Path, Name: name, First: j + 1, Second: i + 1}
		}
		seen[k] = i
		h.names = append(h.names, name)
	}
	return h, nil
}

// DuplicateColumnError is a header that names one column twice: which one
// a mapping means cannot be known.
type DuplicateColumnError struct {
	Table, Path, Name string
	First, Second     int // 1-based positions in the header
}

func (e *DuplicateColumnError) Error() string {
	return fmt.Sprintf("sources.%s: the header of %s names column %q twice (columns %d and %d); rename one of them in the export (crmbatch cannot tell which one is meant)",
		e.Table, e.Path, e.Name, e.First, e.Second)
}

// firstRecord returns the first record that is not a blank line, without
// its line break; quoted line breaks are part of it. It stops with an
// error past maxLineBytes.
func firstRecord(r *bufio.Reader, quote byte) ([]byte, error) {
	var rec []byte
	quotes := 0
	for {
		line, err := r.ReadSlice('\n')
		if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
			return nil, err
		}
		if len(rec) == 0 && err == nil && len(bytes.TrimRight(line, "\r\n")) == 0 {
			continue // a blank line
		}
		rec = append(rec, line...)
		quotes += bytes.Count(line, []byte{quote})
		if len(rec) > maxLineBytes {
			return nil, fmt.Errorf("it is longer than %d bytes without a line break: is this a CSV file (check format, delimiter and quote)?", maxLineBytes)
		}
		if err == io.EOF || (err == nil && quotes%2 == 0) {
			break
		}
	}
	rec = bytes.TrimRight(rec, "\r\n")
	if len(bytes.TrimSpace(rec)) == 0 {
		return nil, errEmptyFile
	}
	return rec, nil
}

// detectDelimiter returns the configured delimiter, else the candidate the
// header holds most often outside quotes (',' when it holds none).
func detectDelimiter(header []byte, configured string, quote byte) byte {
	if configured != "" {
		return configured[0]
	}
	counts := map[byte]int{}
	in := false
	for _, c := range header {
		if c == quote {
			in = !in
		} else if !in {
			counts[c]++
		}
	}
	best := delimiterCandidates[0]
	for _, c := range delimiterCandidates {
		if counts[c] > counts[best] {
			best = c
		}
	}
	return best
}

// splitRecord splits one CSV record into its fields: a field that starts
// with the quote runs to the closing quote, and a doubled quote inside it
// is one quote.
func splitRecord(rec []byte, delim, quote byte) []string {
	var fields []string
	var cur []byte
	st := atFieldStart
	for _, c := range rec {
		switch {
		case st == atFieldStart && c == quote:
			st = inQuoted
		case st == inQuoted && c == quote:
			st = afterQuote
		case st == afterQuote && c == quote:
			cur, st = append(cur, quote), inQuoted
		case st != inQuoted && c == delim:
			fields, cur, st = append(fields, string(cur)), cur[:0:0], atFieldStart
		case st == afterQuote:
			// Text after a closing quote: DuckDB rejects such a header;
			// keep it, a mapping will not find the name.
			cur, st = append(cur, c), inUnquoted
		default:
			cur = append(cur, c)
			if st == atFieldStart {
				st = inUnquoted
			}
		}
	}
	return append(fields, string(cur))
}

// generatedName is DuckDB's name for the i-th of n columns without a
// header name: column0, column1, ... (column00, ... from 11 columns on).
func generatedName(i, n int) string {
	width := len(fmt.Sprint(n - 1))
	return fmt.Sprintf("column%0*d", width, i)
}

// printable shortens a header for a message.
func printable(b []byte) string {
	if len(b) > 60 {
		b = b[:60]
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}
