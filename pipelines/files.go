package pipelines

import (
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/crmbatch/crmbatch/pipelines/config"
)

// InputFile is one source file as the manifest records it.
type InputFile struct {
	Path     string `json:"path"`
	Bytes    int64  `json:"bytes"`
	SHA256   string `json:"sha256"`
	Read     int64  `json:"rows_read"`
	Accepted int64  `json:"rows_accepted"`
	Rejected int64  `json:"rows_rejected"`
	Filtered int64  `json:"rows_filtered,omitempty"`
	// Loaded says the file was new or changed and read by this run; files
	// loaded before are reused from the warehouse.
	Loaded bool `json:"loaded_this_run"`
	// Retained marks a file no longer listed in the configuration whose
	// rows the warehouse keeps.
	Retained bool `json:"retained,omitempty"`

	readPath string     // what DuckDB reads: Path, its UTF-8 transcoding, or a copy with quarantined lines blanked (repair.go)
	lines    int64      // lines of the (decompressed) file, from the checksum pass
	long     []longLine // its lines longer than maxLineBytes, from the checksum pass
	mixed    bool       // its line breaks are CRLF and LF both, from the checksum pass
	digitU   bool       // it has a digit, an underscore and a digit (1_000), from the checksum pass
	head     *csvHead   // a CSV file's delimiter and column names
	base     string     // what DuckDB reads before any line is blanked: Path or its transcoding
	set      []setAside // lines blanked in the copy at readPath, by line
}

// expandFiles resolves a source's paths and globs into files, in order.
func expandFiles(cfg *config.Config, table string, src *config.Source) ([]*InputFile, error) {
	var out []*InputFile
	seen := map[string]bool{}
	for _, pat := range src.Files {
		p, err := filepath.Abs(cfg.Resolve(pat))
		if err != nil {
			return nil, err
		}
		matches, err := filepath.Glob(p)
		if err != nil {
			return nil, fmt.Errorf("sources.%s.files: bad pattern %q: %w", table, pat, err)
		}
		if len(matches) == 0 {
			return nil, fmt.Errorf("sources.%s.files: no file matches %q (looked for %s); check the path, which is relative to the config file", table, pat, p)
		}
		sort.Strings(matches)
		for _, m := range matches {
			if seen[m] {
				continue
			}
			seen[m] = true
			st, err := os.Stat(m)
			if err != nil {
				return nil, fmt.Errorf("sources.%s.files: %w", table, err)
			}
			if st.IsDir() {
				return nil, fmt.Errorf("sources.%s.files: %s is a folder; name the files or a glob such as %s", table, m, filepath.Join(m, "*.csv"))
			}
			out = append(out, &InputFile{Path: m, Bytes: st.Size(), readPath: m})
		}
	}
	return out, nil
}

// checksum fills in the SHA-256 of every file and counts its lines (see
// lines.go). A .gz file is decompressed on the way: a truncated or corrupt
// one stops the run here, since DuckDB would read its readable part without
// a word.
func checksum(files []*InputFile) error {
	for _, f := range files {
		if err := checksumFile(f); err != nil {
			return err
		}
	}
	return nil
}

func checksumFile(f *InputFile) error {
	h := sha256.New()
	fh, err := os.Open(f.Path)
	if err != nil {
		return err
	}
	defer fh.Close()
	lc := &lineCounter{}
	if strings.HasSuffix(strings.ToLower(f.Path), ".gz") {
		raw := io.TeeReader(bufio.NewReaderSize(fh, 1<<20), h)
		gz, err := gzip.NewReader(raw)
		if err == nil {
			_, err = io.Copy(lc, gz)
		}
		if err != nil {
			return &CorruptFileError{Path: f.Path, Err: err}
		}
		if _, err := io.Copy(io.Discard, raw); err != nil {
			return fmt.Errorf("checksum %s: %w", f.Path, err)
		}
	} else if _, err := io.Copy(io.MultiWriter(h, lc), fh); err != nil {
		return fmt.Errorf("checksum %s: %w", f.Path, err)
	}
	f.SHA256 = hex.EncodeToString(h.Sum(nil))
	f.lines, f.long, f.mixed, f.digitU = lc.lines(), lc.longLines(), lc.mixedEnds(), lc.digitU
	return nil
}

// CorruptFileError is a compressed input that cannot be read to its end.
// It stops the run: a cut-off file is not a bad row, and loading its
// readable part would lose the rest without a trace.
type CorruptFileError struct {
	Path string
	Err  error
}

func (e *CorruptFileError) Error() string {
	return fmt.Sprintf("%s cannot be read to its end (%v): the file is truncated or corrupt; copy it again from its source", e.Path, e.Err)
}

func (e *CorruptFileError) Unwrap() error { return e.Err }
