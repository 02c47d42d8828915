package pipelines

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// A run that needs more room than the disk has stops with an InputError
// (exit 2) naming the folder and the bytes; a folder not made yet is
// measured on its nearest parent.
func TestCheckSpace(t *testing.T) {
	dir := t.TempDir()
	err := checkSpace(filepath.Join(dir, "not", "yet"), 1<<62, "the test")
	var ie *InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "the test needs about") {
		t.Errorf("error %v, want an InputError naming %s", err, dir)
	}
	if err := checkSpace(dir, 1, "a byte"); err != nil {
		t.Errorf("one byte: %v", err)
	}
}
