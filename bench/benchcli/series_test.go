package benchcli

import (
	"strings"
	"testing"
)

// TestBenchSeriesIORuns runs the benchmark on a tiny series: every format's row and the load are printed.
func TestBenchSeriesIORuns(t *testing.T) {
	printed, err := runTidal(t, "bench", "series-io", "--rows", "20", "--columns", "3", "--repeats", "1")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"lstnet ", "lstnet .gz", "csv ", "gluonts ", "load average"} {
		if !strings.Contains(printed, s) {
			t.Errorf("output lacks %q:\n%s", s, printed)
		}
	}
	if _, err := runTidal(t, "bench", "series-io", "--rows", "0"); err == nil {
		t.Error("--rows 0 accepted")
	}
}
