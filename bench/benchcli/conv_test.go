package benchcli

import (
	"strings"
	"testing"
)

// TestBenchConvRuns runs the convolution benchmark on a tiny case: it prints the case's row with the
// three rates and both ratios, and the load.
func TestBenchConvRuns(t *testing.T) {
	out, err := runTidal(t, "bench", "conv", "--sizes", "8", "--widths", "4", "--batch", "2", "--time", "1ms")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"2×8²×4", "tidal/native", "tidal/matmul", "GF/s", "load average"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestBenchConvRefusesCUDA: the benchmark measures the Go backend only.
func TestBenchConvRefusesCUDA(t *testing.T) {
	t.Setenv("TIDAL_PJRT_PLUGIN", "/nonexistent/xla_cuda_plugin.so")
	if _, err := runTidal(t, "--backend", "cuda", "bench", "conv", "--quick"); err == nil {
		t.Error("bench conv --backend cuda did not fail")
	}
}
