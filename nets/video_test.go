package nets

import (
	"math"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/tidal-forecast/tidal/dydiff"
	"github.com/tidal-forecast/tidal/nn"
)

// smallVideoConfig is a video network small enough for quick tests with every kind of temporal
// block: two levels, temporal convolutions at both, spatial attention at level 0 and in the middle
// (level 1), temporal attention in the middle, two heads.
func smallVideoConfig() VideoConfig {
	return VideoConfig{
		DataChannels:       2,
		UNet:               Config{Channels: 8, Mults: []int{1, 2}, Blocks: 1, AttnLevels: []int{0}, Heads: 2, Groups: 4},
		TemporalConvLevels: []int{0, 1},
		TemporalAttnLevels: []int{1},
	}
}

func mustNewVideo(t testing.TB, c VideoConfig) *VideoUNet {
	t.Helper()
	v, err := NewVideo(c)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// The windows of the tests: B windows of L frames (P of them context), C channels, H×W pixels.
const vB, vL, vP, vH, vW = 2, 4, 2, 8, 8

// runVideo runs v on the window xt [B, L, C, H, W] with context [B, P, C, H, W] (flat values) and
// the variables of store, and returns the output.
func runVideo(t testing.TB, store *model.Store, v *VideoUNet, xt, context []float32) []float64 {
	t.Helper()
	C := v.Config().DataChannels
	out, _ := runNet(t, store, v.Apply, nil, tensors.FromFlatDataAndDimensions(xt, vB, vL, C, vH, vW), noiseLevels(vB),
		tensors.FromFlatDataAndDimensions(context, vB, vP, C, vH, vW))
	return flat(out)
}

// TestVideoInputChannels checks the spec §5 channel layout of VideoInput on a window of 3 frames with
// 1 context frame: [x_t | context or 0 | mask | first-predicted flag] per frame.
func TestVideoInputChannels(t *testing.T) {
	const B, L, P, C, H, W = 1, 3, 1, 1, 1, 2
	xt := []float32{1, 2, 3, 4, 5, 6}
	ctx := []float32{7, 8}
	out := runGraphOf(t, func(in []*Node) *Node { return VideoInput(in[0], in[1]) },
		tensors.FromFlatDataAndDimensions(xt, B, L, C, H, W), tensors.FromFlatDataAndDimensions(ctx, B, P, C, H, W))
	want := []float64{
		1, 2, 7, 8, 1, 1, 0, 0, // frame 0: context
		3, 4, 0, 0, 0, 0, 1, 1, // frame 1: the first predicted frame
		5, 6, 0, 0, 0, 0, 0, 0, // frame 2
	}
	if e := relErr(out, want); e != 0 {
		t.Errorf("VideoInput = %v, want %v", out, want)
	}
	noCtx := runGraphOf(t, func(in []*Node) *Node { return VideoInput(in[0], nil) }, tensors.FromFlatDataAndDimensions(xt, B, L, C, H, W))
	if noCtx[6] != 1 || noCtx[7] != 1 || noCtx[4] != 0 || noCtx[14] != 0 {
		t.Errorf("without context frame 0 must be the first predicted one, got %v", noCtx)
	}
}

// runGraphOf runs fn on the inputs (with B noise levels, which fn ignores) and returns its output.
func runGraphOf(t testing.TB, fn func(in []*Node) *Node, inputs ...*tensors.Tensor) []float64 {
	t.Helper()
	apply := func(_ *model.Scope, x, _ *Node, rest []*Node) *Node { return fn(append([]*Node{x}, rest...)) }
	out, _ := runNet(t, model.NewStore(), apply, nil, append([]*tensors.Tensor{inputs[0], noiseLevels(inputs[0].Shape().Dimensions[0])}, inputs[1:]...)...)
	return flat(out)
}

// TestVideoUNetShapeAndParams checks the output shape (one prediction per frame, context frames
// included), that the new network outputs exactly 0, and that the graph creates NumParams scalars.
func TestVideoUNetShapeAndParams(t *testing.T) {
	v := mustNewVideo(t, smallVideoConfig())
	store := model.NewStore()
	out, _ := runNet(t, store, v.Apply, nil, randTensor(1, vB, vL, 2, vH, vW), noiseLevels(vB), randTensor(2, vB, vP, 2, vH, vW))
	if d := out.Shape().Dimensions; !equalInts(d, []int{vB, vL, 2, vH, vW}) {
		t.Errorf("output shape %v, want [%d %d 2 %d %d]", d, vB, vL, vH, vW)
	}
	if m := maxAbs(flat(out)); m != 0 {
		t.Errorf("initial output has max |value| %g, want 0", m)
	}
	n := 0
	for v := range trainable(store) {
		n += v.Shape().Size()
	}
	if n != v.NumParams() {
		t.Errorf("the graph created %d parameters, NumParams says %d", n, v.NumParams())
	}
}

// frameChange returns, per output frame, max |net(x') − net(x)| where x' differs from x at frame k
// of the noisy window only.
func frameChange(t *testing.T, c VideoConfig, k int) []float64 {
	t.Helper()
	v := mustNewVideo(t, c)
	store := model.NewStore()
	C := c.DataChannels
	xt, ctx := randFloats(1, vB*vL*C*vH*vW, 1), randFloats(2, vB*vP*C*vH*vW, 1)
	runVideo(t, store, v, xt, ctx)
	randomizeVariables(t, store, 3, 0.3)
	base := runVideo(t, store, v, xt, ctx)
	moved := append([]float32(nil), xt...)
	frame := C * vH * vW
	for b := range vB {
		for i := range frame {
			moved[(b*vL+k)*frame+i] += 0.5
		}
	}
	changed := runVideo(t, store, v, moved, ctx)
	return maxChangePerFrame(base, changed, frame)
}

// TestVideoUNetMixesFrames checks that changing frame k of the noisy window changes the output at
// every other frame through the temporal convolutions alone, the temporal attention alone, and both;
// and that without temporal levels it changes frame k only (exactly), so the test can fail.
func TestVideoUNetMixesFrames(t *testing.T) {
	const k = 1
	both := smallVideoConfig()
	convOnly, attnOnly, none := both, both, both
	attnOnly.TemporalConvLevels = nil
	convOnly.TemporalAttnLevels = nil
	none.TemporalConvLevels, none.TemporalAttnLevels = nil, nil
	for _, tc := range []struct {
		name  string
		c     VideoConfig
		mixes bool
	}{{"conv+attention", both, true}, {"conv", convOnly, true}, {"attention", attnOnly, true}, {"none", none, false}} {
		per := frameChange(t, tc.c, k)
		t.Logf("%s: max |change| per frame %.3g", tc.name, per)
		if per[k] < 1e-3 {
			t.Errorf("%s: changing frame %d changed its own output by only %.3g", tc.name, k, per[k])
		}
		for f, d := range per {
			if f == k {
				continue
			}
			if tc.mixes && d < 1e-4*per[k] {
				t.Errorf("%s: changing frame %d changed frame %d by only %.3g", tc.name, k, f, d)
			}
			if !tc.mixes && d != 0 {
				t.Errorf("%s: without temporal mixing, changing frame %d changed frame %d by %.3g", tc.name, k, f, d)
			}
		}
	}
}

// TestVideoUNetPeriodicEquivariance checks that with periodic padding the video network commutes
// with circular spatial shifts by a multiple of 2^(levels−1) (here (2, 6) on 8×8), and that with zero
// padding it visibly does not.
func TestVideoUNetPeriodicEquivariance(t *testing.T) {
	const dy, dx = 2, 6
	C := smallVideoConfig().DataChannels
	xt, ctx := randFloats(1, vB*vL*C*vH*vW, 1), randFloats(2, vB*vP*C*vH*vW, 1)
	for _, pad := range []nn.Padding{nn.Periodic, nn.Zero} {
		c := smallVideoConfig()
		c.UNet.PadH, c.UNet.PadW = pad, pad
		v := mustNewVideo(t, c)
		store := model.NewStore()
		runVideo(t, store, v, xt, ctx)
		randomizeVariables(t, store, 9, 0.3)
		shiftedOut := circShift(runVideo(t, store, v, xt, ctx), vB*vL, C, vH, vW, dy, dx)
		outOfShifted := runVideo(t, store, v, circShift(xt, vB*vL, C, vH, vW, dy, dx), circShift(ctx, vB*vP, C, vH, vW, dy, dx))
		e := relErr(outOfShifted, shiftedOut)
		t.Logf("%s padding: relative difference %.3g", pad, e)
		if pad == nn.Periodic && e > 1e-4 {
			t.Errorf("periodic padding: net(shift(x)) and shift(net(x)) differ by %.3g (relative)", e)
		}
		if pad == nn.Zero && e < 1e-2 {
			t.Errorf("zero padding: net(shift(x)) and shift(net(x)) agree to %.3g; the test cannot tell the paddings apart", e)
		}
	}
}

// tinyVideoConfig is tinyConfig with one data channel (so 2·1+2 = 4 input channels), temporal
// convolutions at both levels and temporal attention in the middle.
func tinyVideoConfig() VideoConfig {
	c := tinyConfig()
	c.InChannels, c.OutChannels = 0, 0
	return VideoConfig{DataChannels: 1, UNet: c, TemporalConvLevels: []int{0, 1}, TemporalAttnLevels: []int{1}}
}

// TestVideoCountsByHand checks NumParams and FLOPs of tinyVideoConfig against counts by hand.
//
// Parameters: the per-frame UNet is TestNumParamsHandCount's with conv_in 9·4·4+4 = 148 instead of
// 76: 9429. A temporal block with C = 4: GN 8 + conv 3·16 = 48 (no bias) + emb 8·4+4 = 36 + GN 8 +
// conv 3·16+4 = 52 + mix 1 = 153, three of them (enc0, dec0 ×2); with C = 8: 16 + 192 + 72 + 16 + 200
// + 1 = 497, five of them (enc1, mid ×2, dec1 ×2); temporal attention in the middle: GN 16 + frame
// embedding 4·8+8 = 40 + 4·(64+8) = 288 + mix 1 = 345. Total 9429 + 459 + 2485 + 345 = 12718.
//
// FLOPs, 1 window of 3 frames of 4×4: the UNet on 3 images, 3·(103808 + 2304) = 318336 forward
// (conv_in 2·16·9·4·4 = 4608 instead of 2304), training 3·(3·106112 − 64 − 4608) = 940992. Temporal
// block, C = 4 on 48 positions: 2·2·48·3·16 + 2·3·8·4 = 9408 (×3); C = 8 on 12 positions:
// 2·2·12·3·64 + 2·3·8·8 = 9600 (×5); temporal attention: 4·2·12·64 + 2·2·4·9·8 = 7296, frame
// embedding 2·3·4·8 = 192. Forward 318336 + 28224 + 48000 + 7296 + 192 = 402048; training
// 940992 + 3·83520 + 2·192 = 1191936.
func TestVideoCountsByHand(t *testing.T) {
	v := mustNewVideo(t, tinyVideoConfig())
	if n := v.NumParams(); n != 12718 {
		t.Errorf("NumParams = %d, want 12718", n)
	}
	f := v.FLOPs(1, 3, 4, 4)
	if f.Forward != 402048 || f.Training != 1191936 {
		t.Errorf("FLOPs = %+v, want forward 402048, training 1191936", f)
	}
	store := model.NewStore()
	runNet(t, store, v.Apply, nil, randTensor(1, 1, 3, 1, 4, 4), noiseLevels(1), randTensor(2, 1, 1, 1, 4, 4))
	n := 0
	for v := range trainable(store) {
		n += v.Shape().Size()
	}
	if n != 12718 {
		t.Errorf("the graph created %d parameters, want 12718", n)
	}
}

// TestVideoUNetGradientCheck compares, in float64 with random weights, the automatic gradients of
// Σ net(x)·r with central finite differences for parameters of every kind of temporal block (and a
// spatial one) and for entries of the noisy window and of the context.
func TestVideoUNetGradientCheck(t *testing.T) {
	v := mustNewVideo(t, smallVideoConfig())
	const C = 2
	// frames 0, 3 (batch 1), 1 (batch 1); among the variables, the temporal layers and the first conv.
	checked, _ := checkWindowNetGradients(t, v.Apply, []int{5, 2*vL*C*vH*vW - 7, (vL+1)*C*vH*vW + 3}, func(p string) bool {
		if !strings.Contains(p, "temporal") && !strings.HasSuffix(p, "enc0_block0/conv1/kernel") {
			return false
		}
		return strings.Contains(p, "conv1/kernel") || strings.Contains(p, "/q/kernel") || strings.HasSuffix(p, "mix") ||
			strings.Contains(p, "frame_embed/weights") || strings.Contains(p, "conv2/kernel")
	})
	if checked < 10 {
		t.Errorf("checked %d parameters, expected at least 10", checked)
	}
}

// checkWindowNetGradients compares, in float64, the automatic gradients of the loss Σ r·apply(xt, t, ctx)
// of a window network (windows [vB, vL, 2, vH, vW], context [vB, vP, 2, vH, vW], random weights) with
// central finite differences: at the noisy-window elements xIdx, at one context element, and at one
// element of every trainable variable whose path keep accepts. It returns how many variables it checked
// and how many there are.
func checkWindowNetGradients(t *testing.T, apply applyFn, xIdx []int, keep func(path string) bool) (checked, all int) {
	t.Helper()
	const C = 2
	f64 := dtypes.Float64
	xt, ctx := randTensorAs(f64, 1, vB, vL, C, vH, vW), randTensorAs(f64, 2, vB, vP, C, vH, vW)
	r, steps := randTensorAs(f64, 3, vB, vL, C, vH, vW), fromFloats(f64, []float32{3, 700}, vB)
	store := model.NewStore()
	runNet(t, store, apply, nil, xt, steps, ctx)
	randomizeVariables(t, store, 5, 0.3)
	var vars []*model.Variable
	for vr := range trainable(store) {
		vars = append(vars, vr)
	}
	exec, err := model.NewExec(goBackend(t), store, func(scope *model.Scope, in []*Node) []*Node {
		g := in[0].Graph()
		scope.SetTraining(g, true) // Variables stay parameters, so new values are seen (docs/TRAINING.md).
		loss := ReduceAllSum(Mul(apply(scope, in[0], in[1], in[2:3]), in[3]))
		nodes := []*Node{in[0], in[2]}
		for _, vr := range vars {
			nodes = append(nodes, vr.NodeValue(g))
		}
		return append([]*Node{loss}, Gradient(loss, nodes...)...)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer exec.Finalize()
	call := func() []*tensors.Tensor {
		outs, err := exec.Call(xt, steps, ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		return outs
	}
	grads := call()[1:]
	const h = 1e-5
	check := func(name string, ad float64, set func(delta float64)) {
		set(h)
		lp := flat(call()[0])[0]
		set(-2 * h)
		lm := flat(call()[0])[0]
		set(h)
		fd := (lp - lm) / (2 * h)
		if ad == 0 || math.Abs(ad-fd) > 1e-6*math.Abs(fd)+1e-9 {
			t.Errorf("%s: autodiff %.10g, finite differences %.10g", name, ad, fd)
		}
	}
	bump := func(tensor *tensors.Tensor, i int) func(float64) {
		return func(d float64) { tensors.MutableFlatData(tensor, func(v []float64) { v[i] += d }) }
	}
	for _, i := range xIdx {
		check("xt", flat(grads[0])[i], bump(xt, i))
	}
	check("context", flat(grads[1])[C*vH*vW+9], bump(ctx, C*vH*vW+9))
	for j, vr := range vars {
		p := vr.Path()
		if !keep(p) {
			continue
		}
		vals, dims := flat(vr.MustValue()), vr.Shape().Dimensions
		i := len(vals) / 3
		check(p, flat(grads[2+j])[i], func(d float64) {
			vals[i] += d // SetValue takes ownership of the tensor it is given: give it a new one.
			if err := vr.SetValue(tensors.FromFlatDataAndDimensions(append([]float64(nil), vals...), dims...)); err != nil {
				t.Fatal(err)
			}
		})
		checked++
	}
	return checked, len(vars)
}

// TestVideoUNetTrains runs AdamW steps of the DyDiff loss (fixed diffusion steps and noise) on a toy
// dataset of moving sine waves and checks that the loss falls by a third.
func TestVideoUNetTrains(t *testing.T) {
	c := smallVideoConfig()
	c.DataChannels = 1
	checkWindowNetTrains(t, mustNewVideo(t, c).Apply)
}

// checkWindowNetTrains runs 30 AdamW steps of DyDiff's loss (fixed diffusion steps and noise) with the
// window network apply on a toy dataset of moving sine waves, one channel, and checks that the loss
// falls by a third.
func checkWindowNetTrains(t *testing.T, apply dydiff.Net) {
	t.Helper()
	s, err := dydiff.NewSchedule(0.5, dydiff.ScheduleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	x0 := make([]float32, vB*vL*vH*vW)
	for b := range vB {
		for f := range vL {
			for i := range vH {
				for j := range vW {
					x0[((b*vL+f)*vH+i)*vW+j] = float32(math.Sin(2 * math.Pi * float64(j+f+3*b) / vW))
				}
			}
		}
	}
	x0t := tensors.FromFlatDataAndDimensions(x0, vB, vL, 1, vH, vW)
	ctxVals := make([]float32, 0, vB*vP*vH*vW)
	for b := range vB {
		ctxVals = append(ctxVals, x0[b*vL*vH*vW:(b*vL+vP)*vH*vW]...)
	}
	ctx := tensors.FromFlatDataAndDimensions(ctxVals, vB, vP, 1, vH, vW) // the first P frames of each window
	steps := tensors.FromFlatDataAndDimensions([]int32{100, 400}, vB)
	eps := randTensor(4, vB, vL, 1, vH, vW)
	adamW := optimizer.Adam().LearningRate(3e-3).WeightDecay(0.01).Done()
	exec, err := model.NewExec(goBackend(t), model.NewStore(), func(scope *model.Scope, x0, ts, eps, ctx *Node) *Node {
		scope.SetTraining(x0.Graph(), true)
		loss := dydiff.Loss(scope, apply, s, x0, ts, eps, []*Node{ctx})
		adamW.UpdateGraph(scope, x0.Graph(), loss)
		return loss
	})
	if err != nil {
		t.Fatal(err)
	}
	defer exec.Finalize()
	var losses []float64
	for range 30 {
		outs, err := exec.Call(x0t, steps, eps, ctx)
		if err != nil {
			t.Fatal(err)
		}
		losses = append(losses, flat(outs[0])[0])
	}
	t.Logf("loss %.4f → %.4f", losses[0], losses[len(losses)-1])
	if last := losses[len(losses)-1]; !(last < losses[0]*2/3) {
		t.Errorf("30 AdamW steps took the loss from %.4f to %.4f, expected a fall by a third", losses[0], last)
	}
}

// TestNewVideoRejectsBadConfig checks that NewVideo names the offending field.
func TestNewVideoRejectsBadConfig(t *testing.T) {
	cases := []struct {
		mutate func(*VideoConfig)
		want   string
	}{
		{func(c *VideoConfig) { c.DataChannels = 0 }, "DataChannels"},
		{func(c *VideoConfig) { c.UNet.InChannels = 6 }, "InChannels"},
		{func(c *VideoConfig) { c.TemporalConvLevels = []int{2} }, "TemporalConvLevels"},
		{func(c *VideoConfig) { c.TemporalAttnLevels = []int{-1} }, "TemporalAttnLevels"},
		{func(c *VideoConfig) { c.UNet.AttnLevels = nil; c.TemporalAttnLevels = []int{0} }, "no spatial attention"},
		{func(c *VideoConfig) { c.Taps = 2 }, "Taps"},
	}
	for _, tc := range cases {
		c := smallVideoConfig()
		tc.mutate(&c)
		_, err := NewVideo(c)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("config %+v: error %v, want one naming %q", c, err, tc.want)
		}
	}
	if _, err := NewVideo(ReferenceVideoConfig(3)); err != nil {
		t.Errorf("ReferenceVideoConfig: %v", err)
	}
}

// TestVideoApplyRejectsBadInputs checks that inputs that do not fit are errors of Exec naming what
// was expected.
func TestVideoApplyRejectsBadInputs(t *testing.T) {
	v := mustNewVideo(t, smallVideoConfig())
	exec, err := model.NewExec(goBackend(t), model.NewStore(), func(scope *model.Scope, x, noise, ctx *Node) *Node {
		return v.Apply(scope, x, noise, []*Node{ctx})
	})
	if err != nil {
		t.Fatal(err)
	}
	defer exec.Finalize()
	for _, tc := range []struct {
		x, ctx *tensors.Tensor
		want   string
	}{
		{randTensor(1, 2, 4, 3, 8, 8), randTensor(2, 2, 2, 3, 8, 8), "[batch, frames, 2, height, width]"},
		{randTensor(1, 2, 4, 2, 8, 8), randTensor(2, 2, 5, 2, 8, 8), "context"},
	} {
		if _, err := exec.Call(tc.x, noiseLevels(2), tc.ctx); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("x %s, context %s: error %v, want one containing %q", tc.x.Shape(), tc.ctx.Shape(), err, tc.want)
		}
	}
	// Any grid: 8×7 is padded to 8×8 and the noise prediction cropped back.
	if out, err := exec.Call(randTensor(1, 2, 4, 2, 8, 7), noiseLevels(2), randTensor(2, 2, 2, 2, 8, 7)); err != nil || out[0].Shape().Dimensions[4] != 7 {
		t.Errorf("8×7 frames: %v", err)
	}
}

// TestVideoUNetBranches checks that splitting the windows into two graph branches (Config.Branches)
// gives the output of one branch, up to rounding: the branches split windows, never the frames of one.
func TestVideoUNetBranches(t *testing.T) {
	C := smallVideoConfig().DataChannels
	xt, ctx := randFloats(1, vB*vL*C*vH*vW, 1), randFloats(2, vB*vP*C*vH*vW, 1)
	store := model.NewStore()
	var outs [][]float64
	for _, n := range []int{1, 2} {
		c := smallVideoConfig()
		c.UNet.Branches = n
		v := mustNewVideo(t, c)
		if n == 1 {
			runVideo(t, store, v, xt, ctx)
			randomizeVariables(t, store, 13, 0.3)
		}
		outs = append(outs, runVideo(t, store, v, xt, ctx))
	}
	if e := relErr(outs[1], outs[0]); e > 1e-5 || maxAbs(outs[0]) == 0 {
		t.Errorf("two branches differ from one by %.3g (relative), output scale %.3g", e, maxAbs(outs[0]))
	}
}

// TestVideoLinearHead checks the video network with the linear output head: it starts at exactly 0,
// its variables hold NumParams scalars, 2·C fewer than with the norm head (the dropped norm's scale
// and shift of the last block's C = 8 channels).
func TestVideoLinearHead(t *testing.T) {
	c := smallVideoConfig()
	c.UNet.Head = LinearHead
	v := mustNewVideo(t, c)
	store := model.NewStore()
	out, _ := runNet(t, store, v.Apply, nil, randTensor(1, vB, vL, 2, vH, vW), noiseLevels(vB), randTensor(2, vB, vP, 2, vH, vW))
	if m := maxAbs(flat(out)); m != 0 {
		t.Errorf("initial output has max |value| %g, want 0", m)
	}
	n := 0
	for v := range trainable(store) {
		n += v.Shape().Size()
	}
	if norm := mustNewVideo(t, smallVideoConfig()).NumParams(); n != v.NumParams() || n != norm-2*8 {
		t.Errorf("the graph created %d parameters, NumParams says %d, the norm head's network %d (want 16 more)", n, v.NumParams(), norm)
	}
}
