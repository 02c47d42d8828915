package pipelines

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// decoderFor returns the decoder of a normalised encoding name, nil for UTF-8.
func decoderFor(name string) (encoding.Encoding, error) {
	switch name {
	case "utf-8":
		return nil, nil
	case "windows-1257":
		return charmap.Windows1257, nil
	case "windows-1252":
		return charmap.Windows1252, nil
	case "iso-8859-1":
		return charmap.ISO8859_1, nil
	case "iso-8859-13":
		return charmap.ISO8859_13, nil
	case "iso-8859-15":
		return charmap.ISO8859_15, nil
	case "utf-16":
		return unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM), nil
	case "utf-16le":
		return unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), nil
	case "utf-16be":
		return unicode.UTF16(unicode.BigEndian, unicode.UseBOM), nil
	}
	return nil, fmt.Errorf("unsupported encoding %q", name)
}

// duckEncoding returns the name under which DuckDB's CSV reader reads the
// normalised encoding itself, or "" when it cannot (those files are
// transcoded in Go first). DuckDB 1.5 reads UTF-8, Latin-1 and UTF-16
// (little-endian, with or without a byte-order mark) natively.
func duckEncoding(name string) string {
	switch name {
	case "utf-8":
		return "utf-8"
	case "iso-8859-1":
		return "latin-1"
	case "utf-16", "utf-16le":
		return "utf-16"
	}
	return ""
}

// transcode writes a UTF-8 copy of src into dir and returns its path, for
// the encodings DuckDB cannot read (see duckEncoding): Windows-1257 and
// -1252, ISO-8859-13 and -15, big-endian UTF-16.
// Gzip input is decompressed on the way.
func transcode(src, dir string, enc encoding.Encoding) (string, error) {
	in, err := os.Open(src)
	if err != nil {
		return "", err
	}
	defer in.Close()
	var r io.Reader = bufio.NewReaderSize(in, 1<<20)
	if strings.HasSuffix(strings.ToLower(src), ".gz") {
		gz, err := gzip.NewReader(r)
		if err != nil {
			return "", fmt.Errorf("%s: %w", src, err)
		}
		defer gz.Close()
		r = gz
	}
	r = enc.NewDecoder().Reader(r)
	base := strings.TrimSuffix(filepath.Base(src), ".gz")
	out, err := os.CreateTemp(dir, "utf8-*-"+base)
	if err != nil {
		return "", err
	}
	w := bufio.NewWriterSize(out, 1<<20)
	if _, err := io.Copy(w, r); err != nil {
		out.Close()
		return "", fmt.Errorf("transcode %s: %w", src, err)
	}
	if err := w.Flush(); err != nil {
		out.Close()
		return "", err
	}
	return out.Name(), out.Close()
}
