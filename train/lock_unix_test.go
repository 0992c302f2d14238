//go:build unix

package train

import (
	"context"
	"strings"
	"testing"
)

// While one run holds the directory, a second is refused; once released, the directory opens again.
func TestRunDirectoryIsLocked(t *testing.T) {
	dir := t.TempDir()
	unlock, err := lockRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Run(context.Background(), tinyJob(t, dir, tinyOptions(2)))
	if err == nil || !strings.Contains(err.Error(), "another process") {
		t.Fatalf("second trainer: %v", err)
	}
	unlock()
	if _, err := Run(context.Background(), tinyJob(t, dir, tinyOptions(2))); err != nil {
		t.Fatalf("after unlock: %v", err)
	}
}
