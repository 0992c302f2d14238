package imagerun

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/backend"
	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/guided"
)

// tinyRollout are `tidal rollout`'s options with the paper's sampler cut to 3 steps.
func tinyRollout(idm, disc, init, out string) RolloutOptions {
	s := guided.RolloutSettings{Sampler: guided.DefaultSamplerOptions(), Frames: 2, Members: 2, Lead: 2, Seed: 7}
	s.Sampler.Grid.Steps = 3
	return RolloutOptions{IDM: idm, Disc: disc, Init: init, Out: out, RolloutSettings: s}
}

// library samples what the job samples, straight from package guided: the ensemble of the cases (the
// forecast mode) or a rollout to path.
func library(t *testing.T, o RolloutOptions, init *data.Array, path string) *data.Array {
	t.Helper()
	m, disc, err := guided.OpenModels(o.IDM, o.VDM, o.Disc, func(string, ...any) {})
	if err != nil {
		t.Fatal(err)
	}
	be, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	defer be.Finalize()
	gen, err := guided.NewGenerator(be, m, disc, o.Sampler)
	if err != nil {
		t.Fatal(err)
	}
	defer gen.Close()
	if o.Cases == 0 {
		if _, err := gen.Rollout(context.Background(), init, guided.RolloutOptions{Path: path, Frames: o.Frames, Members: o.Members, Seed: o.Seed}); err != nil {
			t.Fatal(err)
		}
		a, err := data.ReadNPY(path)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	cases, err := o.ForecastCases(init.Shape[0], "init")
	if err != nil {
		t.Fatal(err)
	}
	fc, err := gen.Ensemble(context.Background(), init, guided.ForecastOptions{Cases: cases, Members: o.Members, Seed: o.Seed})
	if err != nil {
		t.Fatal(err)
	}
	return fc.Ensemble
}

// The forecast mode writes each case's true frames, exactly the frames of --init from the case's start
// (--starts 3,9), and the guided ensemble that package guided samples with the same seed; the rollout
// mode streams the frames that guided.Generator.Rollout streams, and refuses to overwrite them.
func TestRolloutWritesTheModelsFrames(t *testing.T) {
	_, init, idm, disc, series := trainedRuns(t)
	dir := t.TempDir()
	ia, err := data.ReadNPY(init)
	if err != nil {
		t.Fatal(err)
	}
	o := tinyRollout(idm, disc, init, filepath.Join(dir, "fc.npy"))
	o.TruthOut, o.Starts = filepath.Join(dir, "truth.npy"), []int{3, 9}
	line, err := Rollout(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(line, "cases starting at frames [3 9]") {
		t.Errorf("summary %q", line)
	}
	truth, err := data.ReadNPY(o.TruthOut)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{2, 2, 1, 8, 8}; !slices.Equal(truth.Shape, want) {
		t.Fatalf("truth %v: want %v", truth.Shape, want)
	}
	for c, start := range []int{3, 9} {
		if got, want := truth.Float32()[c*128:(c+1)*128], series[start*64:(start+2)*64]; !slices.Equal(got, want) {
			t.Errorf("case %d: the truth is not frames %d and %d of --init", c, start, start+1)
		}
	}
	fc, err := data.ReadNPY(o.Out)
	if err != nil {
		t.Fatal(err)
	}
	o.Cases = 2 // what --starts sets
	if want := library(t, o, ia, ""); !slices.Equal(fc.Shape, want.Shape) || !slices.Equal(fc.Float32(), want.Float32()) {
		t.Errorf("forecast %v differs from package guided's ensemble %v", fc.Shape, want.Shape)
	}
	for _, side := range []string{"fc.json", "truth.json"} {
		if _, err := os.Stat(filepath.Join(dir, side)); err != nil {
			t.Error(err)
		}
	}

	r := tinyRollout(idm, disc, init, filepath.Join(dir, "roll.npy"))
	if _, err := Rollout(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	got, err := data.ReadNPY(r.Out)
	if err != nil {
		t.Fatal(err)
	}
	want := library(t, r, ia, filepath.Join(dir, "lib.npy"))
	if !slices.Equal(got.Shape, []int{2, 2, 1, 8, 8}) || !slices.Equal(got.Float32(), want.Float32()) {
		t.Errorf("rollout %v differs from package guided's %v", got.Shape, want.Shape)
	}
	if _, err := Rollout(context.Background(), r); err == nil || !strings.Contains(err.Error(), "--out "+r.Out+" exists") {
		t.Errorf("a finished rollout again: %v", err)
	}
}

// Bad options are refused naming their flag, before any sampling.
func TestRolloutRefuses(t *testing.T) {
	_, init, idm, disc, _ := trainedRuns(t)
	dir := t.TempDir()
	for _, c := range []struct {
		name, want string
		edit       func(*RolloutOptions)
	}{
		{"no out", "--out is required", func(o *RolloutOptions) { o.Out = "" }},
		{"two models", "give exactly one of --idm", func(o *RolloutOptions) { o.VDM = idm }},
		{"no model", "give exactly one of --idm", func(o *RolloutOptions) { o.IDM = "" }},
		{"truth without cases", "--truth-out needs --cases", func(o *RolloutOptions) { o.TruthOut = filepath.Join(dir, "t.npy") }},
		{"netcdf rollout", "NetCDF is written for forecasts", func(o *RolloutOptions) { o.Out = filepath.Join(dir, "r.nc") }},
		{"format", "--format", func(o *RolloutOptions) { o.OutFormat = "csv" }},
		{"members", "--members", func(o *RolloutOptions) { o.Members = 0 }},
		{"sigmas", "--sigma-max", func(o *RolloutOptions) { o.Sampler.Grid.SigmaMax = o.Sampler.Grid.SigmaMin }},
		{"no init", "--init: " + filepath.Join(dir, "none.npy"), func(o *RolloutOptions) { o.Init = filepath.Join(dir, "none.npy") }},
		{"out over init", "refusing to overwrite an input", func(o *RolloutOptions) { o.Out = init }},
		{"starts too early", "--starts", func(o *RolloutOptions) { o.Starts = []int{1} }},
		{"disk", "a rollout of", func(o *RolloutOptions) { o.Budget.Disk = 100 }},
	} {
		o := tinyRollout(idm, disc, init, filepath.Join(dir, "out.npy"))
		c.edit(&o)
		if _, err := Rollout(context.Background(), o); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v: want an error saying %q", c.name, err, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "out.npy")); err == nil {
		t.Error("a refused rollout wrote --out")
	}
}
