package benchcli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBenchTrainStepRuns runs the training-step benchmark on tiny cases of the three networks at 1
// thread, with a CPU profile and --out: it prints each case's row with the peak RSS, the load, and
// writes the profile and the JSON.
func TestBenchTrainStepRuns(t *testing.T) {
	dir := t.TempDir()
	prof, js := filepath.Join(dir, "cpu.prof"), filepath.Join(dir, "bench.json")
	out, err := runTidal(t, "bench", "train-step", "--sizes", "8", "--channels", "8", "--batch", "2",
		"--time", "1ms", "--threads", "1", "--members", "2", "--sampler-steps", "2", "--profile", prof, "--out", js)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"unet 8²", "video 8²", "series 64", "peak RSS train", "load average", "GOMAXPROCS 1"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if st, err := os.Stat(prof); err != nil || st.Size() == 0 {
		t.Errorf("no CPU profile written: %v", err)
	}
	raw, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Runs []trainStepRun `json:"runs"`
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Runs) != 1 || len(got.Runs[0].Results) != 3 || got.Runs[0].Results[0].StepMS <= 0 || got.Runs[0].Results[0].TrainRSS <= 0 {
		t.Errorf("JSON %s", raw)
	}
}

// TestBenchTrainStepRejectsBadFlags: negative threads, unknown networks and other backends are errors.
func TestBenchTrainStepRejectsBadFlags(t *testing.T) {
	if _, err := runTidal(t, "bench", "train-step", "--threads", "-1", "--quick"); err == nil {
		t.Error("--threads -1 was accepted")
	}
	if _, err := runTidal(t, "bench", "train-step", "--rounds", "0", "--quick"); err == nil || !strings.Contains(err.Error(), "--rounds") {
		t.Errorf("--rounds 0 gave %v", err)
	}
	if _, err := runTidal(t, "bench", "train-step", "--nets", "mlp", "--sizes", "8"); err == nil || !strings.Contains(err.Error(), "--nets") {
		t.Errorf("--nets mlp gave %v", err)
	}
	t.Setenv("TIDAL_PJRT_PLUGIN", "/nonexistent/xla_cuda_plugin.so")
	if _, err := runTidal(t, "--backend", "cuda", "bench", "train-step", "--quick"); err == nil {
		t.Error("bench train-step --backend cuda did not fail")
	}
}
