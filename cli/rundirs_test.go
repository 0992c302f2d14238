package cli_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/tidal-forecast/tidal/cli"
)

// TestCheckTrainOut: a missing --run, a file, a non-empty folder that is no run and a run holding an input
// are refused by name; a fresh run that fails before its first step is removed again, one with a step kept.
func TestCheckTrainOut(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	other, old := filepath.Join(dir, "other"), filepath.Join(dir, "old")
	inside := filepath.Join(old, "data.npy")
	for _, p := range []string{file, filepath.Join(other, "x"), filepath.Join(old, "options.json"), inside} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		out    string
		inputs []*cli.Input
		want   string
	}{{"", nil, "--run is required"}, {file, nil, "is a file"}, {other, nil, "not a tidal run"},
		{old, []*cli.Input{{Flag: "data", Path: inside}}, "holds the input --data"}} {
		if _, err := cli.CheckTrainOut(c.out, c.inputs...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("--run %q: %v, want %q", c.out, err, c.want)
		}
	}
	run := filepath.Join(dir, "run")
	to, err := cli.CheckTrainOut(run, &cli.Input{Flag: "data", Path: file})
	if err != nil {
		t.Fatal(err)
	}
	done := to.Guard()
	if err := os.MkdirAll(filepath.Join(run, "checkpoints"), 0o755); err != nil {
		t.Fatal(err)
	}
	done(errors.New("failed before the first step"))
	if _, err := os.Stat(run); !os.IsNotExist(err) {
		t.Errorf("a failed fresh run without a step is left behind (%v)", err)
	}
	to, _ = cli.CheckTrainOut(run)
	done = to.Guard()
	if err := os.MkdirAll(filepath.Join(run, "checkpoints", "step-10"), 0o755); err != nil {
		t.Fatal(err)
	}
	done(errors.New("failed after a step"))
	if _, err := os.Stat(filepath.Join(run, "checkpoints", "step-10")); err != nil {
		t.Errorf("a run with a step was removed: %v", err)
	}
}

// TestCheckRunDirs: a named pipe where a run's file should be is refused naming the flag; missing runs
// and regular runs pass.
func TestCheckRunDirs(t *testing.T) {
	run := t.TempDir()
	if err := os.WriteFile(filepath.Join(run, "options.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := cli.CheckRunDirs("run", run, "disc", "", "idm", filepath.Join(run, "absent")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(run, "norm.json"), 0o644); err != nil {
		t.Skip("no named pipes here:", err)
	}
	if err := cli.CheckRunDirs("run", run); err == nil || !strings.Contains(err.Error(), "--run "+run) {
		t.Errorf("a pipe in the run: %v", err)
	}
}
