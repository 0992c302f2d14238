package benchcli

import (
	"strings"
	"testing"
)

// TestBenchSeriesNetRuns runs the benchmark on two tiny sizes: both rows are printed; bad sizes are refused.
func TestBenchSeriesNetRuns(t *testing.T) {
	printed, err := runTidal(t, "bench", "series-net", "--batch", "1", "--window-length", "4", "--context", "2",
		"--series", "2,4", "--repeats", "1")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(printed, "FLOP ratio") != 2 || !strings.Contains(printed, "N     4") {
		t.Errorf("output:\n%s", printed)
	}
	if _, err := runTidal(t, "bench", "series-net", "--context", "60"); err == nil {
		t.Error("--context 60 of 60 steps accepted")
	}
}
