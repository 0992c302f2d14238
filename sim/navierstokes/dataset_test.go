package navierstokes

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
)

// TestWriteDataset writes a small run with velocity and checks the file against a solver run by hand:
// shape, channel order, frame times, per-frame energy and enstrophy, and that u, v in the file have the
// energy the sidecar reports.
func TestWriteDataset(t *testing.T) {
	o := DefaultDatasetOptions(32)
	o.Frames, o.Spinup, o.SaveEvery, o.Velocity, o.Seed, o.NuAuto = 5, 50, 3, true, 9, true
	out := filepath.Join(t.TempDir(), "ns.npy")
	calls := 0
	if _, err := WriteDataset(o, out, func(done, total int) {
		calls++
		if total != 50+4*3 || done != calls {
			t.Fatalf("progress %d/%d at call %d", done, total, calls)
		}
	}); err != nil {
		t.Fatal(err)
	}
	a, err := data.ReadNPY(out)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a.Shape, []int{5, 3, 32, 32}) {
		t.Fatalf("shape %v", a.Shape)
	}
	var side Sidecar
	b, _ := os.ReadFile(strings.TrimSuffix(out, ".npy") + ".json")
	if err := json.Unmarshal(b, &side); err != nil {
		t.Fatal(err)
	}
	if side.Params.Nu != AutoNu(32, 2) || !side.Params.NuAuto || side.Params.Seed != 9 || side.Part.Name != "all" ||
		!reflect.DeepEqual(side.Channels, []string{"zeta", "u", "v"}) || len(side.Energy) != 5 {
		t.Fatalf("sidecar %s", b)
	}
	// The same run by hand.
	s := mustSolver(t, o.Params)
	for i := 0; i < o.TotalSteps(); i++ {
		s.Step()
	}
	last := a.Float64()[4*3*32*32:]
	zeta := s.Vorticity(nil)
	u, v := s.Velocity(nil, nil)
	for i := range zeta {
		if math.Abs(last[i]-zeta[i]) > 1e-5*math.Max(1, math.Abs(zeta[i])) ||
			math.Abs(last[1024+i]-u[i]) > 1e-5 || math.Abs(last[2048+i]-v[i]) > 1e-5 {
			t.Fatalf("last frame differs from the hand run at %d", i)
		}
	}
	if got, want := side.Time[4], s.Time(); math.Abs(got-want) > 1e-12 {
		t.Errorf("last frame time %g, want %g", got, want)
	}
	if got := side.Time[1] - side.Time[0]; math.Abs(got-side.FrameDt) > 1e-12 || side.FrameDt != 0.015 {
		t.Errorf("frame spacing %g, frame_dt %g, want 0.015", got, side.FrameDt)
	}
	var e float64
	for i := range u {
		e += (float64(last[1024+i])*float64(last[1024+i]) + float64(last[2048+i])*float64(last[2048+i])) / 2 / 1024
	}
	if math.Abs(e/side.Energy[4]-1) > 1e-5 || side.Energy[4] != s.Energy() || side.Enstrophy[4] != s.Enstrophy() {
		t.Errorf("energy of the file's (u, v) %g, sidecar %g, solver %g", e, side.Energy[4], s.Energy())
	}
}

// TestWriteDatasetSplit: a split run writes three contiguous parts that together equal the unsplit run.
func TestWriteDatasetSplit(t *testing.T) {
	dir := t.TempDir()
	o := DefaultDatasetOptions(24)
	o.Frames, o.Spinup = 10, 20
	if _, err := WriteDataset(o, filepath.Join(dir, "all.npy"), nil); err != nil {
		t.Fatal(err)
	}
	o.Split = []float64{0.6, 0.2, 0.2}
	if _, err := WriteDataset(o, filepath.Join(dir, "s.npy"), nil); err != nil {
		t.Fatal(err)
	}
	all, _ := data.ReadNPY(filepath.Join(dir, "all.npy"))
	var joined []float32
	for _, name := range []string{"train", "val", "test"} {
		a, err := data.ReadNPY(filepath.Join(dir, "s_"+name+".npy"))
		if err != nil {
			t.Fatal(err)
		}
		joined = append(joined, a.F32...)
		if _, err := os.Stat(filepath.Join(dir, "s_"+name+".json")); err != nil {
			t.Fatal(err)
		}
	}
	if !reflect.DeepEqual(joined, all.F32) {
		t.Fatal("the split parts do not join up to the unsplit run")
	}
}

// TestBadOptionsWriteNothing: every bad option gives an error that names it, before any file appears.
func TestBadOptionsWriteNothing(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "ns.npy")
	cases := []struct {
		want string
		edit func(o *DatasetOptions)
		out  string
	}{
		{"grid size", func(o *DatasetOptions) { o.N = 33 }, out},
		{"time step", func(o *DatasetOptions) { o.Dt = -0.01 }, out},
		{"viscosity", func(o *DatasetOptions) { o.NuAuto, o.Nu = false, -1 }, out},
		{"frames", func(o *DatasetOptions) { o.Frames = 0 }, out},
		{"save-every", func(o *DatasetOptions) { o.SaveEvery = 0 }, out},
		{"spin-up", func(o *DatasetOptions) { o.Spinup = -1 }, out},
		{"drag", func(o *DatasetOptions) { o.Mu = math.NaN() }, out},
		{"forcing wavenumber", func(o *DatasetOptions) { o.Kf = 40 }, out},
		{"injection rate", func(o *DatasetOptions) { o.Eps = -1 }, out},
		{"does not exist", func(o *DatasetOptions) {}, filepath.Join(dir, "no", "ns.npy")},
		{".npy", func(o *DatasetOptions) {}, filepath.Join(dir, "ns.dat")},
		{"empty", func(o *DatasetOptions) { o.Frames, o.Split = 2, []float64{0.5, 0.25, 0.25} }, out},
	}
	for _, c := range cases {
		o := DefaultDatasetOptions(32)
		o.Frames, o.Spinup = 2, 1
		c.edit(&o)
		_, err := WriteDataset(o, c.out, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got error %v", c.want, err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("bad runs left files: %v", entries)
	}
}
