// Package benchenv describes the machine a benchmark runs on, so that every `tidal bench` report says
// what its figures were measured under.
package benchenv

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// LoadAverage is the 1-, 5- and 15-minute load average from /proc/loadavg, or "unknown".
func LoadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// CPUModel is the processor's model name from /proc/cpuinfo, or runtime.GOARCH where it is not available.
func CPUModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				return strings.TrimSpace(v)
			}
		}
	}
	return runtime.GOARCH
}

// Describe is a one-line summary: processor, cores, GOMAXPROCS and load.
func Describe() string {
	return fmt.Sprintf("%s, %d cores, GOMAXPROCS %d, load %s", CPUModel(), runtime.NumCPU(), runtime.GOMAXPROCS(0), LoadAverage())
}

// Median is the median of a run's timings (the upper one of an even count); it resists the outliers that
// other jobs on a shared machine cause.
func Median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
