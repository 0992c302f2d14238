package dymodel_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
	"github.com/tidal-forecast/tidal/sim/pushing"
)

// pushVideos are plain 16×16 pushing videos without objects (the pusher alone, radius 0.15, steps up
// to 0.08 table units: 1.3 pixels) as the models train on them: frames [videos, T, 3, 16, 16] and
// actions [videos, T − 1, 2].
func pushVideos(t *testing.T, videos, T int, seed uint64) (*data.Array, *data.Array) {
	t.Helper()
	v, err := pushing.Generate(pushing.Options{Videos: videos, Frames: T, Size: 16, Plain: true, Seed: seed, PusherRadius: 0.15, MaxStep: 0.08})
	if err != nil {
		t.Fatal(err)
	}
	return data.FromFloat32(pushing.CHW(v.Frames, videos*T, 16), videos, T, 3, 16, 16), data.FromFloat32(v.Actions, v.ActionShape...)
}

// TestForecastsFollowActions is the acceptance test of action conditioning: a small DyDiff trained on
// pushing videos (the pusher alone on a plain table) forecasts the same context frame with two action
// sequences, three steps left and three steps right, and the pusher's centroid in the decoded frames
// (its red pixels, pushing.RedCentroidCHW) moves the commanded way in each, at every frame by at least
// 40 % of the commanded 1.28 pixels per step (55 % after the third step), and less than a pixel
// vertically. About 40 s of CPU.
func TestForecastsFollowActions(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a model for about a minute")
	}
	checkFollowsActions(t, func(c *dymodel.Config) {
		c.UNet.Channels, c.UNet.Mults, c.UNet.Blocks, c.UNet.Groups = 16, []int{1, 2}, 1, 8
	}, 500, 4e-3, [3]float64{0.4, 0.4, 0.55}) // measured 0.54 to 0.75 (docs/VIDEO.md)
}

// checkFollowsActions trains the model that configure sets up (context 1, predict 3, EDM with
// P_mean 0.8) for steps steps at learning rate lr on 48 pushing videos of 12 frames, forecasts the
// pusher at the table's centre pushed three steps left and three right (4 members, 10 sampler steps),
// and checks that after l+1 steps the members' mean red centroid moved the commanded way by at least
// least[l] of the commanded displacement, and less than a pixel vertically.
func checkFollowsActions(t *testing.T, configure func(*dymodel.Config), steps int, lr float64, least [3]float64) {
	t.Helper()
	frames, acts := pushVideos(t, 48, 12, 1)
	spec := dymodel.TrainSpec{Data: frames, Actions: acts, Dir: filepath.Join(t.TempDir(), "run"), Config: dymodel.DefaultConfig(),
		Options: dymodel.DefaultTrainOptions(), Backend: tensortest.Backend(t)}
	c := &spec.Config
	c.Context, c.Predict, c.UNet.Periodic = 1, 3, false
	configure(c)
	// EDM's default noise levels, ln σ ~ N(−1.2, 1.2²), are mostly so low that the noisy frames show
	// where the pusher went without the actions; the actions decide it at high noise (docs/VIDEO.md).
	c.EDM.PMean = 0.8
	spec.Options.Steps, spec.Options.BatchSize, spec.Options.LR = steps, 16, lr
	spec.Options.CheckpointEvery, spec.Options.LogEvery = steps, 50
	if testing.Verbose() {
		spec.Log = os.Stderr
	}
	start := time.Now()
	tm, err := dymodel.Train(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	defer tm.Close()
	if tm.Model.Config.Actions != 2 {
		t.Fatalf("the model records %d action components, want 2", tm.Model.Config.Actions)
	}
	t.Logf("%s: trained %d steps in %v", tm.Model.Config.Net, tm.Step(), time.Since(start))
	// One context frame: the pusher at the table's centre; the observed series also holds the three
	// frames a push left would show (the forecast's truth, unused here).
	s := &pushing.Scene{TableColour: [3]float64{0.55, 0.55, 0.55}, PusherColour: pushing.PusherColour, MaxStep: 0.08,
		Pusher: pushing.Body{Kind: pushing.Disc, X: 0.5, Y: 0.5, R: 0.15}}
	img := make([]float32, 4*16*16*3)
	for f := range 4 {
		if f > 0 {
			s.Step(-0.08, 0)
		}
		if err := s.Render(16, img[f*768:(f+1)*768]); err != nil {
			t.Fatal(err)
		}
	}
	observed := data.FromFloat32(pushing.CHW(img, 4, 16), 4, 3, 16, 16)
	x0, y0 := pushing.RedCentroidCHW(observed.F32[:768], 16)
	for _, dir := range []float64{-1, 1} {
		rows := make([]float32, 3*2)
		for r := range 3 {
			rows[2*r] = float32(0.08 * dir)
		}
		fc, err := tm.Forecast(context.Background(), observed, dymodel.ForecastOptions{Starts: []int{1}, Members: 4, Seed: 3,
			Sampler: dymodel.SamplerOptions{Steps: 10}, Actions: data.FromFloat32(rows, 3, 2)})
		if err != nil {
			t.Fatal(err)
		}
		ens := fc.Ensemble.Float32() // [1, 4, 3, 3, 16, 16]
		for l := range 3 {
			var mx, my float64
			for m := range 4 {
				x, y := pushing.RedCentroidCHW(ens[(m*3+l)*768:(m*3+l+1)*768], 16)
				mx, my = mx+x/4, my+y/4
			}
			want := 16 * 0.08 * dir * float64(l+1)
			t.Logf("push %+.0f, frame %d: centroid moved (%+.2f, %+.2f) px, commanded %+.2f", dir, l+1, mx-x0, my-y0, want)
			if math.IsNaN(mx) || (mx-x0)*dir < least[l]*math.Abs(want) || math.Abs(my-y0) > 1 {
				t.Errorf("push %+.0f: after %d steps the pusher's centroid moved (%+.2f, %+.2f) px; commanded (%+.2f, 0)", dir, l+1, mx-x0, my-y0, want)
			}
		}
	}
}

// TestDiTForecastsFollowActions is TestForecastsFollowActions with the "dit" network (patch 4: 16
// tokens a 16×16 frame, hidden 32, depth 2, 1 head; the same 500 steps at learning rate 4e-3). It
// follows the commands less far than the UNet: measured 0.28 to 0.51 of the commanded displacement
// after one step, 0.39 to 0.43 after two, 0.31 to 0.32 after three (the UNet 0.66 to 0.81; hidden 64
// gave 0.32 to 0.59 at twice the cost), so the bars are 0.2, 0.3 and 0.25. About 35 s of CPU.
func TestDiTForecastsFollowActions(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a model for about a minute")
	}
	checkFollowsActions(t, func(c *dymodel.Config) {
		c.Net, c.UNet, c.DiT = "dit", dymodel.UNetConfig{}, &dymodel.DiTConfig{Patch: 4, Hidden: 32, Depth: 2}
	}, 500, 4e-3, [3]float64{0.2, 0.3, 0.25})
}
