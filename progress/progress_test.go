package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestLines checks the log lines written off a terminal: one per tenth of the job, the last at the
// end, and a rate and time left computed from this run's units only.
func TestLines(t *testing.T) {
	var buf bytes.Buffer
	r := New(&buf, Lines, 100, 20, "rollout", "frames")
	for d := 21; d <= 100; d++ {
		r.Set(d)
	}
	r.Finish()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 8 {
		t.Fatalf("got %d lines, want 8 (frames 30, 40, ..., 100):\n%s", len(lines), buf.String())
	}
	if !strings.HasPrefix(lines[0], "rollout: 30/100 frames (30%)") || !strings.HasPrefix(lines[7], "rollout: 100/100 frames (100%)") {
		t.Fatalf("unexpected lines:\n%s", buf.String())
	}
	// 10 frames of this run in 2 s: 5 frames/s, 70 frames left take 14 s.
	if got := r.line(30, 2*time.Second); got != "rollout: 30/100 frames (30%), 5 frames/s, 14s left" {
		t.Fatalf("line = %q", got)
	}
}

// TestQuiet checks that BarOnly writes nothing off a terminal and that a nil writer reports nothing.
func TestQuiet(t *testing.T) {
	var buf bytes.Buffer
	r := New(&buf, BarOnly, 10, 0, "x", "steps")
	r.Set(10)
	r.Finish()
	New(nil, Lines, 10, 0, "x", "steps").Set(5)
	if buf.Len() != 0 {
		t.Fatalf("BarOnly wrote %q off a terminal", buf.String())
	}
}
