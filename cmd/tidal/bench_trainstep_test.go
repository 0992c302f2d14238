package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tidal-forecast/tidal/backend"
	"github.com/tidal-forecast/tidal/internal/netbench"
)

// TestBenchTrainStepRuns runs the training-step benchmark on a tiny case at 1 thread, with a CPU
// profile: it prints the case's row with the floor and time/floor, the load, and writes the profile.
func TestBenchTrainStepRuns(t *testing.T) {
	prof := filepath.Join(t.TempDir(), "cpu.prof")
	out, err := runTidal(t, "bench", "train-step", "--sizes", "16", "--widths", "8", "--batch", "2",
		"--time", "1ms", "--threads", "1", "--profile", prof)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"2×16²×8", "time/floor", "time/peak", "GF/s", "load average", "GOMAXPROCS 1"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if st, err := os.Stat(prof); err != nil || st.Size() == 0 {
		t.Errorf("no CPU profile written: %v", err)
	}
}

// TestBenchTrainStepRejectsBadFlags: negative threads and other backends are errors.
func TestBenchTrainStepRejectsBadFlags(t *testing.T) {
	if _, err := runTidal(t, "bench", "train-step", "--threads", "-1", "--quick"); err == nil {
		t.Error("--threads -1 was accepted")
	}
	t.Setenv("TIDAL_PJRT_PLUGIN", "/nonexistent/xla_cuda_plugin.so")
	if _, err := runTidal(t, "--backend", "cuda", "bench", "train-step", "--quick"); err == nil {
		t.Error("bench train-step --backend cuda did not fail")
	}
}

// TestBenchTrainStepOnAnotherBackend runs the accelerator path (one branch, no thread loop, the backend's
// own convolution choice) on the Go backend, the only one here, so that the code `--backend cuda` takes
// is exercised by the tests.
func TestBenchTrainStepOnAnotherBackend(t *testing.T) {
	var out strings.Builder
	opt := netbench.Options{MinTime: time.Millisecond, MinSteps: 1, Warmup: 1,
		Cases: []netbench.Case{{Batch: 2, Size: 16, Channels: 8}}}
	if err := benchTrainStepOn(&out, backend.Go, opt); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"go backend", "2×16²×8", "time/floor"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
