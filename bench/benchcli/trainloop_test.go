package benchcli

import (
	"strings"
	"testing"
)

// TestBenchTrainLoopRuns runs the loop-overhead benchmark on a tiny case: it prints both step times,
// the checkpoint time and the overhead ratio.
func TestBenchTrainLoopRuns(t *testing.T) {
	out, err := runTidal(t, "bench", "train-loop", "--batch", "2", "--size", "8", "--channels", "8", "--steps", "2")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"2×8²×8", "bare step", "checkpoint with its snapshot", "loop overhead:", "load average"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if _, err := runTidal(t, "bench", "train-loop", "--steps", "0"); err == nil {
		t.Error("--steps 1 was accepted")
	}
}
