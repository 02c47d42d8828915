package ops

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

// ErrLocked means a run (or another command) holds the output root's lock.
var ErrLocked = errors.New("ops: the output root is locked by another crmbatch run")

// Lock takes the output root's lock, the same <root>/_lock that a run holds
// while it publishes, and returns the function that releases it. It fails
// at once, wrapping ErrLocked, when someone else holds it.
func Lock(root string) (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(root, "_lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("%w: %s holds %s; wait for it to finish", ErrLocked, root, filepath.Join(root, "_lock"))
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// PublishedRuns returns the as-of dates of the published runs under root
// (those with runs/as_of=<date>/_SUCCESS), oldest first.
func PublishedRuns(root string) []string {
	entries, _ := os.ReadDir(filepath.Join(root, RunsTable))
	var out []string
	for _, e := range entries {
		d, ok := strings.CutPrefix(e.Name(), "as_of=")
		if !ok {
			continue
		}
		if _, err := os.Stat(filepath.Join(root, RunsTable, e.Name(), "_SUCCESS")); err == nil {
			out = append(out, d)
		}
	}
	sort.Strings(out)
	return out
}

// Prune deletes, in every table folder under root, the as-of partitions
// older than the keep most recent published runs, sparing the run pinned in
// <root>/_published. keep <= 0 keeps everything. The caller holds the lock.
// Prune returns the as-of dates it removed.
func Prune(root string, keep int) ([]string, error) {
	runs := PublishedRuns(root)
	if keep <= 0 || len(runs) <= keep {
		return nil, nil
	}
	oldest := runs[len(runs)-keep]
	pinned, _ := Pointer(root)
	tables, err := os.ReadDir(root)
	if err != nil {
		return nil, err
	}
	removed := map[string]bool{}
	// The runs table goes last: a prune cut short leaves the run listed.
	sort.SliceStable(tables, func(i, j int) bool { return tables[i].Name() != RunsTable && tables[j].Name() == RunsTable })
	for _, t := range tables {
		if !t.IsDir() || strings.HasPrefix(t.Name(), "_") || strings.HasPrefix(t.Name(), ".") {
			continue
		}
		parts, err := os.ReadDir(filepath.Join(root, t.Name()))
		if err != nil {
			return nil, err
		}
		for _, p := range parts {
			d, ok := strings.CutPrefix(p.Name(), "as_of=")
			if !ok || !p.IsDir() || d >= oldest || d == pinned {
				continue
			}
			if err := os.RemoveAll(filepath.Join(root, t.Name(), p.Name())); err != nil {
				return nil, fmt.Errorf("retention: %w", err)
			}
			removed[d] = true
		}
	}
	out := make([]string, 0, len(removed))
	for d := range removed {
		out = append(out, d)
	}
	sort.Strings(out)
	return out, nil
}

// pointerFile names the run BI tools see: an as-of date, or "latest".
const pointerFile = "_published"

// Latest is the pointer value that makes the catalog follow the newest run.
const Latest = "latest"

// Pointer returns the as-of date pinned in <root>/_published, or "" when
// the catalog follows the latest run (no pointer, or "latest").
func Pointer(root string) (string, error) {
	b, err := os.ReadFile(filepath.Join(root, pointerFile))
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	v := strings.TrimSpace(string(b))
	if v == Latest {
		return "", nil
	}
	if _, err := time.Parse(time.DateOnly, v); err != nil {
		return "", fmt.Errorf("%s: %q is neither an as-of date nor %q; run crmbatch publish -latest", filepath.Join(root, pointerFile), v, Latest)
	}
	return v, nil
}

// SetPointer atomically records which run BI tools see: an as-of date of a
// published run, or Latest. The caller holds the lock.
func SetPointer(root, asOf string) error {
	if asOf != Latest {
		found := false
		for _, d := range PublishedRuns(root) {
			found = found || d == asOf
		}
		if !found {
			return fmt.Errorf("no published run as of %s under %s; crmbatch runs lists them", asOf, root)
		}
	}
	tmp := filepath.Join(root, pointerFile+".tmp")
	if err := writeSynced(tmp, []byte(asOf+"\n")); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(root, pointerFile))
}

// Shown returns the as-of date BI tools see: the pinned run, else the
// latest published one; "" when nothing is published.
func Shown(root string) (string, error) {
	pinned, err := Pointer(root)
	if err != nil || pinned != "" {
		return pinned, err
	}
	runs := PublishedRuns(root)
	if len(runs) == 0 {
		return "", nil
	}
	return runs[len(runs)-1], nil
}

func writeSynced(path string, b []byte) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
