package benchcli

import (
	"strings"
	"testing"
)

// TestBenchNavierStokesRuns runs the benchmark on a tiny grid: it must print the size's row and the load.
func TestBenchNavierStokesRuns(t *testing.T) {
	printed, err := runTidal(t, "bench", "navier-stokes", "--sizes", "24", "--solver-steps", "2", "--repeats", "1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(printed, "   24 ") || !strings.Contains(printed, "load average") {
		t.Fatalf("unexpected output:\n%s", printed)
	}
}
