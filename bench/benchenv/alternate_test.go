package benchenv

import (
	"errors"
	"testing"
	"time"
)

// TestAlternate checks the order of the calls, the count, the medians, and that an error stops the
// loop.
func TestAlternate(t *testing.T) {
	var calls []string
	n := 0
	step := func() (time.Duration, error) { calls = append(calls, "s"); n++; return time.Duration(n), nil }
	ref := func() (time.Duration, error) { calls = append(calls, "r"); return 7, nil }
	m, err := Alternate(3, 0, ref, step)
	if err != nil || len(m) != 2 || m[0] != 7 || m[1] != 2 {
		t.Errorf("Alternate = %v, %v; want [7 2], nil", m, err)
	}
	if got := len(calls); got != 6 || calls[0] != "r" || calls[1] != "s" || calls[4] != "r" {
		t.Errorf("calls %v, want r s r s r s", calls)
	}
	boom := errors.New("boom")
	if _, err := Alternate(3, 0, ref, func() (time.Duration, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Errorf("error %v, want boom", err)
	}
}

// TestCPUTime checks that a busy loop shows up in the process CPU time, and WithCPUTime records it.
func TestCPUTime(t *testing.T) {
	var cpu []time.Duration
	busy := WithCPUTime(func() (time.Duration, error) {
		t0 := time.Now()
		x := 0.0
		for time.Since(t0) < 30*time.Millisecond {
			for i := range 1000 {
				x += float64(i)
			}
		}
		_ = x
		return time.Since(t0), nil
	}, &cpu)
	if _, err := busy(); err != nil {
		t.Fatal(err)
	}
	// The loop runs on one core for 30 ms; on a loaded machine it may get less of it, never more.
	if len(cpu) != 1 || cpu[0] <= 0 || cpu[0] > 2*time.Second {
		t.Errorf("CPU time of a 30 ms busy loop: %v", cpu)
	}
}
