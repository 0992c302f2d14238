package guard

import (
	"bufio"
	"fmt"
	"math"
	"math/bits"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
)

// Budget is what a run may use: bytes of memory and bytes of disk for its outputs. Zero means "what the
// machine has": Memory from AvailableMemory, Disk from FreeDisk of the output's folder.
type Budget struct {
	Memory int64
	Disk   int64
}

// Product multiplies sizes without overflowing: it saturates at math.MaxInt64, so that an estimate made
// from absurd flags stays absurd instead of wrapping to a small or negative number.
func Product(factors ...int64) int64 {
	p := uint64(1)
	for _, f := range factors {
		if f <= 0 {
			return 0
		}
		hi, lo := bits.Mul64(p, uint64(f))
		if hi != 0 || lo > math.MaxInt64 {
			return math.MaxInt64
		}
		p = lo
	}
	return int64(p)
}

// Sum adds sizes, saturating at math.MaxInt64.
func Sum(terms ...int64) int64 {
	s := int64(0)
	for _, t := range terms {
		if t > math.MaxInt64-s {
			return math.MaxInt64
		}
		s += t
	}
	return s
}

// CheckMemory refuses a run whose estimated peak memory exceeds the budget (Mem). what describes the
// estimate, e.g. "forecast [20, 8, 10, 64, 64] float32".
func (b Budget) CheckMemory(what string, need int64) error {
	have, source := b.Mem()
	if need > have {
		return fmt.Errorf("%s needs about %s of memory, more than the %s available (%s); "+
			"use smaller inputs or flags, or raise --max-memory on purpose (up to the hard limits: cgroup, ulimit -v)", what, FormatBytes(need), FormatBytes(have), source)
	}
	return nil
}

// Mem is the memory a run may use, and where that figure comes from: --max-memory (b.Memory) when given,
// else AvailableMemory; either way no more than HardMemoryLimit, which no flag can raise (an allocation
// past it fails or gets the process killed).
func (b Budget) Mem() (int64, string) {
	if b.Memory <= 0 {
		return AvailableMemory()
	}
	have, source := b.Memory, "--max-memory"
	if hard, hs := HardMemoryLimit(); hard < have {
		have, source = hard, hs+", below --max-memory"
	}
	return have, source
}

// CheckDisk refuses outputs whose estimated size exceeds the budget (b.Disk, or FreeDisk of the folder of
// out when it is 0).
func (b Budget) CheckDisk(what, out string, need int64) error {
	have, source := b.Disk, "--max-disk"
	if have <= 0 {
		var err error
		if have, err = FreeDisk(filepath.Dir(out)); err != nil {
			return nil // the writer reports an unusable folder with its own message
		}
		source = "free space in " + filepath.Dir(out)
	}
	if need > have {
		return fmt.Errorf("%s would write about %s to %s, more than the %s available (%s); "+
			"use smaller flags, or raise --max-disk on purpose", what, FormatBytes(need), out, FormatBytes(have), source)
	}
	return nil
}

// AvailableMemory is the memory a new allocation can get without swapping or being killed: the smallest
// of MemAvailable in /proc/meminfo, the Go runtime's soft limit (GOMEMLIMIT) and HardMemoryLimit (the
// cgroup's limit and the address-space and data limits). source says which one bound it.
func AvailableMemory() (bytes int64, source string) {
	bytes, source = HardMemoryLimit()
	take := func(v int64, s string) {
		if v > 0 && v < bytes {
			bytes, source = v, s
		}
	}
	take(memInfoAvailable("/proc/meminfo"), "MemAvailable in /proc/meminfo")
	if lim := debug.SetMemoryLimit(-1); lim < math.MaxInt64 {
		take(lim, "GOMEMLIMIT")
	}
	return bytes, source
}

// HardMemoryLimit is what this process can still allocate before an allocation fails or the kernel
// kills it: the smallest of the cgroup's limit less its usage (v2 memory.max, v1 memory.limit_in_bytes),
// RLIMIT_AS (ulimit -v) less the address space mapped now (VmSize), and RLIMIT_DATA (ulimit -d) less the
// data segment now (VmData). math.MaxInt64 when none is set.
func HardMemoryLimit() (bytes int64, source string) {
	bytes, source = math.MaxInt64, "no limit found"
	take := func(v int64, s string) {
		if v < bytes {
			bytes, source = max(v, 0), s
		}
	}
	if max, ok := readInt("/sys/fs/cgroup/memory.max"); ok {
		cur, _ := readInt("/sys/fs/cgroup/memory.current")
		take(max-cur, "cgroup memory.max less memory.current")
	} else if max, ok := readInt("/sys/fs/cgroup/memory/memory.limit_in_bytes"); ok {
		cur, _ := readInt("/sys/fs/cgroup/memory/memory.usage_in_bytes")
		take(max-cur, "cgroup memory.limit_in_bytes less usage")
	}
	for _, r := range []struct {
		res         int
		field, name string
	}{{syscall.RLIMIT_AS, "VmSize:", "RLIMIT_AS (ulimit -v) less the address space in use"}, {syscall.RLIMIT_DATA, "VmData:", "RLIMIT_DATA (ulimit -d) less the data in use"}} {
		var rl syscall.Rlimit
		if syscall.Getrlimit(r.res, &rl) != nil || rl.Cur >= math.MaxInt64 {
			continue
		}
		take(int64(rl.Cur)-procStatus("/proc/self/status", r.field), r.name)
	}
	return bytes, source
}

// procStatus reads one "Name: N kB" field of /proc/self/status in bytes; 0 when it cannot.
func procStatus(path, field string) int64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return 0
			}
			return Product(kb, 1024)
		}
	}
	return 0
}

// memInfoAvailable reads MemAvailable (kB) from a meminfo file; 0 when it cannot.
func memInfoAvailable(path string) int64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemAvailable:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return 0
			}
			return Product(kb, 1024)
		}
	}
	return 0
}

// readInt reads a file holding one integer (a cgroup limit); "max" and unreadable files give false.
func readInt(path string) (int64, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	return v, err == nil
}

// FreeDisk is the space an unprivileged user may still write in dir (statfs: available blocks × block size).
func FreeDisk(dir string) (int64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, fmt.Errorf("%s: %w", dir, err)
	}
	return Product(int64(st.Bavail), int64(st.Bsize)), nil
}

var units = []struct {
	suffix string
	bytes  float64
}{
	{"TIB", 1 << 40}, {"GIB", 1 << 30}, {"MIB", 1 << 20}, {"KIB", 1 << 10},
	{"TB", 1e12}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"T", 1 << 40}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1},
}

// ParseBytes reads a size such as "8GiB", "500MB", "2G" or "1e9" (bytes). "" means 0 (no budget given:
// use the machine's); a size below 1 byte ("0", "0.1") is refused. flag names the flag in errors.
func ParseBytes(flag, s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	if t == "" {
		return 0, nil
	}
	mult := 1.0
	for _, u := range units {
		if rest, ok := strings.CutSuffix(t, u.suffix); ok {
			t, mult = strings.TrimSpace(rest), u.bytes
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || v*mult >= math.MaxInt64 {
		return 0, fmt.Errorf("--%s %q: expected a size such as 8GiB, 500MB or 1e9", flag, s)
	}
	if v*mult < 1 {
		return 0, fmt.Errorf("--%s %q: expected a size of at least 1 byte, such as 8GiB (leave the flag out for what the machine has)", flag, s)
	}
	return int64(v * mult), nil
}

// FormatBytes prints a size in binary units, e.g. "1.5 GiB".
func FormatBytes(n int64) string {
	if n >= math.MaxInt64 {
		return "more than 8 EiB"
	}
	f := float64(n)
	for _, u := range []struct {
		s string
		b float64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if f >= u.b {
			return strconv.FormatFloat(f/u.b, 'f', 1, 64) + " " + u.s
		}
	}
	return strconv.FormatInt(n, 10) + " B"
}
