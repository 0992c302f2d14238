package benchcli

import (
	"strings"
	"testing"
)

// TestBenchRolloutRuns runs the rollout benchmark on a tiny size: it prints the ratio line.
func TestBenchRolloutRuns(t *testing.T) {
	out, err := runTidal(t, "bench", "rollout", "--frames", "3", "--repeats", "1", "--members", "2", "--size", "8", "--channels", "4", "--dir", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"rollout of 3 frames, 2 members × [1 8 8]", "rollout / bare loop:"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
