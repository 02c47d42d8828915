package pipelines

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// Free space. DuckDB aborts the process (an InternalException, exit 134)
// when a write finds the disk full, leaving a half-written run behind; a
// run checks the disk before it writes the warehouse and before the stages
// write their outputs, and stops with exit 2 naming the folder and the
// bytes it needs. The estimates are generous on purpose: a run that stops
// early costs a rerun; one that fills the disk can cost the warehouse.

// minFree is what any write needs at least.
const minFree = 64 << 20

// checkSpace returns an InputError when the disk holding dir (or its
// nearest existing parent) has less than need bytes free for what.
func checkSpace(dir string, need int64, what string) error {
	need = max(need, minFree)
	for d := dir; ; d = filepath.Dir(d) {
		var st syscall.Statfs_t
		if err := syscall.Statfs(d, &st); err == nil {
			free := int64(st.Bavail) * int64(st.Bsize)
			if free < need {
				return &InputError{Err: fmt.Errorf("%s has %s bytes free, and %s needs about %s: free some space there (or point output/database at another disk) and run again; the last published run is untouched",
					d, Thousands(free), what, Thousands(need))}
			}
			return nil
		}
		if parent := filepath.Dir(d); parent == d {
			return nil // nothing to measure: let the write say
		}
	}
}

// loadNeed is the free space a load of files into the warehouse wants:
// their size (DuckDB's compressed columns take less, its write-ahead log
// and checkpoint more).
func loadNeed(files []*InputFile) int64 {
	var n int64
	for _, f := range files {
		n += f.Bytes
		if filepath.Ext(f.Path) == ".gz" {
			n += 4 * f.Bytes // decompressed, roughly
		}
	}
	return n
}

// PublishNeed is the free space a run's outputs want under root: twice
// what the latest published run takes (at least minFree).
func PublishNeed(root string) int64 {
	asOf, err := LatestAsOf(root)
	if err != nil {
		return minFree
	}
	var n int64
	entries, _ := os.ReadDir(root)
	for _, e := range entries {
		dir := PartitionDir(root, e.Name(), asOf)
		filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				if info, err := d.Info(); err == nil {
					n += info.Size()
				}
			}
			return nil
		})
	}
	return 2 * n
}

// CheckOutputSpace stops a run before its stages write their outputs
// when the output root's disk has too little room (see PublishNeed).
func CheckOutputSpace(root string) error {
	return checkSpace(root, PublishNeed(root), "this run's outputs")
}
