package guard

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestOpenFileRefusesWithoutBlocking(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.csv")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "a.txt")
	os.WriteFile(file, []byte("1,2\n"), 0o644)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for path, want := range map[string]string{fifo: "named pipe", dir: "folder", "/dev/zero": "character device", filepath.Join(dir, "absent"): "absent"} {
			if _, _, err := OpenFile(path, "a series file"); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("OpenFile(%s): %v, expected an error saying %q", path, err, want)
			}
		}
		f, n, err := OpenFile(file, "a series file")
		if err != nil || n != 4 {
			t.Errorf("OpenFile(regular): %d bytes, %v", n, err)
		} else {
			f.Close()
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("OpenFile blocked")
	}
}

func TestMemFollowsTheHardLimits(t *testing.T) {
	hard, _ := HardMemoryLimit()
	have, src := Budget{Memory: 1 << 62}.Mem()
	if have > hard || (hard < 1<<62 && !strings.Contains(src, "below --max-memory")) {
		t.Errorf("--max-memory 4 EiB gives %d (%s), above the hard limit %d", have, src, hard)
	}
	if have, src := (Budget{Memory: 1 << 20}).Mem(); have != 1<<20 && hard >= 1<<20 || src == "" {
		t.Errorf("--max-memory 1 MiB gives %d (%s)", have, src)
	}
	if avail, _ := AvailableMemory(); avail > hard {
		t.Errorf("AvailableMemory %d above the hard limit %d", avail, hard)
	}
}
