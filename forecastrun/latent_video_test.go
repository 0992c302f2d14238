package forecastrun

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dataset"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/latent"
	"github.com/tidal-forecast/tidal/sim/pushing"
	"github.com/tidal-forecast/tidal/train"
	"github.com/tidal-forecast/tidal/trainrun"
)

// tinyLatentVideoOptions are `train dydiff`'s options shrunk to a run of seconds (a two-level UNet of
// width 8, windows 2 + 2, 2 steps) in the latent space of the VAE run vae.
func tinyLatentVideoOptions(dataPath, run, vae string, stderr *strings.Builder) trainrun.Options {
	e := dymodel.DefaultEDM()
	return trainrun.Options{Data: dataPath, Run: run, Latent: vae, Noising: "dependent", Param: dymodel.ParamEDM, Anchor: dymodel.AnchorLast,
		EDMOutput: e.Output, SigmaData: e.SigmaData, PMean: e.PMean, PStd: e.PStd, Eta: 0.5, Context: 2, Predict: 2, Stride: 1,
		Channels: 8, Blocks: 1, Heads: 1, Groups: 4, Mults: []int{1, 2}, Head: dymodel.DefaultHead,
		DiT:    trainrun.DiT{Patch: trainrun.DiTDefaultPatch, Hidden: trainrun.DiTDefaultHidden, Depth: trainrun.DiTDefaultDepth},
		Series: cli.SeriesFlags{Missing: "error", Ragged: "error"}, Steps: 2, Batch: 2, LogEvery: 1, CheckpointEvery: 1,
		KeepCheckpoints: 3, ValEvery: 100, ValBatches: 4, PreviewEvery: 100, PreviewCases: 2, PreviewMembers: 2, PreviewSteps: 10,
		Schedule: "constant", LR: 1e-3, WeightDecay: 0.01, EMAHalfLife: 500000, EMARampUp: 0.05, Seed: 1, Stderr: stderr}
}

// trainLatentVideo prepares and trains the latent run of o, returning the summary line.
func trainLatentVideo(t *testing.T, o trainrun.Options) string {
	t.Helper()
	var banner strings.Builder
	o.Stderr = &banner
	r, err := trainrun.Prepare(o)
	if err != nil {
		t.Fatal(err)
	}
	res, err := train.Run(context.Background(), r.Job)
	r.Close()
	if err != nil || res.Step != o.Steps {
		t.Fatalf("trained to step %d (%v): want %d", res.Step, err, o.Steps)
	}
	return banner.String()
}

// readNPY reads an NPY file the test wrote.
func readNPY(t *testing.T, path string) *data.Array {
	t.Helper()
	a, err := data.ReadNPY(path)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// A latent DyDiff run on a video file, end to end: `train vae` on the videos' frames, `train dydiff
// --latent` (every frame encoded once: a resumed run reuses the cached encoding, whose file is not
// rewritten; the file's two action components condition the model, none with --actions none; --val
// videos encoded too), then `forecast` of test videos,
// written as a pixel run's forecast is: [videos, members, lead, 3, H, W] decoded frames, the truth the
// test videos' own frames after the context. Other actions give another forecast; the file's own
// actions given as --actions give the same one.
func TestForecastLatentVideos(t *testing.T) {
	dir := t.TempDir()
	trainPath, testPath := filepath.Join(dir, "train.npz"), filepath.Join(dir, "test.npz")
	if _, err := pushing.WriteFile(pushing.Options{Videos: 3, Frames: 6, Size: 12, Objects: 1, Seed: 1}, trainPath); err != nil {
		t.Fatal(err)
	}
	if _, err := pushing.WriteFile(pushing.Options{Videos: 2, Frames: 6, Size: 12, Objects: 1, Seed: 2}, testPath); err != nil {
		t.Fatal(err)
	}
	test, err := dataset.ReadVideos(data.Reader{}, testPath) // tidal's layout [videos, T, 3, H, W]
	if err != nil {
		t.Fatal(err)
	}
	vae := filepath.Join(dir, "vae")
	vr, err := trainrun.PrepareVAE(trainrun.VAEOptions{Data: trainPath, Run: vae, Channels: 4, Blocks: 1, Groups: 2, LatentChannels: 2,
		Mults: []int{1, 2}, KLWeight: 1e-6, Recon: latent.ReconL1, Encode: latent.EncodeMean, Steps: 2, Batch: 4, LogEvery: 1,
		CheckpointEvery: 1, KeepCheckpoints: 3, LR: 1e-3, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if vr.Trainer.Frames+vr.HeldOut != 18 {
		t.Errorf("VAE on %d + %d frames: want the 3 × 6 frames of the videos", vr.Trainer.Frames, vr.HeldOut)
	}
	_, _, err = vr.Trainer.Run(context.Background())
	vr.Close()
	if err != nil {
		t.Fatal(err)
	}

	run := filepath.Join(dir, "run")
	o := tinyLatentVideoOptions(trainPath, run, vae, nil)
	o.Val = testPath // encoded too, not cached
	if b := trainLatentVideo(t, o); !strings.Contains(b, "encoded 3 videos of 6 frames") || !strings.Contains(b, "2 action components") {
		t.Errorf("summary %q: want 3 videos of 6 frames encoded, 2 action components", b)
	}
	cache := filepath.Join(run, latent.CacheFile)
	st, err := os.Stat(cache)
	if err != nil {
		t.Fatal(err)
	}
	if z := readNPY(t, cache); !slices.Equal(z.Shape, []int{18, 2, 6, 6}) {
		t.Errorf("cached encoding of shape %v: want the 18 frames' latents [18 2 6 6]", z.Shape)
	}
	o.Steps = 3
	if b := trainLatentVideo(t, o); !strings.Contains(b, "the run's cached encoding of 3 videos of 6 frames") {
		t.Errorf("resumed: %q, want the cached encoding", b)
	}
	if st2, err := os.Stat(cache); err != nil || !st2.ModTime().Equal(st.ModTime()) {
		t.Errorf("the cache was rewritten on resuming (%v)", err)
	}
	tm, err := dymodel.Open(run)
	if err != nil {
		t.Fatal(err)
	}
	mc := tm.Model.Config
	tm.Close()
	if link, err := latent.ReadLink(run); err != nil || link == nil || mc.Actions != 2 || len(mc.ActionScale) != 2 || !slices.Equal(mc.Frame, []int{2, 6, 6}) {
		t.Errorf("link %v (%v), model of %d actions scaled by %v on frames %v: want a link, 2 actions, latent frames [2 6 6]", link, err, mc.Actions, mc.ActionScale, mc.Frame)
	}

	// --actions none: the frames alone.
	plain := tinyLatentVideoOptions(trainPath, filepath.Join(dir, "plain"), vae, nil)
	plain.Actions = trainrun.ActionsNone
	if b := trainLatentVideo(t, plain); !strings.Contains(b, "0 action components") {
		t.Errorf("--actions none: %q, want 0 action components", b)
	}
	if pm, err := dymodel.Open(plain.Run); err != nil || pm.Model.Config.Actions != 0 {
		t.Errorf("--actions none: a model of actions (%v)", err)
	} else {
		pm.Close()
	}

	forecastWith := func(actions, out string) *data.Array {
		fo := forecastOptions(run, testPath, filepath.Join(dir, out))
		fo.Members, fo.Steps, fo.Seed, fo.Actions, fo.Quiet = 2, 2, 3, actions, true
		if err := Forecast(fo); err != nil {
			t.Fatal(err)
		}
		return readNPY(t, fo.Out)
	}
	fc := forecastWith("", "fc.npy")
	if !slices.Equal(fc.Shape, []int{2, 2, 2, 3, 12, 12}) {
		t.Fatalf("forecast of shape %v: want [videos 2, members 2, lead 2, 3, 12, 12]", fc.Shape)
	}
	for _, x := range fc.F32 {
		if math.IsNaN(float64(x)) || x < -2 || x > 3 {
			t.Fatalf("decoded value %v: want frames near the videos' [0, 1]", x)
		}
	}
	truth := readNPY(t, filepath.Join(dir, "fc.truth.npy"))
	var want []float32
	fr := test.Frames
	fe := 3 * 12 * 12
	for v := range 2 {
		want = append(want, fr.F32[(v*6+2)*fe:(v*6+4)*fe]...)
	}
	if !slices.Equal(truth.Shape, []int{2, 2, 3, 12, 12}) || !slices.Equal(truth.F32, want) {
		t.Errorf("truth of shape %v: want the test videos' frames 2 and 3 [2 2 3 12 12]", truth.Shape)
	}
	own, other := filepath.Join(dir, "own.npy"), filepath.Join(dir, "other.npy")
	acts := test.Actions.F32
	neg := make([]float32, len(acts))
	for i, a := range acts {
		neg[i] = -a
	}
	for path, a := range map[string][]float32{own: acts, other: neg} {
		if err := data.WriteNPY(path, data.FromFloat32(a, test.Actions.Shape...)); err != nil {
			t.Fatal(err)
		}
	}
	if same := forecastWith(own, "fc-own.npy"); !slices.Equal(same.F32, fc.F32) {
		t.Error("the file's own actions given as --actions changed the forecast")
	}
	if changed := forecastWith(other, "fc-other.npy"); slices.Equal(changed.F32, fc.F32) {
		t.Error("the opposite actions left the forecast as it was")
	}
}
