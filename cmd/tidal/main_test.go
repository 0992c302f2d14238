package main

import (
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/cli/clitest"
)

// runTidal runs the CLI in-process with args and returns what it printed and its error.
func runTidal(t *testing.T, args ...string) (string, error) {
	t.Helper()
	return clitest.Run(t, rootCmd, args...)
}

func TestBackendsListsGoAndExplainsCUDA(t *testing.T) {
	t.Setenv("TIDAL_PJRT_PLUGIN", "/nonexistent/xla_cuda_plugin.so")
	out, err := runTidal(t, "backends")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "go    available") {
		t.Errorf("go backend not listed as available:\n%s", out)
	}
	if !strings.Contains(out, "cuda  unavailable") || !strings.Contains(out, "/nonexistent/xla_cuda_plugin.so") {
		t.Errorf("cuda should be unavailable with the reason:\n%s", out)
	}
}

func TestUnknownBackendIsAnError(t *testing.T) {
	_, err := runTidal(t, "--backend", "tpu", "version")
	if err == nil || !strings.Contains(err.Error(), `"tpu"`) {
		t.Fatalf("expected an error naming the backend, got %v", err)
	}
}
