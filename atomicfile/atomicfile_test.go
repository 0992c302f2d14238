package atomicfile

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestCommitWritesAndAbortLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.bin")
	f, err := Create(p)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("hello")
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Fatalf("final file visible before Commit: %v", err)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(p)
	if string(got) != "hello" {
		t.Fatalf("got %q", got)
	}

	q := filepath.Join(dir, "b.bin")
	g, err := Create(q)
	if err != nil {
		t.Fatal(err)
	}
	g.WriteString("partial")
	g.Abort()
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("abort left files behind: %v", entries)
	}
}

// TestCreateRefusesSpecialFiles: renaming over a pipe (or a device such as /dev/null) would replace it.
func TestCreateRefusesSpecialFiles(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no named pipes here:", err)
	}
	if _, err := Create(fifo); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("output over a named pipe: %v", err)
	}
	if st, err := os.Lstat(fifo); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("the pipe was replaced: %v %v", st, err)
	}
}

func TestCreateRejectsMissingFolder(t *testing.T) {
	if _, err := Create(filepath.Join(t.TempDir(), "no", "such", "x.npy")); err == nil {
		t.Fatal("expected an error for a missing folder")
	}
}
