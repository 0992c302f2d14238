package benchenv

import (
	"bufio"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
)

// PeakRSS is the process's peak resident set size in bytes: VmHWM of /proc/self/status (which
// ResetPeakRSS can lower to the current RSS), else getrusage's ru_maxrss (the peak since the process
// started). It returns 0 where neither can be read.
func PeakRSS() int64 {
	if v := procStatus("VmHWM:"); v > 0 {
		return v
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Maxrss * 1024 // kilobytes on Linux
}

// CurrentRSS is the process's resident set size in bytes (VmRSS), or 0 where it cannot be read.
func CurrentRSS() int64 { return procStatus("VmRSS:") }

// ResetPeakRSS collects garbage, returns freed memory to the system and resets the peak resident set
// size to the current one (writing 5 to /proc/self/clear_refs, Linux ≥ 4.0), so that PeakRSS then
// measures the peak of what follows. It reports whether the reset worked; where it did not, PeakRSS
// stays the peak since the process started.
func ResetPeakRSS() bool {
	runtime.GC()
	debug.FreeOSMemory()
	f, err := os.OpenFile("/proc/self/clear_refs", os.O_WRONLY, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	_, err = f.WriteString("5")
	return err == nil
}

// procStatus reads a "Key: N kB" line of /proc/self/status in bytes, or 0.
func procStatus(key string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, key) {
			continue
		}
		fs := strings.Fields(strings.TrimPrefix(line, key))
		if len(fs) == 0 {
			return 0
		}
		n, err := strconv.ParseInt(fs[0], 10, 64)
		if err != nil {
			return 0
		}
		return n * 1024
	}
	return 0
}
