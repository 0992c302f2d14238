package benchenv

import (
	"syscall"
	"time"
)

// Alternate times functions in alternation, so that all see the same load: runs[0], runs[1], …,
// runs[0], … until each has run at least minSteps times and minTime has passed. It returns the median
// time of each, in order.
func Alternate(minSteps int, minTime time.Duration, runs ...func() (time.Duration, error)) ([]time.Duration, error) {
	ts := make([][]time.Duration, len(runs))
	start := time.Now()
	for len(runs) > 0 && (len(ts[0]) < minSteps || time.Since(start) < minTime) {
		for i, run := range runs {
			d, err := run()
			if err != nil {
				return nil, err
			}
			ts[i] = append(ts[i], d)
		}
	}
	medians := make([]time.Duration, len(runs))
	for i := range ts {
		medians[i] = Median(ts[i])
	}
	return medians, nil
}

// CPUTime is the user plus system CPU time the process has used so far (getrusage), or 0 where it
// cannot be read. On a shared machine the CPU time of a step is less sensitive to other jobs than its
// wall time: it counts the work done, not the waiting for a core.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// WithCPUTime wraps a timed function so that each call also appends the process CPU time it took to
// *cpu.
func WithCPUTime(run func() (time.Duration, error), cpu *[]time.Duration) func() (time.Duration, error) {
	return func() (time.Duration, error) {
		c0 := CPUTime()
		d, err := run()
		*cpu = append(*cpu, CPUTime()-c0)
		return d, err
	}
}
