package epsbench

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dataset"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
	"github.com/tidal-forecast/tidal/sim/navierstokes"
	"github.com/tidal-forecast/tidal/train"
)

// demoLike writes and reads the demo's turbulence (`tidal data navier-stokes --size 16 --kf 3
// --frames 600 --spinup 3000 --seed 1`): the first 70 % of the frames train, the last 20 % are held
// out (the demo's split 0.7, 0.1, 0.2).
func demoLike(t *testing.T, dir string) (trainS dataset.Series, test []float32, testFrames int) {
	t.Helper()
	o := navierstokes.DefaultDatasetOptions(16)
	o.Kf, o.NuAuto, o.Frames, o.Spinup, o.Seed = 3, true, 600, 3000, 1
	p := filepath.Join(dir, "ns.npy")
	if _, err := navierstokes.WriteDataset(o, p, nil); err != nil {
		t.Fatal(err)
	}
	a, err := data.ReadNPY(p)
	if err != nil {
		t.Fatal(err)
	}
	T, F := a.Shape[0], data.NumElements(a.Shape[1:])
	cut, start := T*7/10, T*8/10
	v := a.Float32()
	trainS = dataset.Series{Name: "demo-like train", Shape: append([]int{cut}, a.Shape[1:]...), Data: v[:cut*F]}
	return trainS, v[start*F:], T - start
}

// bands are the diffusion steps pooled into each reported band of t.
var bands = []struct {
	name  string
	steps []int
}{{"low t (100, 300)", []int{100, 300}}, {"mid t (500, 700)", []int{500, 700}}, {"high t (800, 900, 981)", []int{800, 900, 981}}}

// trainDemoNet trains the demo's DyDiff network (context 2 → predict 4, η 0.5, 16 channels, 8 groups,
// multipliers 1, 2, one block, batch 8, lr 3e-3, EMA half-life 400 windows) with the given output head
// for steps steps, and returns its EMA network's ε rms error per band on 64 held-out windows.
func trainDemoNet(t *testing.T, dir, head string, steps int, trainS dataset.Series, test []float32, testFrames int) []float64 {
	t.Helper()
	b := tensortest.Backend(t)
	mc := dymodel.Config{Method: dymodel.Method, Net: "unet", Context: 2, Predict: 4, Eta: 0.5, Noising: "dependent",
		Frame: trainS.FrameShape(), UNet: dymodel.UNetConfig{Channels: 16, Mults: []int{1, 2}, Blocks: 1, Heads: 1,
			Groups: 8, Periodic: true, Head: head}}
	m, err := dymodel.New(mc)
	if err != nil {
		t.Fatal(err)
	}
	trw, _, norm, err := dataset.Split([]dataset.Series{trainS}, dataset.Options{Frames: mc.Frames(), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	opt := train.Defaults()
	opt.Steps, opt.BatchSize, opt.LR, opt.EMAHalfLife = steps, 8, 3e-3, 400
	opt.LogEvery, opt.CheckpointEvery = steps, steps
	run := filepath.Join(dir, head)
	if _, err := train.Run(context.Background(), train.Job{Dir: run, Options: opt, Config: mc, Norm: norm, Backend: b,
		Loss: m.Loss, Train: trw}); err != nil {
		t.Fatal(err)
	}
	m, snap, err := dymodel.Load(run, nil)
	if err != nil {
		t.Fatal(err)
	}
	v := append([]float32(nil), test...)
	snap.Norm.Normalize(v, m.Inner())
	w, err := Windows(v, testFrames, mc.Frames(), 64, 3)
	if err != nil {
		t.Fatal(err)
	}
	var ts []int
	for _, band := range bands {
		ts = append(ts, band.steps...)
	}
	e, err := ErrorByStep(b, m, snap.Store, w, ts, 4)
	if err != nil {
		t.Fatal(err)
	}
	line := fmt.Sprintf("%s head, %d steps: ε rms", head, steps)
	for i, s := range ts {
		line += fmt.Sprintf("  t=%d %.4f", s, e[i])
	}
	t.Log(line)
	out := make([]float64, len(bands))
	k := 0
	for i, band := range bands {
		var s float64
		for range band.steps {
			s += e[k] * e[k]
			k++
		}
		out[i] = math.Sqrt(s / float64(len(band.steps)))
	}
	return out
}

// goldenLinear is the ε rms error per band of the linear head after 200 steps (TestHighNoiseAccuracy),
// measured on the Go backend with GOMAXPROCS 2.
var goldenLinear = []float64{0.4515, 0.2212, 0.1881}

// TestHighNoiseAccuracy trains the demo's DyDiff network on the demo's turbulence with each output
// head for 200 steps and measures the ε rms error per band of t on held-out windows (docs/RESULTS.md,
// "Network accuracy at high noise"). It pins the default (linear) head's errors to golden values
// (±4 %: the Go backend trains reproducibly, but the batch branches follow GOMAXPROCS and change the
// rounding), so that a change of the network's initialisation, architecture or optimiser shows, and
// checks that at high t (800–981) the linear head's error is at least 10 % below the norm head's (the
// head before the change; measured: 18 % at 200 steps, 16 % at 600), with the low-t error no more
// than 3 % above it. Without -short it repeats the comparison at the demo's 600 steps.
func TestHighNoiseAccuracy(t *testing.T) {
	dir := t.TempDir()
	trainS, test, testFrames := demoLike(t, dir)
	compare := func(steps int) []float64 {
		lin := trainDemoNet(t, filepath.Join(dir, strconv.Itoa(steps)), "linear", steps, trainS, test, testFrames)
		nrm := trainDemoNet(t, filepath.Join(dir, strconv.Itoa(steps)), "norm", steps, trainS, test, testFrames)
		for i, band := range bands {
			t.Logf("%d steps, %s: linear head %.4f, norm head %.4f (%+.0f %%)", steps, band.name, lin[i], nrm[i], 100*(lin[i]/nrm[i]-1))
		}
		if h := len(bands) - 1; lin[h] > 0.9*nrm[h] {
			t.Errorf("%d steps, high t: the linear head's ε rms %.4f is not 10 %% below the norm head's %.4f", steps, lin[h], nrm[h])
		}
		if lin[0] > 1.03*nrm[0] {
			t.Errorf("%d steps, low t: the linear head's ε rms %.4f is more than 3 %% above the norm head's %.4f", steps, lin[0], nrm[0])
		}
		return lin
	}
	if dymodel.DefaultHead != "linear" {
		t.Errorf("dymodel.DefaultHead = %q, want linear", dymodel.DefaultHead)
	}
	got := compare(200)
	for i, band := range bands {
		if math.Abs(got[i]-goldenLinear[i]) > 0.04*goldenLinear[i] {
			t.Errorf("linear head, 200 steps, %s: ε rms %.4f, golden %.4f (±4 %%)", band.name, got[i], goldenLinear[i])
		}
	}
	if !testing.Short() {
		compare(600)
	}
}
