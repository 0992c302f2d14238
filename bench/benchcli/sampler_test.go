package benchcli

import (
	"strings"
	"testing"
)

// TestBenchSamplerRuns runs the sampler benchmark on a tiny case: it prints a row per sampler with the
// forward passes, the sample, the ratio and the compile time.
func TestBenchSamplerRuns(t *testing.T) {
	out, err := runTidal(t, "bench", "sampler", "--size", "8", "--channels", "8", "--sampler-steps", "2", "--batch", "2", "--time", "1ms")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ddim 2×8²×8, 2 steps", "heun 2×8²×8, 2 steps", "eval/fwd", "compile", "load average"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if _, err := runTidal(t, "bench", "sampler", "--samplers", "euler", "--time", "1ms"); err == nil || !strings.Contains(err.Error(), "euler") {
		t.Errorf("an unknown sampler: err = %v", err)
	}
}
