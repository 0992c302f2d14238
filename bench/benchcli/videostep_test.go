package benchcli

import (
	"strings"
	"testing"
)

// TestBenchVideoStepRuns runs the video-step benchmark on a tiny case at 1 thread: it prints the
// case's row with the floor and time/floor and the load.
func TestBenchVideoStepRuns(t *testing.T) {
	out, err := runTidal(t, "bench", "video-step", "--sizes", "16", "--widths", "8", "--batch", "1", "--frames", "4",
		"--time", "1ms", "--threads", "1")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"1×4×16²×8", "time/floor", "GF/s", "load average", "GOMAXPROCS 1"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if _, err := runTidal(t, "bench", "video-step", "--threads", "-1", "--quick"); err == nil {
		t.Error("--threads -1 was accepted")
	}
}
