package demo

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/guard"
)

func tiny(out string) Options {
	return Options{Out: out, Seed: 3, Size: 16, Frames: 100, Spinup: 10, Steps: 5, Batch: 2, Width: 4, Members: 2,
		Cases: 2, Lead: 2, Sampling: 2, Rollouts: 10, Lambda: 14, DiscSteps: 5, DiscBatch: 4, DiscPMean: 0, DiscPStd: 1.5}
}

// TestStages: the pipeline runs its commands in dependency order (simulate, the five trainings, the
// baselines, seven forecasts, three rollouts, their scores, the report); every stage that consumes a file
// comes after the stage that writes it, and the seed and sizes reach the commands.
func TestStages(t *testing.T) {
	out := t.TempDir()
	st := Stages(tiny(out))
	var words []string
	written := map[string]int{}
	for i, s := range st {
		words = append(words, strings.Join(s.Args[:s.CommandWords()], " "))
		for _, o := range s.Outputs {
			written[o] = i
		}
	}
	want := []string{"data navier-stokes", "train dydiff", "train dydiff", "train idm", "train vdm", "train discriminator",
		"baseline", "baseline", "forecast", "forecast", "rollout", "rollout", "rollout", "rollout", "rollout", "rollout"}
	for range Forecasts {
		want = append(want, "score")
	}
	want = append(want, "score rollout", "score rollout", "score rollout", "report")
	if !slices.Equal(words, want) {
		t.Fatalf("commands\n%v\nwant\n%v", words, want)
	}
	for i, s := range st {
		for k, a := range s.Args {
			if k > 0 && (s.Args[k-1] == "--obs" || s.Args[k-1] == "--forecast" || s.Args[k-1] == "--data" || s.Args[k-1] == "--truth") {
				if w, ok := written[a]; ok && w >= i {
					t.Errorf("stage %s reads %s, written by a later stage %s", s.Name, a, st[w].Name)
				}
			}
		}
	}
	first := strings.Join(st[0].Args, " ")
	for _, w := range []string{"--seed 3", "--size 16", "--frames 100", "--out " + filepath.Join(out, "ns.npy")} {
		if !strings.Contains(first, w) {
			t.Errorf("simulate stage %q lacks %q", first, w)
		}
	}
	if got := MetaArgs(map[string]string{"b": "2", "a": "1"}); !slices.Equal(got, []string{"--meta", "a=1", "--meta", "b=2"}) {
		t.Errorf("MetaArgs %v", got)
	}
}

// TestChecks: out-of-range sizes are refused naming the flag; a grid that is not a multiple of 4 and a
// test split too short for the cases are refused.
func TestChecks(t *testing.T) {
	o := tiny(t.TempDir())
	if err := o.Check(); err != nil {
		t.Fatal(err)
	}
	if err := o.CheckGrid(); err != nil {
		t.Fatal(err)
	}
	bad := o
	bad.Members = 0
	if err := bad.Check(); err == nil || !strings.Contains(err.Error(), "--members") {
		t.Errorf("--members 0: %v", err)
	}
	bad = o
	bad.Size = 18
	if err := bad.CheckGrid(); err == nil || !strings.Contains(err.Error(), "--size 18") {
		t.Errorf("--size 18: %v", err)
	}
	bad = o
	bad.Frames, bad.Cases = 30, 10 // 6 test frames, 2 + 2 + 10 − 1 = 13 needed
	if err := bad.CheckGrid(); err == nil || !strings.Contains(err.Error(), "at least 65") {
		t.Errorf("too few test frames: %v", err)
	}
	if err := o.CheckMemory(guard.Budget{Memory: 100}); err == nil {
		t.Error("a 100-byte memory budget was accepted")
	}
}

// TestSqueezeRollout: member 0 of [frames, members, C, H, W] is written as [frames, C, H, W].
func TestSqueezeRollout(t *testing.T) {
	path := filepath.Join(t.TempDir(), "roll.npy")
	v := make([]float32, 3*2*1*2*2)
	for i := range v {
		v[i] = float32(i)
	}
	if err := data.WriteNPY(path, data.FromFloat32(v, 3, 2, 1, 2, 2)); err != nil {
		t.Fatal(err)
	}
	if err := SqueezeRollout(path, guard.Budget{Memory: 1 << 20}); err != nil {
		t.Fatal(err)
	}
	a, err := data.ReadNPY(Squeezed(path))
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19}
	if !slices.Equal(a.Shape, []int{3, 1, 2, 2}) || !slices.Equal(a.F32, want) {
		t.Errorf("squeezed %v %v, want [3 1 2 2] %v", a.Shape, a.F32, want)
	}
	if err := data.WriteNPY(path, data.FromFloat32(v, 6, 2, 2)); err != nil {
		t.Fatal(err)
	}
	if err := SqueezeRollout(path, guard.Budget{Memory: 1 << 20}); err == nil {
		t.Error("a rank-3 rollout was accepted")
	}
}
