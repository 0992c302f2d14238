package guided

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/diffusion"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/guidance"
	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
	"github.com/tidal-forecast/tidal/noise"
)

// dyModel is a DyDiff model of windows 2 + 2 frames of the test runs' 1×8×8 waves, with random weights
// (the UNet's output convolution starts at zero, which would make every noise prediction 0).
func dyModel(t *testing.T, b compute.Backend) (*dymodel.Model, *model.Store) {
	t.Helper()
	m, err := dymodel.New(dymodel.Config{Method: dymodel.Method, Net: "unet", Context: 2, Predict: 2, Eta: 0.5, Noising: "dependent",
		Frame: []int{1, 8, 8}, UNet: dymodel.UNetConfig{Channels: 8, Mults: []int{1, 2}, Blocks: 1, Heads: 1, Periodic: true, Groups: 4}})
	if err != nil {
		t.Fatal(err)
	}
	store := model.NewStore()
	x, _ := noise.Initial(1, 1, 4, 1, 8, 8)
	ctx, _ := noise.Initial(2, 1, 2, 1, 8, 8)
	e, err := model.NewExec(b, store, func(scope *model.Scope, in []*Node) *Node {
		return m.Net(scope, in[0], Const(in[0].Graph(), []float32{10}), in[1:])
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Call(x, ctx); err != nil {
		t.Fatal(err)
	}
	e.Finalize()
	tensortest.RandomizeVariables(t, store, 7, 0.2)
	return m, store
}

// TestDyDiffGuideJudgesEachPredictedFrame: the guide of a window 2 + 2 is the discriminator's logit of
// predicted frame 2 given observed frames 1 and 0, plus that of predicted frame 3 given the estimate
// x̂₀ of frame 2 and observed frame 1, each at the window's σ (the discriminator called directly).
func TestDyDiffGuideJudgesEachPredictedFrame(t *testing.T) {
	_, _, discRun, _ := trainedRuns(t)
	disc := load(t, discRun, KindDiscriminator)
	store := model.NewStore()
	guide, err := DyDiffGuide(store, disc, "the test model", []int{1, 8, 8}, disc.Norm, 2)
	if err != nil {
		t.Fatal(err)
	}
	d, err := guidance.New(*disc.Config.Disc)
	if err != nil {
		t.Fatal(err)
	}
	xe, x0, ctx := tensortest.Uniform(1, 3, 4, 1, 8, 8), tensortest.Uniform(2, 3, 4, 1, 8, 8), tensortest.Uniform(3, 3, 2, 1, 8, 8)
	sigma := tensors.FromFlatDataAndDimensions([]float32{0.3, 2, 11}, 3)
	exec, err := model.NewExec(testBackend(t), store, func(scope *model.Scope, in []*Node) []*Node {
		xe, sigma, x0, ctx := in[0], in[1], in[2], in[3]
		frame := func(w *Node, f int) *Node { return Reshape(SliceAxis(w, 1, AxisRange(f, f+1)), 3, 1, 8, 8) }
		direct := Add(d.Logit(diffusion.Fresh(scope).In("guide"), frame(xe, 2), sigma, []*Node{frame(ctx, 1), frame(ctx, 0)}),
			d.Logit(diffusion.Fresh(scope).In("guide"), frame(xe, 3), sigma, []*Node{frame(x0, 2), frame(ctx, 1)}))
		return []*Node{guide(diffusion.Fresh(scope), xe, sigma, x0, []*Node{ctx}), direct}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer exec.Finalize()
	out, err := exec.Call(xe, sigma, x0, ctx)
	if err != nil {
		t.Fatal(err)
	}
	got, want := tensors.MustCopyFlatData[float32](out[0]), tensors.MustCopyFlatData[float32](out[1])
	tensortest.CheckClose(t, "guide", got, want, 1e-6)
	if want[0] == want[1] {
		t.Errorf("the logits do not depend on the input: %v", want)
	}
}

// TestDyDiffGuideRefuses: a discriminator of other fields, or windows with fewer than two observed
// frames, are refused with the reason.
func TestDyDiffGuideRefuses(t *testing.T) {
	_, _, discRun, _ := trainedRuns(t)
	disc := load(t, discRun, KindDiscriminator)
	for _, c := range []struct {
		frame   []int
		context int
		want    string
	}{
		{[]int{2, 8, 8}, 2, "1 channels"},
		{[]int{1, 16, 8}, 2, "trained at 8×8"},
		{[]int{1, 8, 8}, 1, "observes 1 frames"},
		{[]int{8}, 2, "fields"},
	} {
		if _, err := DyDiffGuide(model.NewStore(), disc, "m", c.frame, disc.Norm, c.context); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("frame %v context %d: error %v, want one containing %q", c.frame, c.context, err, c.want)
		}
	}
}

// TestGuidedDyDiffForecast runs guided DyDiff end to end with the real networks: a DyDiff UNet and
// the trained discriminator in one store, DDIM through dymodel's forecaster and the rollout driver.
// λ = 0 gives the unguided forecast bit for bit; λ = 14 a different, finite one, the same on a
// second call.
func TestGuidedDyDiffForecast(t *testing.T) {
	_, _, discRun, s := trainedRuns(t)
	disc := load(t, discRun, KindDiscriminator)
	b := testBackend(t)
	m, store := dyModel(t, b)
	guide, err := DyDiffGuide(store, disc, "the test model", m.Config.Frame, disc.Norm, m.Config.Context)
	if err != nil {
		t.Fatal(err)
	}
	contexts := [][]float32{append([]float32(nil), s.Data[20*64:22*64]...), append([]float32(nil), s.Data[30*64:32*64]...)}
	for _, c := range contexts {
		disc.Norm.Normalize(c, 64)
	}
	forecast := func(lambda float64) []float32 {
		o := dymodel.SamplerOptions{Kind: "ddim", Steps: 6}
		if lambda >= 0 {
			o.Guide, o.Lambda = guide, lambda
		}
		f, err := m.NewForecaster(b, store, o)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		ens, err := f.Ensemble(context.Background(), contexts, dymodel.EnsembleOptions{Members: 2, Lead: 3, Seed: 4, Work: t.TempDir() + "/r.npy"})
		if err != nil {
			t.Fatal(err)
		}
		return ens.Float32()
	}
	plain, zero, guided, again := forecast(-1), forecast(0), forecast(14), forecast(14)
	tensortest.CheckClose(t, "λ = 0 against unguided", zero, plain, 0)
	tensortest.CheckClose(t, "guided, second call", again, guided, 0)
	diff := 0.0
	for i, v := range guided {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t.Fatalf("guided forecast value %d is %v", i, v)
		}
		diff = math.Max(diff, math.Abs(float64(v-plain[i])))
	}
	if diff < 1e-3 {
		t.Errorf("λ = 14 changed the forecast by at most %g: the guide has no effect", diff)
	}
}
