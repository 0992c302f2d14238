package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/internal/testref/pyref"
)

// TestGPUCheckReport runs scripts/gpu_check_report.py (the summary of `make gpu-check`) on a made-up
// work folder of a GPU run: equal CPU and GPU outputs pass; a GPU forecast off by more than the
// tolerance, or a diverged GPU loss curve, fails with the check named.
func TestGPUCheckReport(t *testing.T) {
	py := pyref.ForTest(t)
	script, err := filepath.Abs("../../scripts/gpu_check_report.py")
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	write := func(rel, text string) {
		p := filepath.Join(work, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	npy := func(rel string, v []float32, shape ...int) {
		p := filepath.Join(work, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := data.WriteNPY(p, data.FromFloat32(v, shape...)); err != nil {
			t.Fatal(err)
		}
	}
	write("meta.env", "reason=\ngpu=fake\ngpu_backend=cuda\nsteps=60\nsize=8\nseed=1\n")
	write("results.tsv", "data\tok\t0.1\t\n")
	curve := func(scale float64) string {
		var b strings.Builder
		for i := 1; i <= 60; i++ {
			fmt.Fprintf(&b, "{\"step\":%d,\"loss\":%g}\n", i, scale*(1+1/float64(i)))
		}
		return b.String()
	}
	for _, m := range []string{"dydiff", "idm", "disc"} {
		write("go/runs/"+m+"/stats.jsonl", curve(1))
		write("gpu/runs/"+m+"/stats.jsonl", curve(1.05))
	}
	fc := make([]float32, 2*3*2*4) // [cases 2, members 3, lead 2, 1, 2, 2]
	truth := make([]float32, 2*2*4)
	for i := range fc {
		fc[i] = float32(i%7) - 3
	}
	for i := range truth {
		truth[i] = float32(i%5) - 2
	}
	npy("go/fc/dydiff.npy", fc, 2, 3, 2, 1, 2, 2)
	npy("go/fc/dydiff.truth.npy", truth, 2, 2, 1, 2, 2)
	npy("gpu/fc/dydiff.npy", fc, 2, 3, 2, 1, 2, 2)
	roll := fc[:3*2*4] // [frames 3, members 2, 1, 2, 2]
	npy("go/roll/guided.npy", roll, 3, 2, 1, 2, 2)
	npy("gpu/roll/guided.npy", roll, 3, 2, 1, 2, 2)
	report := func() (verdict string, failed []string) {
		out := t.TempDir()
		cmd := exec.Command(py, script, "--work", work, "--out", out)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v: %s", err, b)
		}
		raw, err := os.ReadFile(filepath.Join(out, "gpu-check.json"))
		if err != nil {
			t.Fatal(err)
		}
		var s struct {
			Verdict string `json:"verdict"`
			Checks  []struct {
				Check string `json:"check"`
				OK    *bool  `json:"ok"`
			} `json:"checks"`
		}
		if err := json.Unmarshal(raw, &s); err != nil {
			t.Fatal(err)
		}
		for _, c := range s.Checks {
			if c.OK != nil && !*c.OK {
				failed = append(failed, c.Check)
			}
		}
		if _, err := os.Stat(filepath.Join(out, "gpu-check.md")); err != nil {
			t.Error(err)
		}
		return s.Verdict, failed
	}
	if v, failed := report(); v != "pass" || len(failed) > 0 {
		t.Fatalf("equal outputs: verdict %q, failed %v", v, failed)
	}
	off := append([]float32(nil), fc...)
	for i := range off {
		off[i] += 0.5
	}
	npy("gpu/fc/dydiff.npy", off, 2, 3, 2, 1, 2, 2)
	write("gpu/runs/idm/stats.jsonl", curve(2))
	v, failed := report()
	if v != "fail" || len(failed) != 2 || !strings.Contains(failed[0], "train idm") || !strings.Contains(failed[1], "forecast") {
		t.Errorf("a forecast off by 0.5 and a doubled loss: verdict %q, failed %v", v, failed)
	}
}
