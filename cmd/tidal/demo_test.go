package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tidal-forecast/tidal/report"
)

// tinyDemo are the flags of a demo small enough for a unit test (seconds).
var tinyDemo = []string{"demo", "--size", "16", "--frames", "60", "--spinup", "200", "--steps", "10", "--batch", "2",
	"--channels", "8", "--members", "2", "--cases", "2", "--lead", "2", "--sampler-steps", "2", "--rollout-frames", "10",
	"--disc-steps", "10", "--disc-batch", "4"}

func demoIn(dir string, extra ...string) []string {
	return append(append(append([]string{}, tinyDemo...), "--out", dir), extra...)
}

// A tiny demo runs every stage and writes the report; run again on the same folder it reuses every
// finished stage (trainings say they are finished) and writes the same forecasts; another folder with
// the same seed gets the same bytes (same seed and backend → same numbers), and every model's truth
// equals the baselines' truth, so all are scored on the same cases.
func TestDemoTinyIsResumableAndReproducible(t *testing.T) {
	a, b := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	out, err := runTidal(t, demoIn(a)...)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	page, err := os.ReadFile(filepath.Join(a, "report", report.HTMLFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"dydiff", "dpm", "guided", "unguided", "vdm", "persistence", "climatology",
		"Where a model does worse than a reference", "time.train dydiff", "seed"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("report.html does not mention %q", want)
		}
	}
	if !strings.Contains(out, filepath.Join(a, "report", "report.html")) {
		t.Errorf("the demo did not print where report.html is:\n%s", out)
	}
	truth, _ := os.ReadFile(filepath.Join(a, "fc", "truth.npy"))
	for _, m := range []string{"dydiff", "dpm", "guided", "unguided", "vdm"} {
		if got, _ := os.ReadFile(filepath.Join(a, "fc", m+".truth.npy")); len(truth) == 0 || !bytes.Equal(got, truth) {
			t.Errorf("%s's truth differs from the baselines' (%d and %d bytes)", m, len(got), len(truth))
		}
	}
	before, _ := os.Stat(filepath.Join(a, "fc", "dydiff.npy"))
	again, err := runTidal(t, demoIn(a)...)
	if err != nil {
		t.Fatalf("re-run: %v\n%s", err, again)
	}
	if n := strings.Count(again, ": reused ("); n != 21 {
		t.Errorf("re-run reused %d stages, expected the 21 with outputs:\n%s", n, again)
	}
	if after, _ := os.Stat(filepath.Join(a, "fc", "dydiff.npy")); !after.ModTime().Equal(before.ModTime()) {
		t.Error("the re-run rewrote fc/dydiff.npy")
	}
	if out, err := runTidal(t, demoIn(b)...); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, f := range []string{"fc/dydiff.npy", "fc/dpm.npy", "fc/guided.npy", "fc/vdm.npy", "roll/guided.npy", "fc/climatology.npy"} {
		x, _ := os.ReadFile(filepath.Join(a, f))
		y, _ := os.ReadFile(filepath.Join(b, f))
		if len(x) == 0 || !bytes.Equal(x, y) {
			t.Errorf("%s differs between two demos with seed 1", f)
		}
	}
}

// --print-config prints YAML that --config reads back to the same resolved flags, with --quick's sizes.
func TestDemoPrintConfigRoundTrips(t *testing.T) {
	out, err := runTidal(t, "demo", "--quick", "--lead", "3", "--print-config")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\nsteps: 200\n", "lead: 3", "quick: true", "print-config: false"} {
		if !strings.Contains(out, want) {
			t.Errorf("--print-config output lacks %q:\n%s", want, out)
		}
	}
	p := filepath.Join(t.TempDir(), "demo.yaml")
	if err := os.WriteFile(p, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	again, err := runTidal(t, "demo", "--config", p, "--print-config")
	if err != nil {
		t.Fatal(err)
	}
	if again != out {
		t.Errorf("--config of the printed config resolves differently:\n%s\nvs\n%s", again, out)
	}
}

// The main job at its --quick size, once per `make test` (skipped by -short): it must finish within 3
// minutes on 2 cores (the acceptance bound; logged) and write the report.
func TestDemoQuickEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the --quick demo takes about two minutes")
	}
	dir := filepath.Join(t.TempDir(), "demo")
	t0 := time.Now()
	out, err := runTidal(t, "demo", "--quick", "--out", dir)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	took := time.Since(t0)
	t.Logf("tidal demo --quick: %.0f s", took.Seconds())
	if _, err := os.Stat(filepath.Join(dir, "report", report.HTMLFile)); err != nil {
		t.Fatal(err)
	}
	if took > 8*time.Minute { // 3 minutes is the goal on an idle machine (logged above); a shared one gets slack
		t.Errorf("tidal demo --quick took %v", took)
	}
}
