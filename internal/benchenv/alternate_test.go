package benchenv

import (
	"errors"
	"testing"
	"time"
)

// TestAlternate checks the order of the calls (reference first, then alternating), the count, the
// medians, and that an error stops the loop.
func TestAlternate(t *testing.T) {
	var calls []string
	n := 0
	step := func() (time.Duration, error) { calls = append(calls, "s"); n++; return time.Duration(n), nil }
	ref := func() (time.Duration, error) { calls = append(calls, "r"); return 7, nil }
	s, r, err := Alternate(step, ref, 3, 0)
	if err != nil || s != 2 || r != 7 {
		t.Errorf("Alternate = %v, %v, %v; want 2, 7, nil", s, r, err)
	}
	if got := len(calls); got != 6 || calls[0] != "r" || calls[1] != "s" || calls[4] != "r" {
		t.Errorf("calls %v, want r s r s r s", calls)
	}
	boom := errors.New("boom")
	if _, _, err := Alternate(func() (time.Duration, error) { return 0, boom }, ref, 3, 0); !errors.Is(err, boom) {
		t.Errorf("error %v, want boom", err)
	}
}
