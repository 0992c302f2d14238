package benchenv

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestLoadAverageReadsProc(t *testing.T) {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		t.Skip("no /proc/loadavg here")
	}
	want := strings.Join(strings.Fields(string(b))[:3], " ")
	if got := LoadAverage(); got != want && len(strings.Fields(got)) != 3 {
		t.Fatalf("LoadAverage() = %q, /proc/loadavg starts %q", got, want)
	}
	if !strings.Contains(Describe(), "cores") {
		t.Fatalf("Describe() = %q", Describe())
	}
}

func TestMedian(t *testing.T) {
	if got := Median([]time.Duration{5, 1, 9, 3, 7}); got != 5 {
		t.Fatalf("median of 5 values = %v, want 5", got)
	}
	in := []time.Duration{4, 2}
	if got := Median(in); got != 4 || in[0] != 4 {
		t.Fatalf("median %v (want the upper of two), input changed to %v", got, in)
	}
}

// TestPeakRSS checks that the peak resident set size follows a large allocation and that a reset
// lowers it again where /proc/self/clear_refs is writable.
func TestPeakRSS(t *testing.T) {
	if PeakRSS() <= 0 || CurrentRSS() <= 0 {
		t.Skip("no /proc/self/status on this system")
	}
	reset := ResetPeakRSS()
	before := PeakRSS()
	big := make([]byte, 64<<20)
	for i := range big {
		big[i] = byte(i)
	}
	after := PeakRSS()
	if after < before+48<<20 {
		t.Errorf("peak RSS %d after touching 64 MiB, %d before", after, before)
	}
	big = nil
	if reset && ResetPeakRSS() {
		if p := PeakRSS(); p > after-32<<20 {
			t.Errorf("peak RSS %d after the reset, %d before it: the reset did not lower it", p, after)
		}
	}
}
