package nets

import (
	"math"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// smallDiTConfig is a DiT small enough for quick tests: 2 data channels, patch 2, hidden 16, depth 2,
// 2 heads, MLP ratio 2, 8 frequencies.
func smallDiTConfig() DiTConfig {
	return DiTConfig{DataChannels: 2, Patch: 2, Hidden: 16, Depth: 2, Heads: 2, MLPRatio: 2, Frequencies: 8}
}

func mustNewDiT(t testing.TB, c DiTConfig) *DiT {
	t.Helper()
	d, err := NewDiT(c)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// createdParams counts the scalars of the trainable variables in store.
func createdParams(store *model.Store) int {
	n := 0
	for v := range trainable(store) {
		n += v.Shape().Size()
	}
	return n
}

// TestDiTShapeZeroAndParams checks the output shape (one prediction per frame, on a grid that the
// patch divides and on one it does not), that the new network outputs exactly 0 (adaLN-Zero and the
// zero final layer), and that the graph creates NumParams scalars, with and without temporal
// attention, with static channels and with action planes.
func TestDiTShapeZeroAndParams(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*DiTConfig)
		H, W   int
	}{{"8×8", func(*DiTConfig) {}, 8, 8}, {"7×6 padded", func(*DiTConfig) {}, 7, 6},
		{"spatial only", func(c *DiTConfig) { c.SpatialOnly = true }, 8, 8},
		{"static", func(c *DiTConfig) { c.StaticChannels = 3 }, 8, 8},
		{"actions 7×6", func(c *DiTConfig) { c.ActionChannels = 2 }, 7, 6},
		{"static and actions", func(c *DiTConfig) { c.StaticChannels, c.ActionChannels = 3, 2 }, 8, 8}} {
		c := smallDiTConfig()
		tc.mutate(&c)
		d := mustNewDiT(t, c)
		store := model.NewStore()
		inputs := []*tensors.Tensor{randTensor(1, vB, vL, 2, tc.H, tc.W), noiseLevels(vB), randTensor(2, vB, vP, 2, tc.H, tc.W)}
		if c.StaticChannels > 0 {
			inputs = append(inputs, randTensor(3, vB, c.StaticChannels, tc.H, tc.W))
		}
		if c.ActionChannels > 0 {
			inputs = append(inputs, randTensor(4, vB, vL, c.ActionChannels))
		}
		out, _ := runNet(t, store, d.Apply, nil, inputs...)
		if dims := out.Shape().Dimensions; !equalInts(dims, []int{vB, vL, 2, tc.H, tc.W}) {
			t.Errorf("%s: output shape %v, want [%d %d 2 %d %d]", tc.name, dims, vB, vL, tc.H, tc.W)
		}
		if m := maxAbs(flat(out)); m != 0 {
			t.Errorf("%s: initial output has max |value| %g, want 0", tc.name, m)
		}
		if n := createdParams(store); n != d.NumParams() {
			t.Errorf("%s: the graph created %d parameters, NumParams says %d", tc.name, n, d.NumParams())
		}
	}
}

// tinyDiTConfig is the DiT of the hand counts: 1 data channel (4 input channels), patch 2, hidden 8,
// depth 1, 2 heads, MLP ratio 2, 4 frequencies.
func tinyDiTConfig() DiTConfig {
	return DiTConfig{DataChannels: 1, Patch: 2, Hidden: 8, Depth: 1, Heads: 2, MLPRatio: 2, Frequencies: 4}
}

// TestDiTCountsByHand checks NumParams and FLOPs of tinyDiTConfig against counts by hand.
//
// Parameters: patch embedding 4·4·8 + 8 = 136; noise embedding 4·8 + 8 + 64 + 8 = 112; the block's
// adaLN 8·72 + 72 = 648, two attentions 2·((8·24 + 24) + (64 + 8)) = 576, MLP (8·16 + 16) + (16·8 + 8)
// = 280; final adaLN 8·16 + 16 = 144 and projection 8·4 + 4 = 36. Total 1932; without the temporal
// attention 1932 − 288 − 8·24 − 24 (its share of adaLN: 3 rows of 8 and their biases) = 1428.
//
// FLOPs, 1 window of 3 frames of 4×4 (4 tokens a frame, 12 in all): patch 2·12·16·8 = 3072, noise
// embedding 2·4·8 = 64 and 2·8·8 = 128, adaLN 2·8·72 = 1152, spatial attention 2·12·8·24 + 2·12·8·8 +
// 4·3·16·8 = 7680, temporal 4608 + 1536 + 4·4·9·8 = 7296, MLP 2·2·12·8·16 = 6144, final adaLN
// 2·8·16 = 256 and projection 2·12·8·4 = 768: forward 26560; training 2·(3072 + 64) + 3·23424 = 76544.
//
// With 2 action channels every patch has 6·4 = 24 inputs: the patch embedding is 24·8 + 8 = 200
// parameters (1996 in all) and 2·12·24·8 = 4608 FLOPs (forward 28096, training 2·(4608 + 64) + 3·23424
// = 79616).
func TestDiTCountsByHand(t *testing.T) {
	d := mustNewDiT(t, tinyDiTConfig())
	if n := d.NumParams(); n != 1932 {
		t.Errorf("NumParams = %d, want 1932", n)
	}
	if f := d.FLOPs(1, 3, 4, 4); f.Forward != 26560 || f.Training != 76544 {
		t.Errorf("FLOPs = %+v, want forward 26560, training 76544", f)
	}
	if f := d.FLOPs(1, 3, 3, 4); f.Forward != 26560 {
		t.Errorf("FLOPs on 3×4 (padded to 4×4) = %+v, want forward 26560", f)
	}
	c := tinyDiTConfig()
	c.SpatialOnly = true
	if n := mustNewDiT(t, c).NumParams(); n != 1428 {
		t.Errorf("spatial only: NumParams = %d, want 1428", n)
	}
	store := model.NewStore()
	runNet(t, store, d.Apply, nil, randTensor(1, 1, 3, 1, 4, 4), noiseLevels(1), randTensor(2, 1, 1, 1, 4, 4))
	if n := createdParams(store); n != 1932 {
		t.Errorf("the graph created %d parameters, want 1932", n)
	}
	c = tinyDiTConfig()
	c.ActionChannels = 2
	da := mustNewDiT(t, c)
	if n := da.NumParams(); n != 1996 {
		t.Errorf("2 action channels: NumParams = %d, want 1996", n)
	}
	if f := da.FLOPs(1, 3, 4, 4); f.Forward != 28096 || f.Training != 79616 {
		t.Errorf("2 action channels: FLOPs = %+v, want forward 28096, training 79616", f)
	}
	store = model.NewStore()
	runNet(t, store, da.Apply, nil, randTensor(1, 1, 3, 1, 4, 4), noiseLevels(1), randTensor(2, 1, 1, 1, 4, 4), randTensor(3, 1, 3, 2))
	if n := createdParams(store); n != 1996 {
		t.Errorf("2 action channels: the graph created %d parameters, want 1996", n)
	}
}

// TestDiTReferenceSizes checks the parameter count of DiT-S/4 on the reference's latent windows (C = 3,
// 16² latents) against the closed form written out here, and that without the temporal attention it
// is DiT-S/4's backbone: 33.0M parameters in Peebles & Xie's Table 1 less the class embedding
// (1001·384 = 0.38M) and with 8 input and 3 output channels instead of 4 and 8 (the image DiT learns
// its variance), within 1 %.
func TestDiTReferenceSizes(t *testing.T) {
	d := mustNewDiT(t, ReferenceDiTS4Config(3))
	const D, F, r = 384, 256, 4
	want := (8*16*D + D) + (F*D + D + D*D + D) +
		12*((D*9*D+9*D)+2*(D*3*D+3*D+D*D+D)+(D*r*D+r*D+r*D*D+D)) + (D*2*D + 2*D) + (D*16*3 + 16*3)
	if n := d.NumParams(); n != want {
		t.Errorf("DiT-S/4: NumParams = %d, want %d", n, want)
	}
	c := ReferenceDiTS4Config(3)
	c.SpatialOnly = true
	if n, paper := float64(mustNewDiT(t, c).NumParams()), 33.0e6-1001*384; math.Abs(n/paper-1) > 0.01 {
		t.Errorf("DiT-S/4 without temporal attention: %.4g parameters, want DiT-S/4's %.4g within 1 %%", n, paper)
	}
	t.Logf("DiT-S/4 with temporal attention, C = 3: %d parameters, %.3g GFLOP forward per window of 15 frames of 16²",
		d.NumParams(), d.FLOPs(1, 15, 16, 16).Forward/1e9)
}

// ditFrameChange returns, per output frame, max |net(x') − net(x)| where x' differs from x at frame k
// of the noisy window only, with random (non-zero) weights.
func ditFrameChange(t *testing.T, c DiTConfig, k int) []float64 {
	t.Helper()
	d := mustNewDiT(t, c)
	store := model.NewStore()
	C := c.DataChannels
	run := func(xt []float32) []float64 {
		out, _ := runNet(t, store, d.Apply, nil, tensors.FromFlatDataAndDimensions(xt, vB, vL, C, vH, vW), noiseLevels(vB),
			randTensor(2, vB, vP, C, vH, vW))
		return flat(out)
	}
	xt := randFloats(1, vB*vL*C*vH*vW, 1)
	run(xt)
	randomizeVariables(t, store, 3, 0.3)
	base := run(xt)
	moved := append([]float32(nil), xt...)
	frame := C * vH * vW
	for b := range vB {
		for i := range frame {
			moved[(b*vL+k)*frame+i] += 0.5
		}
	}
	changed := run(moved)
	return maxChangePerFrame(base, changed, frame)
}

// TestDiTTemporalAttentionMixesFrames checks that, with random weights, changing frame k of the noisy
// window changes every other frame's output through the temporal attention, and that without it
// (SpatialOnly) the other frames' outputs do not change at all.
func TestDiTTemporalAttentionMixesFrames(t *testing.T) {
	const k = 1
	for _, spatialOnly := range []bool{false, true} {
		c := smallDiTConfig()
		c.SpatialOnly = spatialOnly
		per := ditFrameChange(t, c, k)
		t.Logf("spatial only %v: max |change| per frame %.3g", spatialOnly, per)
		if per[k] < 1e-3 {
			t.Errorf("spatial only %v: changing frame %d changed its own output by only %.3g", spatialOnly, k, per[k])
		}
		for f, d := range per {
			if f == k {
				continue
			}
			if !spatialOnly && d < 1e-4*per[k] {
				t.Errorf("with temporal attention, changing frame %d changed frame %d by only %.3g", k, f, d)
			}
			if spatialOnly && d != 0 {
				t.Errorf("without temporal attention, changing frame %d changed frame %d by %.3g", k, f, d)
			}
		}
	}
}

// TestDiTMatchesHostReference compares the network, built in float64 with random weights, against
// ditHostForward, a plain float64 implementation of the architecture documented on DiT that reads the
// same variables: on a grid the patch divides, on one it pads (7×6 with patch 2 → 8×6), with static
// channels, and with static channels and action planes (the actions after the static fields).
func TestDiTMatchesHostReference(t *testing.T) {
	f64 := dtypes.Float64
	for _, tc := range []struct {
		name   string
		mutate func(*DiTConfig)
		H, W   int
	}{{"8×8", func(*DiTConfig) {}, 8, 8}, {"7×6", func(*DiTConfig) {}, 7, 6},
		{"static, spatial only", func(c *DiTConfig) { c.StaticChannels = 2; c.SpatialOnly = true }, 4, 8},
		{"static and actions, 7×6", func(c *DiTConfig) { c.StaticChannels, c.ActionChannels = 2, 3 }, 7, 6}} {
		c := smallDiTConfig()
		c.Branches = 1
		tc.mutate(&c)
		d := mustNewDiT(t, c)
		C, S, A := c.DataChannels, c.StaticChannels, c.ActionChannels
		xt, ctx := randTensorAs(f64, 1, vB, vL, C, tc.H, tc.W), randTensorAs(f64, 2, vB, vP, C, tc.H, tc.W)
		steps := fromFloats(f64, []float32{3, 700}, vB)
		inputs := []*tensors.Tensor{xt, steps, ctx}
		var static []float64
		if S > 0 {
			st := randTensorAs(f64, 4, vB, S, tc.H, tc.W)
			inputs, static = append(inputs, st), flat(st)
		}
		var acts []float64
		if A > 0 {
			at := randTensorAs(f64, 6, vB, vL, A)
			inputs, acts = append(inputs, at), flat(at)
		}
		store := model.NewStore()
		runNet(t, store, d.Apply, nil, inputs...)
		randomizeVariables(t, store, 5, 0.3)
		out, _ := runNet(t, store, d.Apply, nil, inputs...)
		vars := map[string][]float64{}
		for v := range trainable(store) {
			vars[v.Path()] = flat(v.MustValue())
		}
		frames := hostVideoFrames(flat(xt), flat(ctx), static, acts, vB, vL, vP, C, S, A, tc.H, tc.W)
		want := ditHostForward(t, d.Config(), vars, frames, flat(steps), vB, vL, tc.H, tc.W)
		got := flat(out)
		e := relErr(got, want)
		t.Logf("%s: relative difference %.3g, output scale %.3g", tc.name, e, maxAbs(want))
		if e > 1e-9 || maxAbs(want) < 1e-3 {
			t.Errorf("%s: the network and the float64 host reference differ by %.3g (relative), output scale %.3g", tc.name, e, maxAbs(want))
		}
	}
}

// TestDiTFloat32MatchesHostReference runs the float32 network on the float64 reference's weights
// and inputs: they agree to float32 rounding (~1e-5 relative).
func TestDiTFloat32MatchesHostReference(t *testing.T) {
	c := smallDiTConfig()
	c.Branches = 1
	d := mustNewDiT(t, c)
	xt, ctx, steps := randTensor(1, vB, vL, 2, vH, vW), randTensor(2, vB, vP, 2, vH, vW), fromFloats(dtypes.Float32, []float32{3, 700}, vB)
	store := model.NewStore()
	runNet(t, store, d.Apply, nil, xt, steps, ctx)
	randomizeVariables(t, store, 5, 0.3)
	out, _ := runNet(t, store, d.Apply, nil, xt, steps, ctx)
	vars := map[string][]float64{}
	for v := range trainable(store) {
		vars[v.Path()] = flat(v.MustValue())
	}
	want := ditHostForward(t, d.Config(), vars, hostVideoFrames(flat(xt), flat(ctx), nil, nil, vB, vL, vP, 2, 0, 0, vH, vW), flat(steps), vB, vL, vH, vW)
	if e := relErr(flat(out), want); e > 2e-5 {
		t.Errorf("float32 network and float64 reference differ by %.3g (relative)", e)
	}
}

// hostVideoFrames assembles on the host the per-frame channels of VideoInput plus the static fields
// and the action planes: from xt [B, L, C, H, W], ctx [B, P, C, H, W], static [B, S, H, W] and acts
// [B, L, A] (nil without), flat, the frames [B, L, 2C + 2 + S + A, H, W].
func hostVideoFrames(xt, ctx, static, acts []float64, B, L, P, C, S, A, H, W int) []float64 {
	Cin := 2*C + 2 + S + A
	out := make([]float64, 0, B*L*Cin*H*W)
	for b := range B {
		for f := range L {
			for ch := range Cin {
				for i := range H {
					for j := range W {
						var v float64
						switch {
						case ch < C:
							v = xt[(((b*L+f)*C+ch)*H+i)*W+j]
						case ch < 2*C:
							if f < P {
								v = ctx[(((b*P+f)*C+ch-C)*H+i)*W+j]
							}
						case ch == 2*C:
							v = b2f(f < P)
						case ch == 2*C+1:
							v = b2f(f == P)
						case ch < 2*C+2+S:
							v = static[((b*S+ch-2*C-2)*H+i)*W+j]
						default:
							v = acts[(b*L+f)*A+ch-2*C-2-S]
						}
						out = append(out, v)
					}
				}
			}
		}
	}
	return out
}

// ditHostForward is the DiT documented on the type, written out in float64 loops, on the frames
// [B, L, Cin, H, W] (flat, the channels the patch embedding takes) and the noise levels steps [B]; it
// returns [B, L, C, H, W].
func ditHostForward(t *testing.T, c DiTConfig, vars map[string][]float64, frames, steps []float64, B, L, H, W int) []float64 {
	t.Helper()
	v := func(path string) []float64 {
		x, ok := vars[path]
		if !ok {
			keys := make([]string, 0, len(vars))
			for k := range vars {
				keys = append(keys, k)
			}
			t.Fatalf("reference: no variable %q among %v", path, keys)
		}
		return x
	}
	// linear: x [n, in] → [n, out] with the variables weights [in, out], bias [out] of scope.
	linear := func(scope string, x []float64, in, out int) []float64 {
		w, b := v(scope+"/weights"), v(scope+"/bias")
		n := len(x) / in
		y := make([]float64, n*out)
		for r := range n {
			for o := range out {
				s := b[o]
				for i := range in {
					s += x[r*in+i] * w[i*out+o]
				}
				y[r*out+o] = s
			}
		}
		return y
	}
	silu := func(x []float64) []float64 {
		for i, a := range x {
			x[i] = a / (1 + math.Exp(-a))
		}
		return x
	}
	C, p, D := c.DataChannels, c.Patch, c.Hidden
	Cin := len(frames) / (B * L * H * W)
	hp, wp := (H+p-1)/p, (W+p-1)/p
	N := hp * wp
	// The frames' channels at a padded pixel (i, j) (zero outside H×W).
	pixel := func(b, f, ch, i, j int) float64 {
		if i >= H || j >= W {
			return 0
		}
		return frames[(((b*L+f)*Cin+ch)*H+i)*W+j]
	}
	// Tokens x [B, L, N, D].
	patches := make([]float64, 0, B*L*N*Cin*p*p)
	for b := range B {
		for f := range L {
			for i := range hp {
				for j := range wp {
					for ch := range Cin {
						for u := range p {
							for w := range p {
								patches = append(patches, pixel(b, f, ch, i*p+u, j*p+w))
							}
						}
					}
				}
			}
		}
	}
	x := linear("/patch_embed", patches, Cin*p*p, D)
	q := D / 4
	for b := range B {
		for f := range L {
			for n := range N {
				e := x[((b*L+f)*N+n)*D:]
				i, j := float64(n/wp), float64(n%wp)
				for k := range q {
					om := math.Pow(10000, -float64(k)/float64(q))
					e[k] += math.Sin(i * om)
					e[q+k] += math.Cos(i * om)
					e[2*q+k] += math.Sin(j * om)
					e[3*q+k] += math.Cos(j * om)
				}
				h := D / 2
				for k := range h {
					om := math.Exp(-math.Log(10000) * float64(k) / float64(h))
					e[k] += math.Cos(float64(f) * om)
					e[h+k] += math.Sin(float64(f) * om)
				}
			}
		}
	}
	// Noise embedding [B, D].
	F := c.Frequencies
	feat := make([]float64, B*F)
	for b := range B {
		for k := range F / 2 {
			om := math.Exp(-math.Log(10000) * float64(k) / float64(F/2))
			feat[b*F+k], feat[b*F+F/2+k] = math.Cos(steps[b]*om), math.Sin(steps[b]*om)
		}
	}
	emb := silu(linear("/t_embed/linear1", silu(linear("/t_embed/linear0", feat, F, D)), D, D))
	// normMod returns LN(x)·(1 + scale) + shift with rows (shift, scale) = mod[b, r], mod[b, r+1].
	normMod := func(x, mod []float64, rows, r int) []float64 {
		y := make([]float64, len(x))
		for tok := range len(x) / D {
			b := tok / (L * N)
			row := x[tok*D : (tok+1)*D]
			var mean, vr float64
			for _, a := range row {
				mean += a
			}
			mean /= float64(D)
			for _, a := range row {
				vr += (a - mean) * (a - mean)
			}
			vr /= float64(D)
			for k, a := range row {
				shift, scale := mod[(b*rows+r)*D+k], mod[(b*rows+r+1)*D+k]
				y[tok*D+k] = (a-mean)/math.Sqrt(vr+1e-6)*(1+scale) + shift
			}
		}
		return y
	}
	// attend runs attention on y [B, L, N, D] among the tokens that group(tok) puts together.
	attend := func(scope string, y []float64, temporal bool) []float64 {
		qkv := linear(scope+"/qkv", y, D, 3*D)
		heads := c.Heads
		dh := D / heads
		o := make([]float64, len(y))
		for b := range B {
			for f := range L {
				for n := range N {
					tok := (b*L+f)*N + n
					var others []int // the tokens this one attends to
					if temporal {
						for g := range L {
							others = append(others, (b*L+g)*N+n)
						}
					} else {
						for m := range N {
							others = append(others, (b*L+f)*N+m)
						}
					}
					for h := range heads {
						scores := make([]float64, len(others))
						mx := math.Inf(-1)
						for oi, other := range others {
							var s float64
							for k := range dh {
								s += qkv[tok*3*D+h*dh+k] * qkv[other*3*D+D+h*dh+k]
							}
							scores[oi] = s / math.Sqrt(float64(dh))
							mx = max(mx, scores[oi])
						}
						var z float64
						for oi := range scores {
							scores[oi] = math.Exp(scores[oi] - mx)
							z += scores[oi]
						}
						for oi, other := range others {
							for k := range dh {
								o[tok*D+h*dh+k] += scores[oi] / z * qkv[other*3*D+2*D+h*dh+k]
							}
						}
					}
				}
			}
		}
		return linear(scope+"/proj", o, D, D)
	}
	gelu := func(x []float64) []float64 {
		for i, a := range x {
			x[i] = 0.5 * a * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(a+0.044715*a*a*a)))
		}
		return x
	}
	subs := 3
	if c.SpatialOnly {
		subs = 2
	}
	for blk := range c.Depth {
		scope := "/block" + string(rune('0'+blk))
		mod := linear(scope+"/adaln", emb, D, 3*subs*D)
		residual := func(k int, f func([]float64) []float64) {
			y := f(normMod(x, mod, 3*subs, 3*k))
			for tok := range len(x) / D {
				b := tok / (L * N)
				for j := range D {
					x[tok*D+j] += mod[(b*3*subs+3*k+2)*D+j] * y[tok*D+j]
				}
			}
		}
		residual(0, func(y []float64) []float64 { return attend(scope+"/spatial", y, false) })
		if !c.SpatialOnly {
			residual(1, func(y []float64) []float64 { return attend(scope+"/temporal", y, true) })
		}
		residual(subs-1, func(y []float64) []float64 {
			r := c.MLPRatio * D
			return linear(scope+"/mlp2", gelu(linear(scope+"/mlp1", y, D, r)), r, D)
		})
	}
	mod := linear("/final/adaln", emb, D, 2*D)
	y := linear("/final/linear", normMod(x, mod, 2, 0), D, p*p*C)
	out := make([]float64, B*L*C*H*W)
	for b := range B {
		for f := range L {
			for n := range N {
				i, j := n/wp, n%wp
				for ch := range C {
					for u := range p {
						for w := range p {
							if i*p+u < H && j*p+w < W {
								out[(((b*L+f)*C+ch)*H+i*p+u)*W+j*p+w] = y[((b*L+f)*N+n)*p*p*C+(ch*p+u)*p+w]
							}
						}
					}
				}
			}
		}
	}
	return out
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// TestDiTTrains runs 30 AdamW steps of DyDiff's loss on fixed windows of travelling waves and checks
// that the loss falls by a third: the network's gradients reach its weights (at initialisation only
// the zero-initialised layers get gradients; adaLN-Zero must open up).
func TestDiTTrains(t *testing.T) {
	c := smallDiTConfig()
	c.DataChannels = 1
	checkWindowNetTrains(t, mustNewDiT(t, c).Apply)
}

// TestNewDiTRejectsBadConfig checks that NewDiT names the offending field.
func TestNewDiTRejectsBadConfig(t *testing.T) {
	cases := []struct {
		mutate func(*DiTConfig)
		want   string
	}{
		{func(c *DiTConfig) { c.DataChannels = 0 }, "DataChannels"},
		{func(c *DiTConfig) { c.StaticChannels = -1 }, "StaticChannels"},
		{func(c *DiTConfig) { c.Patch = -2 }, "Patch"},
		{func(c *DiTConfig) { c.Patch = 65 }, "Patch"},
		{func(c *DiTConfig) { c.Hidden = 18 }, "Hidden"},
		{func(c *DiTConfig) { c.Depth = -1 }, "Depth"},
		{func(c *DiTConfig) { c.Heads = 3 }, "Heads"},
		{func(c *DiTConfig) { c.MLPRatio = -1 }, "MLPRatio"},
		{func(c *DiTConfig) { c.Frequencies = 1 }, "Frequencies"},
		{func(c *DiTConfig) { c.Branches = -1 }, "Branches"},
		{func(c *DiTConfig) { c.ActionChannels = -1 }, "ActionChannels"},
		{func(c *DiTConfig) { c.InChannels, c.ActionChannels = 6, 2 }, "ActionChannels"},
	}
	for _, tc := range cases {
		c := smallDiTConfig()
		tc.mutate(&c)
		_, err := NewDiT(c)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("config %+v: error %v, want one naming %q", c, err, tc.want)
		}
	}
	d, err := NewDiT(DiTConfig{DataChannels: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Config(); got.Patch != 4 || got.Hidden != 64 || got.Depth != 4 || got.Heads != 1 || got.MLPRatio != 4 || got.Frequencies != 256 {
		t.Errorf("defaults %+v, want patch 4, hidden 64, depth 4, 1 head, MLP ratio 4, 256 frequencies", got)
	}
	if d := mustNewDiT(t, DiTConfig{DataChannels: 1, Hidden: 384}); d.Config().Heads != 6 {
		t.Errorf("hidden 384: %d heads by default, want 6 (64 channels each, DiT-S)", d.Config().Heads)
	}
}

// TestDiTApplyRejectsBadInputs checks that inputs that do not fit are errors of Exec naming what was
// expected.
func TestDiTApplyRejectsBadInputs(t *testing.T) {
	d := mustNewDiT(t, smallDiTConfig())
	exec, err := model.NewExec(goBackend(t), model.NewStore(), func(scope *model.Scope, x, noise, ctx *Node) *Node {
		return d.Apply(scope, x, noise, []*Node{ctx})
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
}

// TestDiTBranches checks that splitting the windows into two graph branches gives the output of one,
// up to rounding.
func TestDiTBranches(t *testing.T) {
	xt, ctx := randTensor(1, vB, vL, 2, vH, vW), randTensor(2, vB, vP, 2, vH, vW)
	store := model.NewStore()
	var outs [][]float64
	for _, n := range []int{1, 2} {
		c := smallDiTConfig()
		c.Branches = n
		d := mustNewDiT(t, c)
		if n == 1 {
			runNet(t, store, d.Apply, nil, xt, noiseLevels(vB), ctx)
			randomizeVariables(t, store, 13, 0.3)
		}
		out, _ := runNet(t, store, d.Apply, nil, xt, noiseLevels(vB), ctx)
		outs = append(outs, flat(out))
	}
	if e := relErr(outs[1], outs[0]); e > 1e-5 || maxAbs(outs[0]) == 0 {
		t.Errorf("two branches differ from one by %.3g (relative), output scale %.3g", e, maxAbs(outs[0]))
	}
}

// TestSinCos2D pins the 2D position embedding: patch (0, 0) is [0…0, 1…1, 0…0, 1…1]; patch (1, 2)
// of a 2×3 grid with dim 8 (q = 2, ω = 1, 1/100) has sin 1, sin 0.01, cos 1, cos 0.01 for its row and
// sin 2, sin 0.02, cos 2, cos 0.02 for its column.
func TestSinCos2D(t *testing.T) {
	e := SinCos2D(2, 3, 8)
	if len(e) != 48 {
		t.Fatalf("len %d, want 48", len(e))
	}
	want0 := []float64{0, 0, 1, 1, 0, 0, 1, 1}
	want5 := []float64{math.Sin(1), math.Sin(0.01), math.Cos(1), math.Cos(0.01), math.Sin(2), math.Sin(0.02), math.Cos(2), math.Cos(0.02)}
	if relErr(e[:8], want0) > 1e-15 || relErr(e[40:], want5) > 1e-15 {
		t.Errorf("SinCos2D: patch (0,0) %v, want %v; patch (1,2) %v, want %v", e[:8], want0, e[40:], want5)
	}
}

// TestDiTDocumentedCounts pins the parameter and FLOP counts docs/NETS.md ("DiT") quotes: DiT-S/4 on
// the reference's latent windows (15 frames of 3×16², one window) with and without the temporal
// attention, and the CPU default (hidden 64, depth 4, patch 4) on 15 frames of 2×32² and 2×64².
func TestDiTDocumentedCounts(t *testing.T) {
	s4 := ReferenceDiTS4Config(3)
	spatial := s4
	spatial.SpatialOnly = true
	cpu := DiTConfig{DataChannels: 2}
	for _, tc := range []struct {
		name              string
		c                 DiTConfig
		size              int
		params            int
		forward, training float64
	}{
		{"DiT-S/4", s4, 16, 44948400, 13792051200, 41352364032},
		{"DiT-S/4 spatial only", spatial, 16, 32529840, 10317692928, 30929289216},
		{"CPU default 32²", cpu, 32, 452448, 597057536, 1779343360},
		{"CPU default 64²", cpu, 64, 452448, 3142148096, 9379225600},
	} {
		d := mustNewDiT(t, tc.c)
		f := d.FLOPs(1, 15, tc.size, tc.size)
		if d.NumParams() != tc.params || f.Forward != tc.forward || f.Training != tc.training {
			t.Errorf("%s: %d parameters, FLOPs %+v; docs/NETS.md says %d, forward %.0f, training %.0f",
				tc.name, d.NumParams(), f, tc.params, tc.forward, tc.training)
		}
	}
}

// TestImageDiT checks the image DiT of the guided models (InChannels > 0): x [B, C, H, W] and two
// conditioning frames folded and concatenated as UNet.Apply does, the output shaped like x, exactly 0
// at initialisation, NumParams equal to the graph's variables and to the window DiT's count with
// C_in = 6 and no temporal attention; with random weights, in float64, it agrees with the host
// reference on the one frame [x | cond0 | cond1]; and a wrong channel count is an error naming
// InChannels.
func TestImageDiT(t *testing.T) {
	c := smallDiTConfig()
	c.InChannels, c.Branches = 6, 1
	d := mustNewDiT(t, c)
	if !d.Config().SpatialOnly {
		t.Errorf("an image DiT must have no temporal attention, config %+v", d.Config())
	}
	f64 := dtypes.Float64
	const H, W = 7, 8
	x, c0, c1 := randTensorAs(f64, 1, vB, 2, H, W), randTensorAs(f64, 2, vB, 2, H, W), randTensorAs(f64, 3, vB, 2, H, W)
	steps := fromFloats(f64, []float32{-1.2, 0.4}, vB)
	store := model.NewStore()
	out, _ := runNet(t, store, d.Apply, nil, x, steps, c0, c1)
	if dims := out.Shape().Dimensions; !equalInts(dims, []int{vB, 2, H, W}) {
		t.Errorf("output shape %v, want [%d 2 %d %d]", dims, vB, H, W)
	}
	if m := maxAbs(flat(out)); m != 0 {
		t.Errorf("initial output max |value| %g, want 0", m)
	}
	window := smallDiTConfig()
	window.SpatialOnly = true // its frames have 2·2 + 2 = 6 channels too
	if n := createdParams(store); n != d.NumParams() || n != mustNewDiT(t, window).NumParams() {
		t.Errorf("the graph created %d parameters, NumParams %d, the window DiT with C_in 6 %d", n, d.NumParams(), mustNewDiT(t, window).NumParams())
	}
	randomizeVariables(t, store, 5, 0.3)
	out, _ = runNet(t, store, d.Apply, nil, x, steps, c0, c1)
	vars := map[string][]float64{}
	for v := range trainable(store) {
		vars[v.Path()] = flat(v.MustValue())
	}
	frames := make([]float64, 0, vB*6*H*W)
	for b := range vB {
		for _, in := range []*tensors.Tensor{x, c0, c1} {
			frames = append(frames, flat(in)[b*2*H*W:(b+1)*2*H*W]...)
		}
	}
	want := ditHostForward(t, d.Config(), vars, frames, flat(steps), vB, 1, H, W)
	if e := relErr(flat(out), want); e > 1e-9 || maxAbs(want) < 1e-3 {
		t.Errorf("image DiT and the host reference differ by %.3g (relative), output scale %.3g", e, maxAbs(want))
	}
	exec, err := model.NewExec(goBackend(t), model.NewStore(), func(scope *model.Scope, x, noise, c0 *Node) *Node {
		return d.Apply(scope, x, noise, []*Node{c0})
	})
	if err != nil {
		t.Fatal(err)
	}
	defer exec.Finalize()
	if _, err := exec.Call(randTensor(1, vB, 2, H, W), noiseLevels(vB), randTensor(2, vB, 2, H, W)); err == nil || !strings.Contains(err.Error(), "InChannels = 6") {
		t.Errorf("4 channels into an image DiT of 6: error %v, want one naming InChannels", err)
	}
	bad := smallDiTConfig()
	bad.InChannels, bad.StaticChannels = 6, 1
	if _, err := NewDiT(bad); err == nil || !strings.Contains(err.Error(), "StaticChannels") {
		t.Errorf("an image DiT with static channels: error %v, want one naming StaticChannels", err)
	}
}

// TestDiTGradientCheck compares, in float64 with random weights, the automatic gradients of
// Σ net(x)·r with central finite differences for one entry of every variable (patch and noise
// embeddings, every block's adaLN, both attentions, the MLP and the final layer) and for entries of the
// noisy window (frames 0 and 3) and of the context.
func TestDiTGradientCheck(t *testing.T) {
	c := smallDiTConfig()
	c.Branches = 1
	d := mustNewDiT(t, c)
	const C = 2
	// frame 0 of window 0, frame 3 of window 1; every variable.
	checked, all := checkWindowNetGradients(t, d.Apply, []int{5, 2*vL*C*vH*vW - 7}, func(string) bool { return true })
	if checked != all || all < 20 {
		t.Errorf("checked %d of %d variables, expected every one of the DiT's (at least 20)", checked, all)
	}
}

// TestGeluTanh checks the MLP's GELU and its automatic gradient against the closed forms
// 0.5·x·(1 + tanh u) and 0.5·(1 + tanh u) + 0.5·x·(1 − tanh² u)·√(2/π)·(1 + 3·0.044715·x²),
// u = √(2/π)·(x + 0.044715·x³). (GoMLX's fused activation.GeluApproximate gives, on the Go backend,
// −1e-5 instead of −0.086 for the gradient at x = −2.)
func TestGeluTanh(t *testing.T) {
	xs := []float64{-2, -0.5, 0, 0.3, 1.5, 4}
	exec, err := model.NewExec(goBackend(t), model.NewStore(), func(_ *model.Scope, x *Node) []*Node {
		y := geluTanh(x)
		return []*Node{y, Gradient(ReduceAllSum(y), x)[0]}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer exec.Finalize()
	out, err := exec.Call(tensors.FromValue(xs))
	if err != nil {
		t.Fatal(err)
	}
	c := math.Sqrt(2 / math.Pi)
	for i, x := range xs {
		th := math.Tanh(c * (x + 0.044715*x*x*x))
		val, grad := 0.5*x*(1+th), 0.5*(1+th)+0.5*x*(1-th*th)*c*(1+3*0.044715*x*x)
		if got := flat(out[0])[i]; math.Abs(got-val) > 1e-12 {
			t.Errorf("gelu(%g) = %.15g, want %.15g", x, got, val)
		}
		if got := flat(out[1])[i]; math.Abs(got-grad) > 1e-12 {
			t.Errorf("gelu'(%g) = %.15g, want %.15g", x, got, grad)
		}
	}
}
