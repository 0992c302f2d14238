package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/train"
)

// turbulence writes a freshly simulated 16² turbulence series (vorticity and velocity, 3 channels)
// split into train/val/test files in dir and returns the prefix of their names.
func turbulence(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "ns.npy")
	if out, err := runTidal(t, "data", "navier-stokes", "--out", p, "--size", "16", "--kf", "3", "--frames", "300",
		"--velocity", "--seed", "1", "--spinup", "2000", "--split", "0.7,0.1,0.2", "--quiet"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return filepath.Join(dir, "ns")
}

// tinyTrainArgs are the flags of a small, fast DyDiff run.
func tinyTrainArgs(ns, run string, steps string) []string {
	return []string{"train", "dydiff", "--data", ns + "_train.npy", "--val", ns + "_val.npy", "--run", run,
		"--context", "2", "--predict", "3", "--channels", "16", "--groups", "8", "--mults", "1,2", "--blocks", "1",
		"--steps", steps, "--batch", "8", "--lr", "3e-3", "--ema-halflife", "1000", "--log-every", "10",
		"--checkpoint-every", "20", "--val-every", "20", "--preview-every", "20", "--preview-cases", "4", "--preview-steps", "5"}
}

// The acceptance path on fresh turbulence: train → forecast → score. The run directory holds what
// docs/DYDIFF.md lists; the preview CRPS (a 4-member DDIM forecast of validation windows) falls as the
// model trains (the weaker-but-real check of the unit test: beating climatology is measured by
// `tidal bench dydiff`, docs/RESULTS.md); two forecasts with the same seed are the same bytes, another
// seed differs; `tidal score` reads the forecast and its truth directly; --lead beyond --predict rolls
// forward and starts with the one-window forecast; the resolved config.yaml runs again through
// --config (a finished run: nothing to do) and other options are refused with the difference named.
func TestDyDiffTrainForecastScore(t *testing.T) {
	dir := t.TempDir()
	ns := turbulence(t, dir)
	run := filepath.Join(dir, "run")
	if out, err := runTidal(t, tinyTrainArgs(ns, run, "200")...); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, f := range []string{"options.json", "norm.json", "stats.jsonl", "config.yaml", "snapshots", "checkpoints"} {
		if _, err := os.Stat(filepath.Join(run, f)); err != nil {
			t.Errorf("run directory: %v", err)
		}
	}
	stats, err := train.ReadStats(run)
	if err != nil {
		t.Fatal(err)
	}
	var previews []float64
	for _, s := range stats {
		if s.Preview != nil {
			previews = append(previews, s.Preview["crps"])
		}
	}
	if len(previews) != 10 {
		t.Fatalf("%d previews in stats.jsonl, expected 10", len(previews))
	}
	t.Logf("preview CRPS (normalised units) by step: %.3f", previews)
	if last, first := previews[len(previews)-1], previews[0]; !(last < 0.85*first) {
		t.Errorf("preview CRPS %.3f at the end, %.3f at step 20: expected training to lower it by at least 15%%", last, first)
	}
	fc := func(name string, extra ...string) string {
		p := filepath.Join(dir, name)
		args := append([]string{"forecast", "--run", run, "--data", ns + "_test.npy", "--members", "4",
			"--sampler-steps", "10", "--starts", "2,20,40", "--out", p, "--quiet"}, extra...)
		if out, err := runTidal(t, args...); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return p
	}
	a, b := fc("a.npy", "--seed", "5"), fc("b.npy", "--seed", "5")
	c := fc("c.npy", "--seed", "6")
	ba, _ := os.ReadFile(a)
	bb, _ := os.ReadFile(b)
	bc, _ := os.ReadFile(c)
	if !bytes.Equal(ba, bb) {
		t.Error("two forecasts with seed 5 differ")
	}
	if bytes.Equal(ba, bc) {
		t.Error("seeds 5 and 6 gave the same forecast")
	}
	fa, err := data.ReadNPY(a)
	if err != nil {
		t.Fatal(err)
	}
	if got := fa.Shape; len(got) != 6 || got[0] != 3 || got[1] != 4 || got[2] != 3 || got[3] != 3 {
		t.Errorf("forecast shape %v, expected [3 cases, 4 members, 3 lead, 3, 16, 16]", got)
	}
	out, err := runTidal(t, "score", "--forecast", a, "--obs", strings.TrimSuffix(a, ".npy")+".truth.npy", "--metrics", "crps,ssr")
	if err != nil || !strings.Contains(out, "crps") {
		t.Fatalf("score: %v\n%s", err, out)
	}
	long := fc("long.npy", "--seed", "5", "--lead", "7")
	fl, err := data.ReadNPY(long)
	if err != nil {
		t.Fatal(err)
	}
	if fl.Shape[2] != 7 {
		t.Fatalf("--lead 7 forecast shape %v", fl.Shape)
	}
	F := 3 * 16 * 16
	va, vl := fa.Float32(), fl.Float32()
	for r := range 3 * 4 { // (case, member) rows
		for l := range 3 {
			if !slices.Equal(va[(r*3+l)*F:(r*3+l+1)*F], vl[(r*7+l)*F:(r*7+l+1)*F]) {
				t.Fatalf("row %d lead %d of the --lead 7 forecast differs from the one-window forecast", r, l)
			}
		}
	}
	if out, err := runTidal(t, "train", "dydiff", "--config", filepath.Join(run, "config.yaml")); err != nil || !strings.Contains(out, "nothing to do") {
		t.Errorf("rerun from config.yaml: %v\n%s", err, out)
	}
	_, err = runTidal(t, append(tinyTrainArgs(ns, run, "200"), "--lr", "1e-3")...)
	if err == nil || !strings.Contains(err.Error(), "options.lr") {
		t.Errorf("changed --lr: %v, expected a refusal listing options.lr", err)
	}
}

// Killing `tidal train dydiff` (SIGKILL, a child process) and running the same command again resumes
// it: stats.jsonl continues from the last checkpoint and the losses of every logged step equal those
// of an uninterrupted run (the train package's exact resume on the Go backend).
func TestTrainDyDiffResumesAfterKill(t *testing.T) {
	dir := t.TempDir()
	ns := turbulence(t, dir)
	args := func(run string) []string {
		a := tinyTrainArgs(ns, run, "80")
		return append(a, "--channels", "8", "--groups", "4", "--checkpoint-every", "10", "--preview-every", "40", "--val-every", "40")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ref := filepath.Join(dir, "ref")
	if out, err := tidalChild(ctx, dir, args(ref)...).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	run := filepath.Join(dir, "run")
	child := tidalChild(ctx, dir, args(run)...)
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	for {
		st, _ := train.ReadStats(run)
		if len(st) >= 3 || ctx.Err() != nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	child.Process.Signal(syscall.SIGKILL)
	child.Wait()
	killedAt, _ := train.ReadStats(run)
	if len(killedAt) >= 8 {
		t.Fatalf("the run finished (%d lines) before the kill", len(killedAt))
	}
	out, err := tidalChild(ctx, dir, args(run)...).CombinedOutput()
	if err != nil {
		t.Fatalf("restart: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "resumed from") || strings.Contains(string(out), "resumed from 0)") {
		t.Errorf("the restart did not resume:\n%s", out)
	}
	got, _ := train.ReadStats(run)
	want, _ := train.ReadStats(ref)
	if len(got) != len(want) || len(want) != 8 {
		t.Fatalf("%d stats lines after the restart, %d uninterrupted, expected 8", len(got), len(want))
	}
	for i := range want {
		g, _ := json.Marshal([]any{got[i].Step, got[i].Loss, got[i].GradNorm, got[i].ValLoss, got[i].Preview})
		w, _ := json.Marshal([]any{want[i].Step, want[i].Loss, want[i].GradNorm, want[i].ValLoss, want[i].Preview})
		if !bytes.Equal(g, w) {
			t.Errorf("line %d: %s after the kill, %s uninterrupted", i, g, w)
		}
	}
}
