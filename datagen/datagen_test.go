package datagen

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/sim/navierstokes"
	"github.com/tidal-forecast/tidal/sim/waves"
)

// tinyTurbulence are `tidal data navier-stokes`'s defaults on a 16² grid, 3 frames after 20 steps, with
// the velocity.
func tinyTurbulence(out string) NavierStokesOptions {
	o := NavierStokesOptions{DatasetOptions: navierstokes.DefaultDatasetOptions(navierstokes.PaperN), Out: out, Nu: "auto"}
	o.N, o.Frames, o.Spinup, o.SaveEvery, o.Kf, o.Velocity, o.Seed = 16, 3, 20, 5, 3, true, 2
	return o
}

// The turbulence file holds ζ, u, v per frame, and its sidecar's energy ½⟨u²+v²⟩ and enstrophy ½⟨ζ²⟩ per
// frame are those of the frames (summed here in float64 from the float32 file).
func TestNavierStokesFramesMatchTheirSidecar(t *testing.T) {
	dir := t.TempDir()
	var w bytes.Buffer
	o := tinyTurbulence(filepath.Join(dir, "ns.npy"))
	o.Stdout = &w
	sum, err := NavierStokes(o)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(w.String(), "wrote "+o.Out+" (3 frames)") || sum.Steps != 30 {
		t.Errorf("%d steps, printed %q", sum.Steps, w.String())
	}
	a, err := data.ReadNPY(o.Out)
	if err != nil {
		t.Fatal(err)
	}
	js, err := os.ReadFile(filepath.Join(dir, "ns.json"))
	if err != nil {
		t.Fatal(err)
	}
	var side struct{ Energy, Enstrophy []float64 }
	if err := json.Unmarshal(js, &side); err != nil || len(side.Energy) != 3 || len(side.Enstrophy) != 3 {
		t.Fatalf("sidecar energy %v, enstrophy %v (%v): want 3 each", side.Energy, side.Enstrophy, err)
	}
	const P = 16 * 16
	v := a.Float64()
	for f := range 3 {
		var e, z float64
		for p := range P {
			zeta, u, vv := v[(f*3)*P+p], v[(f*3+1)*P+p], v[(f*3+2)*P+p]
			e += (u*u + vv*vv) / (2 * P)
			z += zeta * zeta / (2 * P)
		}
		if math.Abs(e-side.Energy[f]) > 1e-5*side.Energy[f] || math.Abs(z-side.Enstrophy[f]) > 1e-5*side.Enstrophy[f] {
			t.Errorf("frame %d: energy %g and enstrophy %g of the frames, the sidecar says %g and %g", f, e, z, side.Energy[f], side.Enstrophy[f])
		}
		if !(e > 0) {
			t.Errorf("frame %d: no energy", f)
		}
	}
}

// Bad options are refused naming their flag, and nothing is written.
func TestNavierStokesRefuses(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name, want string
		edit       func(*NavierStokesOptions)
	}{
		{"no out", "--out FILE.npy is required", func(o *NavierStokesOptions) { o.Out = "" }},
		{"nu", "--nu", func(o *NavierStokesOptions) { o.Nu = "thick" }},
		{"split", "--split:", func(o *NavierStokesOptions) { o.Split = "0.5,0.6,0.1" }},
		{"format", "--format npy", func(o *NavierStokesOptions) { o.Out, o.OutFormat = filepath.Join(dir, "ns.nc"), "npy" }},
		{"size", "--size", func(o *NavierStokesOptions) { o.N = 15 }},
		{"frames", "--frames", func(o *NavierStokesOptions) { o.Frames = 0 }},
	} {
		o := tinyTurbulence(filepath.Join(dir, "ns.npy"))
		c.edit(&o)
		if _, err := NavierStokes(o); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v: want an error saying %q", c.name, err, c.want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("refused runs left %d files", len(entries))
	}
}

// tinyWaves are three waves in each of two channels on an 8² grid, 10 frames split 0.6,0.2,0.2.
func tinyWaves(out string) WavesOptions {
	o := WavesOptions{Options: waves.DefaultOptions(), Out: out, Split: "0.6,0.2,0.2"}
	o.N, o.Frames, o.Channels, o.Waves, o.KMax, o.Seed = 8, 10, 2, 3, 2, 5
	return o
}

// Each part of the waves dataset holds Σ_j a sin(k_j·x − ω_j t + φ_j) at the grid points x = 2π(x, y)/N
// and the times its sidecar lists, evaluated here from the sidecar's waves.
func TestWavesAreTheirFormula(t *testing.T) {
	dir := t.TempDir()
	var w bytes.Buffer
	o := tinyWaves(filepath.Join(dir, "waves.npy"))
	o.Stdout = &w
	if err := Waves(o); err != nil {
		t.Fatal(err)
	}
	frames := 0
	for _, part := range []string{"train", "val", "test"} {
		a, err := data.ReadNPY(filepath.Join(dir, "waves_"+part+".npy"))
		if err != nil {
			t.Fatal(err)
		}
		js, err := os.ReadFile(filepath.Join(dir, "waves_"+part+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var side waves.Sidecar
		if err := json.Unmarshal(js, &side); err != nil || len(side.Waves) != 6 || len(side.Time) != a.Shape[0] {
			t.Fatalf("%s: %d waves, %d times for %v (%v)", part, len(side.Waves), len(side.Time), a.Shape, err)
		}
		frames += a.Shape[0]
		v := a.Float64()
		for f, tt := range side.Time {
			for c := range 2 {
				for y := range 8 {
					for x := range 8 {
						var want float64
						for _, wv := range side.Waves {
							if wv.Channel == c {
								want += wv.Amplitude * math.Sin(2*math.Pi*float64(wv.Kx*x+wv.Ky*y)/8-wv.Omega*tt+wv.Phase)
							}
						}
						if got := v[((f*2+c)*8+y)*8+x]; math.Abs(got-want) > 1e-5 {
							t.Fatalf("%s frame %d channel %d (%d, %d): %v, want %v", part, f, c, x, y, got, want)
						}
					}
				}
			}
		}
	}
	if frames != 10 || strings.Count(w.String(), "wrote ") != 3 {
		t.Errorf("%d frames in the parts, printed %q", frames, w.String())
	}
	if err := Waves(tinyWaves("")); err == nil || !strings.Contains(err.Error(), "--out FILE.npy is required") {
		t.Errorf("no --out: %v", err)
	}
	bad := tinyWaves(filepath.Join(dir, "bad.npy"))
	bad.Split = "0.5,0.5"
	if err := Waves(bad); err == nil || !strings.Contains(err.Error(), "--split:") {
		t.Errorf("--split 0.5,0.5: %v", err)
	}
	bad = tinyWaves(filepath.Join(dir, "bad.npy"))
	bad.N = 0
	if err := Waves(bad); err == nil || !strings.Contains(err.Error(), "--size") {
		t.Errorf("--size 0: %v", err)
	}
}
