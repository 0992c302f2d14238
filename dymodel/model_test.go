package dymodel

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dataset"
	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
	"github.com/tidal-forecast/tidal/noise"
)

// tinyConfig is a model small enough for unit tests: windows of 2 + 3 frames of 2×8×8.
func tinyConfig() Config {
	return Config{Method: Method, Net: "unet", Context: 2, Predict: 3, Eta: 0.5, Noising: "dependent", Frame: []int{2, 8, 8},
		UNet: UNetConfig{Channels: 8, Mults: []int{1, 2}, Blocks: 1, Heads: 1, Periodic: true, Groups: 4}}
}

// randomModel builds the tiny model and gives its variables random (non-zero) values: the UNet's
// output convolution starts at zero, which would hide the conditioning.
func randomModel(t *testing.T) (*Model, *model.Store) {
	t.Helper()
	return modelWith(t, tinyConfig(), 0.2)
}

// modelWith builds the model of c with its variables drawn uniformly in ±scale (0: every weight zero,
// group-norm scales one).
func modelWith(t *testing.T, c Config, scale float64) (*Model, *model.Store) {
	t.Helper()
	m, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	store := model.NewStore()
	x, _ := noise.Initial(1, 1, 5, 2, 8, 8)
	ctx, _ := noise.Initial(2, 1, 2, 2, 8, 8)
	e, err := model.NewExec(tensortest.Backend(t), store, func(scope *model.Scope, in []*Node) *Node {
		return m.Net(scope, in[0], Const(in[0].Graph(), []float32{10}), in[1:])
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Call(x, ctx); err != nil {
		t.Fatal(err)
	}
	e.Finalize()
	tensortest.RandomizeVariables(t, store, 7, scale)
	return m, store
}

// The network sees, per frame, the context frame (or zeros) and the masks m = [f < P], m1 = [f = P]
// (the reference's "concat-video-mask-1st"): Model.Net equals the bare UNet applied to x and to those
// inputs built on the host, and changing a context frame changes the output.
func TestNetConditioning(t *testing.T) {
	m, store := randomModel(t)
	const B = 2
	x, _ := noise.Initial(3, B, 5, 2, 8, 8)
	ctx, _ := noise.Initial(4, B, 2, 2, 8, 8)
	cv := tensors.MustCopyFlatData[float32](ctx)
	F := 2 * 8 * 8
	frames := make([]float32, B*5*F)
	masks := make([]float32, B*5*2*64)
	for b := range B {
		copy(frames[b*5*F:], cv[b*2*F:(b+1)*2*F]) // frames 0, 1: context; 2..4: zeros
		for f := range 5 {
			for p := range 64 {
				if f < 2 {
					masks[((b*5+f)*2)*64+p] = 1
				}
				if f == 2 {
					masks[((b*5+f)*2+1)*64+p] = 1
				}
			}
		}
	}
	ft := tensors.FromFlatDataAndDimensions(frames, B, 5, 2, 8, 8)
	mt := tensors.FromFlatDataAndDimensions(masks, B, 5, 2, 8, 8)
	run := func(fn func(scope *model.Scope, in []*Node) *Node, args ...any) []float32 {
		e, err := model.NewExec(tensortest.Backend(t), store, fn)
		if err != nil {
			t.Fatal(err)
		}
		defer e.Finalize()
		out, err := e.Call(args...)
		if err != nil {
			t.Fatal(err)
		}
		return tensors.MustCopyFlatData[float32](out[0])
	}
	tt := tensors.FromValue([]float32{100, 700})
	got := run(func(scope *model.Scope, in []*Node) *Node { return m.Net(scope, in[0], in[1], in[2:]) }, x, tt, ctx)
	want := run(func(scope *model.Scope, in []*Node) *Node { return m.unet.Apply(scope, in[0], in[1], in[2:]) }, x, tt, ft, mt)
	tensortest.CheckClose(t, "Net vs UNet on host-built conditioning", got, want, 1e-6)
	if s := maxAbs(got); s < 1e-3 {
		t.Fatalf("output %v: the random weights left it ~0, the comparison is void", s)
	}
	cv2 := slices.Clone(cv)
	cv2[F+5] += 1 // frame 1 of case 0
	other := run(func(scope *model.Scope, in []*Node) *Node { return m.Net(scope, in[0], in[1], in[2:]) },
		x, tt, tensors.FromFlatDataAndDimensions(cv2, B, 2, 2, 8, 8))
	if d := maxAbsDiff(got[:5*F], other[:5*F]); d < 1e-4 {
		t.Errorf("changing a context frame changed the output by %v", d)
	}
	if d := maxAbsDiff(got[5*F:], other[5*F:]); d != 0 {
		t.Errorf("changing case 0's context changed case 1's output by %v", d)
	}
}

// Member m's forecast does not depend on how many members are sampled (its noise is stream m of the
// window's seed), for DDIM and DDPM; other seeds give other forecasts.
func TestWindowMembersIndependentOfEnsembleSize(t *testing.T) {
	m, store := randomModel(t)
	for _, kind := range []string{"ddim", "ddpm"} {
		checkMembers(t, m, store, SamplerOptions{Kind: kind, Steps: 5})
	}
}

// checkMembers samples windows of 2 and 4 members from one context with sampler o: finite values,
// members 0 and 1 the same in both, members 0 and 1 not identical, another seed another window.
func checkMembers(t *testing.T, m *Model, store *model.Store, o SamplerOptions) {
	t.Helper()
	ctx, _ := noise.Initial(5, 1, 2, 2, 8, 8)
	cv := tensors.MustCopyFlatData[float32](ctx)
	f, err := m.NewForecaster(tensortest.Backend(t), store, o)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep := func(n int) []float32 {
		var c []float32
		for range n {
			c = append(c, cv...)
		}
		return c
	}
	two, err := f.Window(rep(2), 2, 9)
	if err != nil {
		t.Fatal(err)
	}
	four, err := f.Window(rep(4), 4, 9)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := f.Window(rep(2), 2, 10)
	for _, v := range four {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t.Fatalf("%s: a window holds %v", o.Kind, v)
		}
	}
	if !slices.Equal(two, four[:len(two)]) {
		t.Errorf("%s: members 0, 1 differ between 2- and 4-member windows", o.Kind)
	}
	if slices.Equal(two, other) {
		t.Errorf("%s: seeds 9 and 10 gave the same window", o.Kind)
	}
	if slices.Equal(two[:len(two)/2], two[len(two)/2:]) {
		t.Errorf("%s: members 0 and 1 are identical", o.Kind)
	}
}

// Ensemble (the rollout driver) against Window called by hand: the first Predict frames of every case
// are Window(context, WindowSeed(seed, b, 0)); the next window is Window on the last Context frames of
// each member's own trajectory with WindowSeed(seed, b, 1); a case's forecast does not depend on the
// other cases.
func TestEnsembleRollsForward(t *testing.T) {
	m, store := randomModel(t)
	f, err := m.NewForecaster(tensortest.Backend(t), store, SamplerOptions{Kind: "ddim", Steps: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	const B, M, P, S, F = 2, 2, 2, 3, 128
	var contexts [][]float32
	for b := range B {
		c, _ := noise.Initial(uint64(20+b), 1, P, 2, 8, 8)
		contexts = append(contexts, tensors.MustCopyFlatData[float32](c))
	}
	const lead = 5
	ens, err := f.Ensemble(context.Background(), contexts, EnsembleOptions{Members: M, Lead: lead, Seed: 3, Work: t.TempDir() + "/r.npy"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ens.Shape, []int{B, M, lead, 2, 8, 8}) {
		t.Fatalf("shape %v", ens.Shape)
	}
	got := ens.Float32()
	at := func(b, mm, l int) []float32 { return got[((b*M+mm)*lead+l)*F : ((b*M+mm)*lead+l+1)*F] }
	for b := range B {
		w0, err := f.Window(slices.Concat(contexts[b], contexts[b]), M, WindowSeed(3, b, 0))
		if err != nil {
			t.Fatal(err)
		}
		var next []float32
		for mm := range M {
			traj := slices.Concat(contexts[b], w0[mm*S*F:(mm+1)*S*F]) // P + S frames
			next = append(next, traj[(P+S-P)*F:]...)
			for l := range S {
				if !slices.Equal(at(b, mm, l), w0[(mm*S+l)*F:(mm*S+l+1)*F]) {
					t.Errorf("case %d member %d lead %d differs from the first window", b, mm, l)
				}
			}
		}
		w1, err := f.Window(next, M, WindowSeed(3, b, 1))
		if err != nil {
			t.Fatal(err)
		}
		for mm := range M {
			for l := S; l < lead; l++ {
				if !slices.Equal(at(b, mm, l), w1[(mm*S+l-S)*F:(mm*S+l-S+1)*F]) {
					t.Errorf("case %d member %d lead %d differs from the second window", b, mm, l)
				}
			}
		}
	}
	one, err := f.Ensemble(context.Background(), contexts[:1], EnsembleOptions{Members: M, Lead: lead, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(one.Float32(), got[:M*lead*F]) {
		t.Error("case 0 alone differs from case 0 of two cases")
	}
}

// Renormalized maps windows normalised with one Norm to another's units: (x·σ₁ + μ₁ − μ₂)/σ₂.
func TestRenormalized(t *testing.T) {
	raw := []float32{1, 2, 3, 4, 10, 20, 30, 40} // two frames of 2 channels × 2 values
	s := dataset.Series{Name: "s", Shape: []int{2, 2, 1, 2}, Data: raw}
	w, _, own, err := dataset.Split([]dataset.Series{s}, dataset.Options{Frames: 2})
	if err != nil {
		t.Fatal(err)
	}
	to := dataset.Norm{Mean: []float64{1, -2}, Std: []float64{2, 4}}
	ts, err := Renormalized{Src: w, From: own, To: to}.Batch(0, 1)
	if err != nil {
		t.Fatal(err)
	}
	got := tensors.MustCopyFlatData[float32](ts[0])
	for i, x := range raw {
		c := (i / 2) % 2
		want := (float64(x) - to.Mean[c]) / to.Std[c]
		if math.Abs(float64(got[i])-want) > 1e-5 {
			t.Errorf("value %d: %v, want %v", i, got[i], want)
		}
	}
}

// Preview scores: members equal to the truth score 0; members all off by d score |d| (fair CRPS of a
// point mass) and the first lead is reported alone.
func TestScorePreviewClosedForm(t *testing.T) {
	truth := []float32{1, 2, 3, 4} // 1 case, 2 leads, 2 values
	same := slices.Concat(truth, truth, truth)
	s, err := scorePreview(same, truth, 1, 3, 2, []int{2})
	if err != nil {
		t.Fatal(err)
	}
	if s["crps"] != 0 || s["crps_lead1"] != 0 {
		t.Errorf("perfect members: %v", s)
	}
	off := []float32{1.5, 2.5, 3, 4, 1.5, 2.5, 3, 4} // lead 1 off by 0.5, lead 2 exact
	if s, err = scorePreview(off, truth, 1, 2, 2, []int{2}); err != nil {
		t.Fatal(err)
	}
	if math.Abs(s["crps_lead1"]-0.5) > 1e-9 || math.Abs(s["crps"]-0.25) > 1e-9 {
		t.Errorf("members off by 0.5 at lead 1: %v, want crps_lead1 0.5, crps 0.25", s)
	}
}

// Parse refuses another method's configuration, naming it, and a bad DyDiff one.
func TestParse(t *testing.T) {
	for raw, want := range map[string]string{
		`{"method":"idm"}`: `"idm" model`,
		`{}`:               "no method",
		`{"method":"dydiff","net":"unet","context":2,"predict":3,"eta":0.5,"noising":"bogus","frame":[1,8,8]}`:                                                                   "noising",
		`{"method":"dydiff","net":"unet","context":2,"predict":3,"eta":0.5,"noising":"dependent","frame":[1,8,8],"unet":{"channels":8,"mults":[1,2],"blocks":1,"head":"bogus"}}`: "head",
	} {
		if _, err := Parse([]byte(raw)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error naming %q", raw, err, want)
		}
	}
	c := tinyConfig()
	if _, err := New(c); err != nil {
		t.Fatal(err)
	}
}

// TestHeadRecorded checks the output head a configuration records: a run recorded before the field
// existed (no "head") has the norm head, GroupNorm → SiLU → conv, whose norm adds 2·8 parameters
// (scale and shift of the last block's 8 channels) to the linear head's network.
func TestHeadRecorded(t *testing.T) {
	params := func(raw string) int {
		t.Helper()
		c, err := Parse([]byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		m, err := New(c)
		if err != nil {
			t.Fatal(err)
		}
		return m.NumParams()
	}
	const base = `{"method":"dydiff","net":"unet","context":2,"predict":3,"eta":0.5,"noising":"dependent","frame":[1,8,8],"unet":{"channels":8,"mults":[1,2],"blocks":1,"groups":4`
	old, norm, linear := params(base+`}}`), params(base+`,"head":"norm"}}`), params(base+`,"head":"linear"}}`)
	if old != norm || norm != linear+2*8 {
		t.Errorf("parameters: no head %d, norm head %d, linear head %d; want the first two equal and 16 more than the third", old, norm, linear)
	}
}

func maxAbs(v []float32) float64 {
	m := 0.0
	for _, x := range v {
		m = math.Max(m, math.Abs(float64(x)))
	}
	return m
}

func maxAbsDiff(a, b []float32) float64 {
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Abs(float64(a[i]-b[i])))
	}
	return m
}

// The video network trains through Loss and forecasts through Window; a changed context frame
// changes every predicted frame (the temporal mixing carries it along the window).
func TestVideoModel(t *testing.T) {
	c := tinyConfig()
	c.Net, c.UNet.TemporalConv, c.UNet.TemporalAttn = "video", []int{0, 1}, []int{1}
	m, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	b := tensortest.Backend(t)
	store := model.NewStore()
	x0, _ := noise.Initial(1, 2, 5, 2, 8, 8)
	tensortest.AdamW(t, b, store.RootScope(), 2, 1e-2, func(scope *model.Scope, in []*Node) *Node { return m.Loss(scope, in) }, x0)
	tensortest.RandomizeVariables(t, store, 3, 0.2)
	checkContextReachesEveryFrame(t, m, b, store)
}

// probeForecaster is m's forecaster with 4 DDIM steps (closed at the test's end) and a context of 2 frames
// of [2, 8, 8] drawn from seed 2: the setting of the checks that a change of input moves the forecast.
func probeForecaster(t *testing.T, m *Model, b compute.Backend, store *model.Store) (*Forecaster, []float32) {
	t.Helper()
	f, err := m.NewForecaster(b, store, SamplerOptions{Kind: "ddim", Steps: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	ctx, _ := noise.Initial(2, 1, 2, 2, 8, 8)
	return f, tensors.MustCopyFlatData[float32](ctx)
}

// checkContextReachesEveryFrame forecasts one window of a model with 2 context frames of [2, 8, 8] by 4
// DDIM steps, changes context frame 0 and requires each of the first 3 predicted frames to move.
func checkContextReachesEveryFrame(t *testing.T, m *Model, b compute.Backend, store *model.Store) {
	t.Helper()
	f, cv := probeForecaster(t, m, b, store)
	w, err := f.Window(cv, 1, 4)
	if err != nil {
		t.Fatal(err)
	}
	cv[3] += 1 // context frame 0
	w2, err := f.Window(cv, 1, 4)
	if err != nil {
		t.Fatal(err)
	}
	F := 128
	for s := range 3 {
		if d := maxAbsDiff(w[s*F:(s+1)*F], w2[s*F:(s+1)*F]); d < 1e-5 {
			t.Errorf("predicted frame %d moved by %v when context frame 0 changed", s, d)
		}
	}
}

// SamplerOptions.ClipX0 reaches DDIM (a tight bound changes the window and bounds it) and is refused by
// DDPM, which has no such option.
func TestClipX0(t *testing.T) {
	m, store := randomModel(t)
	ctx, _ := noise.Initial(4, 2*2*8*8)
	cv := tensors.MustCopyFlatData[float32](ctx)
	window := func(clip float64) []float32 {
		f, err := m.NewForecaster(tensortest.Backend(t), store, SamplerOptions{Kind: "ddim", Steps: 10, ClipX0: clip})
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		w, err := f.Window(cv, 1, 3)
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	plain, clipped := window(0), window(0.01)
	if d := maxAbsDiff(plain, clipped); d < 1e-3 {
		t.Errorf("ClipX0 0.01 changed the window by %v", d)
	}
	if s := maxAbs(clipped); s > 0.01+1e-6 {
		t.Errorf("ClipX0 0.01: window reaches %v", s)
	}
	if _, err := m.NewForecaster(tensortest.Backend(t), store, SamplerOptions{Kind: "ddpm", ClipX0: 3}); err == nil {
		t.Error("DDPM accepted ClipX0")
	}
}

// Contexts normalises each channel of multi-channel frames with its own statistics: with two channels
// of different means and standard deviations, value i of case b, context frame p and channel c comes
// back as (x − Mean[c])/Std[c]. A wrong channel stride (channels taken per value, per frame or from
// the case's frame count) normalises values with the other channel's statistics and fails.
func TestContextsNormalisesEachChannel(t *testing.T) {
	m, err := New(tinyConfig()) // frames [2, 8, 8], 2 context frames
	if err != nil {
		t.Fatal(err)
	}
	const B, P, C, I = 3, 2, 2, 64
	norm := dataset.Norm{Mean: []float64{10, -3}, Std: []float64{2, 0.5}}
	v := make([]float32, B*P*C*I)
	for i := range v {
		v[i] = float32(i%7) - 2
	}
	got := m.Contexts(data.FromFloat32(slices.Clone(v), B, P, C, 8, 8), norm)
	if len(got) != B {
		t.Fatalf("%d cases, want %d", len(got), B)
	}
	for b := range B {
		if len(got[b]) != P*C*I {
			t.Fatalf("case %d: %d values, want %d", b, len(got[b]), P*C*I)
		}
		for p := range P {
			for c := range C {
				for i := range I {
					k := (p*C+c)*I + i
					x := float64(v[b*P*C*I+k])
					want := (x - norm.Mean[c]) / norm.Std[c]
					if math.Abs(float64(got[b][k])-want) > 1e-5 {
						t.Fatalf("case %d, frame %d, channel %d, value %d: %v, want (%v − %v)/%v = %v",
							b, p, c, i, got[b][k], x, norm.Mean[c], norm.Std[c], want)
					}
				}
			}
		}
	}
}
