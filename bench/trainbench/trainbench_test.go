package trainbench

import (
	"bytes"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
)

// A small measurement runs, times every phase, and prints ratios that follow from its own durations.
func TestRunSmall(t *testing.T) {
	var log bytes.Buffer
	r, err := Run(tensortest.Backend(t), Options{Batch: 2, Size: 8, Channels: 8, Steps: 3, Rounds: 1, LogEvery: 2, CheckpointEvery: 100, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	if r.Bare <= 0 || r.InLoop <= 0 || r.Checkpoint <= 0 {
		t.Fatalf("result %+v", r)
	}
	if want := r.PerStep.Seconds()/r.Bare.Seconds() - 1; r.Overhead() != want {
		t.Fatalf("overhead %v, want %v", r.Overhead(), want)
	}
	var out bytes.Buffer
	if err := WriteTable(&out, r); err != nil || !strings.Contains(out.String(), "loop overhead:") {
		t.Fatalf("table %q, %v", out.String(), err)
	}
	t.Log(log.String() + out.String())
}
