package guard

import (
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

func TestProductAndSumSaturate(t *testing.T) {
	if got := Product(1000000000, 10, 64, 64, 4); got != 163840000000000 {
		t.Errorf("Product = %d", got)
	}
	if got := Product(1<<40, 1<<40); got != math.MaxInt64 {
		t.Errorf("overflowing Product = %d, expected saturation", got)
	}
	if got := Product(5, 0); got != 0 {
		t.Errorf("Product with a zero = %d", got)
	}
	if got := Sum(math.MaxInt64-1, 5); got != math.MaxInt64 {
		t.Errorf("overflowing Sum = %d", got)
	}
}

func TestParseAndFormatBytes(t *testing.T) {
	for s, want := range map[string]int64{"8GiB": 8 << 30, "500MB": 500e6, "2g": 2 << 30, "1e9": 1e9, "": 0, "1.5 KiB": 1536} {
		got, err := ParseBytes("max-memory", s)
		if err != nil || got != want {
			t.Errorf("ParseBytes(%q) = %d, %v; expected %d", s, got, err, want)
		}
	}
	for _, s := range []string{"NaN", "-1G", "lots", "1e30", "0", "0GiB", "0.1"} {
		if _, err := ParseBytes("max-memory", s); err == nil || !strings.Contains(err.Error(), "--max-memory") {
			t.Errorf("ParseBytes(%q): %v, expected an error naming --max-memory", s, err)
		}
	}
	if got := FormatBytes(3 << 29); got != "1.5 GiB" {
		t.Errorf("FormatBytes = %q", got)
	}
}

func TestMemInfoAvailable(t *testing.T) {
	p := filepath.Join(t.TempDir(), "meminfo")
	os.WriteFile(p, []byte("MemTotal:       16000000 kB\nMemFree:  100 kB\nMemAvailable:    2048 kB\n"), 0o644)
	if got := memInfoAvailable(p); got != 2048*1024 {
		t.Errorf("MemAvailable = %d, expected %d", got, 2048*1024)
	}
}

func TestAvailableMemoryHonoursGOMEMLIMIT(t *testing.T) {
	old := debug.SetMemoryLimit(300 << 20)
	defer debug.SetMemoryLimit(old)
	got, src := AvailableMemory()
	if got > 300<<20 || got <= 0 {
		t.Errorf("AvailableMemory = %d (%s), expected at most the 300 MiB GOMEMLIMIT", got, src)
	}
	b := Budget{}
	if err := b.CheckMemory("forecast [1000000000, 10] float32", 40e9); err == nil || !strings.Contains(err.Error(), "--max-memory") {
		t.Errorf("40 GB under a 300 MiB limit: %v", err)
	}
	if err := (Budget{Memory: 50e9}).CheckMemory("x", 40e9); err != nil {
		t.Errorf("a raised budget refused: %v", err)
	}
}

func TestCheckDisk(t *testing.T) {
	dir := t.TempDir()
	free, err := FreeDisk(dir)
	if err != nil || free <= 0 {
		t.Fatalf("FreeDisk = %d, %v", free, err)
	}
	out := filepath.Join(dir, "x.npy")
	if err := (Budget{}).CheckDisk("frames", out, free+1<<40); err == nil || !strings.Contains(err.Error(), "x.npy") {
		t.Errorf("more than the free space: %v", err)
	}
	if err := (Budget{}).CheckDisk("frames", out, 1); err != nil {
		t.Error(err)
	}
	if err := (Budget{Disk: 10}).CheckDisk("frames", out, 11); err == nil || !strings.Contains(err.Error(), "--max-disk") {
		t.Errorf("over --max-disk: %v", err)
	}
}
