package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tidal-forecast/tidal/atomicfile"
)

// longRun is a navier-stokes run long enough (minutes) to be interrupted while it writes.
var longRun = []string{"data", "navier-stokes", "--size", "32", "--frames", "1000000", "--save-every", "1", "--spinup", "0", "--quiet", "--max-disk", "1TiB"}

// startInterrupted starts a long run writing out and returns its pid once its temporary file exists.
func startInterrupted(t *testing.T, ctx context.Context, out string) (pid int, wait func() int) {
	t.Helper()
	cmd := tidalChild(ctx, filepath.Dir(out), append(longRun, "--out", out)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	temp := atomicfile.TempName(out, cmd.Process.Pid)
	waitFor(t, cmd, &stderr, 10*time.Second, "temporary "+temp, func() bool {
		st, err := os.Stat(temp)
		return err == nil && st.Size() > 0
	})
	return cmd.Process.Pid, func() int {
		cmd.Wait()
		if strings.Contains(stderr.String(), "panic:") {
			t.Errorf("panicked:\n%s", stderr.String())
		}
		return cmd.ProcessState.ExitCode()
	}
}

// waitFor polls ready every 10 ms until it holds; after limit it kills the started cmd and fails, saying
// that what never appeared.
func waitFor(t *testing.T, cmd *exec.Cmd, stderr *strings.Builder, limit time.Duration, what string, ready func() bool) {
	t.Helper()
	for start := time.Now(); !ready(); time.Sleep(10 * time.Millisecond) {
		if time.Since(start) > limit {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("no %s after %v: %s", what, limit, stderr.String())
		}
	}
}

// leftovers lists the files in dir.
func leftovers(dir string) []string {
	var names []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestSignalsRemoveTemporaries interrupts a long write with SIGINT and with SIGTERM: each must exit
// non-zero (130, 143) and leave neither the output nor its temporaries.
func TestSignalsRemoveTemporaries(t *testing.T) {
	for sig, code := range map[syscall.Signal]int{syscall.SIGINT: 130, syscall.SIGTERM: 143} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			pid, wait := startInterrupted(t, ctx, filepath.Join(dir, "ns.npy"))
			time.Sleep(100 * time.Millisecond) // let it write a few frames
			syscall.Kill(pid, sig)
			if got := wait(); got != code {
				t.Errorf("exit status %d after %v, expected %d", got, sig, code)
			}
			if names := leftovers(dir); len(names) != 0 {
				t.Errorf("left after %v: %v", sig, names)
			}
		})
	}
}

// TestStaleTemporariesAreRemovedByTheNextRun kills a long write with SIGKILL (nothing can clean up),
// then runs the same output again: the new run removes the dead run's temporary.
func TestStaleTemporariesAreRemovedByTheNextRun(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "ns.npy")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pid, wait := startInterrupted(t, ctx, out)
	syscall.Kill(pid, syscall.SIGKILL)
	wait()
	stale := leftovers(dir)
	for _, n := range stale {
		if !strings.Contains(n, atomicfile.TempSuffix) {
			t.Fatalf("after SIGKILL the folder holds %v, expected only the dead run's temporaries", stale)
		}
	}
	if len(stale) == 0 {
		t.Fatal("SIGKILL left no temporary: nothing to test")
	}
	cmd := tidalChild(ctx, dir, "data", "navier-stokes", "--size", "16", "--kf", "2", "--frames", "2", "--spinup", "0", "--quiet", "--out", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	names := leftovers(dir)
	if len(names) != 2 || names[0] != "ns.json" || names[1] != "ns.npy" {
		t.Errorf("after the next run the folder holds %v, expected only ns.json and ns.npy", names)
	}
}

// TestSignalDuringBenchRolloutLeavesNothing interrupts `tidal bench rollout` while its rollout writes to
// the scratch folder in --dir (after its bare loop of 3000 steps, a few seconds): SIGTERM must remove the folder with its partial files and exit 143.
func TestSignalDuringBenchRolloutLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := tidalChild(ctx, dir, "bench", "rollout", "--frames", "3000", "--repeats", "1", "--members", "1",
		"--size", "8", "--channels", "4", "--dir", dir, "--max-disk", "1TiB")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	scratch := atomicfile.TempName(filepath.Join(dir, "tidal-bench-rollout"), cmd.Process.Pid)
	waitFor(t, cmd, &stderr, 30*time.Second, "file in "+scratch, func() bool {
		entries, _ := os.ReadDir(scratch)
		return len(entries) > 0
	})
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 143 {
		t.Errorf("exit status %d after SIGTERM, expected 143: %s", code, stderr.String())
	}
	if names := leftovers(dir); len(names) != 0 {
		t.Errorf("left after SIGTERM: %v", names)
	}
}
