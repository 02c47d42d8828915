package pipelines

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/crmbatch/crmbatch/engine/frame"
)

func stage(t *testing.T, p *Publisher, table, value string) {
	t.Helper()
	f := &frame.Frame{Cols: []*frame.Column{frame.NewString("v", []string{value}, nil)}}
	if err := p.WriteFrame(table, f); err != nil {
		t.Fatal(err)
	}
}

func partFile(root, table string) string {
	return filepath.Join(PartitionDir(root, table, "2024-01-31"), "part-0.parquet")
}

// A second publisher on the same root fails while the first holds the lock;
// a committed run replaces the same as-of date's partitions; a run that
// stops before committing leaves them as they were, and its staging is
// removed by the next run; a run that stopped after _COMMIT is completed by
// the next one.
func TestPublisherAtomicity(t *testing.T) {
	root := t.TempDir()
	asOf := time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC)
	p1, err := NewPublisher(root, asOf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewPublisher(root, asOf); !errors.As(err, new(*LockedError)) {
		t.Errorf("second publisher: %v, want a LockedError", err)
	}
	stage(t, p1, "customers", "first")
	if _, err := os.Stat(partFile(root, "customers")); !os.IsNotExist(err) {
		t.Errorf("staged output visible before commit")
	}
	if err := p1.Commit(&Manifest{}); err != nil {
		t.Fatal(err)
	}
	p1.Close()
	first, _ := os.ReadFile(partFile(root, "customers"))
	if _, err := os.Stat(filepath.Join(PartitionDir(root, "customers", "2024-01-31"), "_SUCCESS")); err != nil {
		t.Errorf("no _SUCCESS after commit: %v", err)
	}

	// Interrupted before commit: simulate by staging and abandoning the
	// staging folder without Close (as a killed process would).
	p2, err := NewPublisher(root, asOf)
	if err != nil {
		t.Fatal(err)
	}
	stage(t, p2, "customers", "half-written")
	abandoned := p2.staging
	p2.staging = ""
	p2.Close()
	if got, _ := os.ReadFile(partFile(root, "customers")); string(got) != string(first) {
		t.Errorf("an uncommitted run changed the published output")
	}
	p3, err := NewPublisher(root, asOf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(abandoned); !os.IsNotExist(err) {
		t.Errorf("the abandoned staging folder %s was not removed", abandoned)
	}
	// Interrupted after _COMMIT, before the renames.
	stage(t, p3, "customers", "second")
	stage(t, p3, "rejects", "second")
	if err := writeSynced(filepath.Join(p3.staging, "_COMMIT"), []byte("2024-01-31\n")); err != nil {
		t.Fatal(err)
	}
	p3.staging = ""
	p3.Close()
	p4, err := NewPublisher(root, asOf)
	if err != nil {
		t.Fatal(err)
	}
	defer p4.Close()
	second, _ := os.ReadFile(partFile(root, "customers"))
	if string(second) == string(first) {
		t.Errorf("a committed run was not completed by the next publisher")
	}
	if _, err := os.Stat(partFile(root, "rejects")); err != nil {
		t.Errorf("rejects of the committed run missing: %v", err)
	}
	if latest, err := LatestAsOf(root); err != nil || latest != "2024-01-31" {
		t.Errorf("LatestAsOf = %q, %v", latest, err)
	}
}
