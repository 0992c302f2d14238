package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tinyWaves writes 40 frames of 16² travelling waves to dir/w.npy and returns the path.
func tinyWaves(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "w.npy")
	if out, err := runTidal(t, "data", "waves", "--out", p, "--frames", "40", "--size", "16"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return p
}

// tinyRun trains a small DyDiff run of `steps` steps on waves into run, in a child process (a fresh
// process, as a user runs it: flags at their defaults, not reset by a test).
func tinyRun(t *testing.T, waves, run string, steps string) {
	t.Helper()
	args := []string{"train", "dydiff", "--data", waves, "--out", run, "--context", "2", "--predict", "2",
		"--channels", "8", "--groups", "4", "--mults", "1", "--blocks", "1", "--steps", steps, "--batch", "2"}
	if out, err := tidalChild(context.Background(), filepath.Dir(run), args...).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
}

// A run's own config.yaml, fed back with --config, is the same run (its empty lists, e.g.
// attn-levels: [], match the options recorded without them), and with a larger --steps it extends the
// finished run from where it stopped; a smaller --steps than trained is refused, naming the steps.
func TestConfigRoundTripAndExtendRun(t *testing.T) {
	dir := t.TempDir()
	w := tinyWaves(t, dir)
	run := filepath.Join(dir, "run")
	tinyRun(t, w, run, "2")
	cfg := filepath.Join(run, "config.yaml")
	b, err := os.ReadFile(cfg)
	if err != nil || !strings.Contains(string(b), "attn-levels: []") {
		t.Fatalf("config.yaml: %v\n%s", err, b)
	}
	if out, err := runTidal(t, "train", "dydiff", "--config", cfg); err != nil || !strings.Contains(out, "nothing to do") {
		t.Fatalf("rerun from config.yaml: %v\n%s", err, out)
	}
	if out, err := runTidal(t, "train", "dydiff", "--config", cfg, "--steps", "4"); err != nil || !strings.Contains(out, "trained to step 4 (resumed from 2)") {
		t.Fatalf("extend to --steps 4: %v\n%s", err, out)
	}
	_, err = runTidal(t, "train", "dydiff", "--config", cfg, "--steps", "3")
	if err == nil || !strings.Contains(err.Error(), "steps = 3") || !strings.Contains(err.Error(), "trained 4 steps") {
		t.Fatalf("--steps 3 below the 4 trained: %v", err)
	}
}

// `data navier-stokes --size 16` on the default --kf 6 names the allowed range, the largest whole
// forcing wavenumber for the size and the size the asked one needs.
func TestDataNavierStokesKfErrorSuggests(t *testing.T) {
	_, err := runTidal(t, "data", "navier-stokes", "--size", "16", "--frames", "2", "--out", filepath.Join(t.TempDir(), "n.npy"))
	for _, want := range []string{"--kf 6", "(0, 5)", "largest whole one is --kf 4", "--size ≥ 22"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("--size 16 with the default --kf 6: %v, want an error mentioning %q", err, want)
		}
	}
}
