package nets

import (
	"math"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/nn"
)

// A straightforward implementation of the same UNet, from plain GoMLX operations differentiated by
// GoMLX (native convolution, the textbook group norm and attention, pooling by mean, upsampling by
// broadcast, Concatenate): the reference for the fast layers and their hand-written gradients. It
// walks the same plan and reads, by name, the variables that UNet.Apply created.

type refNet struct {
	u *UNet
	t testing.TB
	g *Graph
}

// variable returns the value of the existing variable scope/name, checking its shape.
func (r *refNet) variable(scope *model.Scope, name string, dims ...int) *Node {
	v := scope.GetVariable(name)
	if v == nil {
		r.t.Fatalf("reference: no variable %q in scope %q", name, scope.Scope())
	}
	if !equalInts(v.Shape().Dimensions, dims) {
		r.t.Fatalf("reference: variable %s is %s, want %v", v.Path(), v.Shape(), dims)
	}
	return v.NodeValue(r.g)
}

func (r *refNet) apply(scope *model.Scope, x, noise *Node, cond []*Node) *Node {
	r.g = x.Graph()
	c := r.u.cfg
	h := Concatenate(append([]*Node{x}, cond...), 1)
	emb := nn.SinusoidalEmbedding(ConvertDType(noise, x.DType()), c.Channels)
	es := scope.In("embed")
	emb = refSiLU(r.linear(es.In("linear0"), emb, c.EmbedChannels))
	emb = refSiLU(r.linear(es.In("linear1"), emb, c.EmbedChannels))
	var skips []*Node
	for _, s := range r.u.steps {
		if s.pop {
			h = Concatenate([]*Node{h, skips[len(skips)-1]}, 1)
			skips = skips[:len(skips)-1]
		}
		var sc *model.Scope
		if s.name != "" {
			sc = scope.In("%s", s.name)
		}
		switch s.kind {
		case convInStep:
			h = r.conv(sc, h, s.cout, 3)
		case resStep:
			h = r.resBlock(sc, h, emb, s.cout)
		case attnStep:
			h = r.attention(sc, h)
		case downStep:
			B, C, H, W := dims4(h)
			h = ReduceMean(Reshape(h, B, C, H/2, 2, W/2, 2), 3, 5)
		case upStep:
			B, C, H, W := dims4(h)
			h = Reshape(BroadcastToDims(Reshape(h, B, C, H, 1, W, 1), B, C, H, 2, W, 2), B, C, 2*H, 2*W)
		case convOutStep:
			h = r.conv(sc, refSiLU(r.groupNorm(sc.In("norm"), h)), s.cout, 3)
		}
		if s.push {
			skips = append(skips, h)
		}
	}
	return h
}

func (r *refNet) resBlock(scope *model.Scope, x, emb *Node, cout int) *Node {
	h := r.conv(scope.In("conv1"), refSiLU(r.groupNorm(scope.In("norm1"), x)), cout, 3)
	B := x.Shape().Dimensions[0]
	if r.u.cfg.Embedding == ScaleShift {
		st := r.linear(scope.In("emb"), emb, 2*cout)
		scale := Reshape(Slice(st, AxisRange(), AxisRange(0, cout)), B, cout, 1, 1)
		shift := Reshape(Slice(st, AxisRange(), AxisRange(cout, 2*cout)), B, cout, 1, 1)
		h = Add(Mul(r.groupNorm(scope.In("norm2"), h), OnePlus(scale)), shift)
	} else {
		h = Add(h, Reshape(r.linear(scope.In("emb"), emb, cout), B, cout, 1, 1))
		h = r.groupNorm(scope.In("norm2"), h)
	}
	h = r.conv(scope.In("conv2"), refSiLU(h), cout, 3)
	skip := x
	if x.Shape().Dimensions[1] != cout {
		skip = r.conv(scope.In("skip"), x, cout, 1)
	}
	return Add(skip, h)
}

// conv is GoMLX's native convolution (periodic axes wrapped by Slice + Concatenate) plus bias.
func (r *refNet) conv(scope *model.Scope, x *Node, cout, k int) *Node {
	cin := x.Shape().Dimensions[1]
	kernel := r.variable(scope, "kernel", cout, k, k, cin)
	bias := r.variable(scope, "bias", cout)
	p := k / 2
	pads := [][2]int{{p, p}, {p, p}}
	for i, mode := range []nn.Padding{r.u.cfg.PadH, r.u.cfg.PadW} {
		if mode == nn.Periodic && p > 0 {
			axis := 2 + i
			n := x.Shape().Dimensions[axis]
			x = Concatenate([]*Node{SliceAxis(x, axis, AxisRange(n-p, n)), x, SliceAxis(x, axis, AxisRange(0, p))}, axis)
			pads[i] = [2]int{0, 0}
		}
	}
	axes := ConvolveAxesConfig{
		InputBatch: 0, InputChannels: 1, InputSpatial: []int{2, 3},
		KernelOutputChannels: 0, KernelSpatial: []int{1, 2}, KernelInputChannels: 3,
		OutputBatch: 0, OutputChannels: 1, OutputSpatial: []int{2, 3},
	}
	out := ConvGeneral(x, kernel, axes, []int{1, 1}, pads, nil, nil, 1, 1)
	return Add(out, Reshape(bias, 1, cout, 1, 1))
}

func (r *refNet) groupNorm(scope *model.Scope, x *Node) *Node {
	B, C, H, W := dims4(x)
	G := min(r.u.cfg.Groups, C)
	scale, shift := r.variable(scope, "scale", C), r.variable(scope, "shift", C)
	x3 := Reshape(x, B, G, -1)
	mean := ReduceAndKeep(x3, ReduceMean, 2)
	variance := ReduceAndKeep(Square(Sub(x3, mean)), ReduceMean, 2)
	xhat := Reshape(Div(Sub(x3, mean), Sqrt(AddScalar(variance, r.u.cfg.GNEpsilon))), B, C, H, W)
	return Add(Mul(xhat, Reshape(scale, 1, C, 1, 1)), Reshape(shift, 1, C, 1, 1))
}

func (r *refNet) attention(scope *model.Scope, x *Node) *Node {
	B, C, H, W := dims4(x)
	heads := r.u.cfg.Heads
	d := C / heads
	h := r.groupNorm(scope.In("norm"), x)
	split := func(name string) *Node {
		return Reshape(r.conv(scope.In("%s", name), h, C, 1), B, heads, d, H*W)
	}
	q, k, v := split("q"), split("k"), split("v")
	scores := DotGeneral(q, []int{2}, []int{0, 1}, k, []int{2}, []int{0, 1}) // [B, heads, i, j]
	weights := Softmax(DivScalar(scores, math.Sqrt(float64(d))), -1)
	out := DotGeneral(v, []int{3}, []int{0, 1}, weights, []int{3}, []int{0, 1}) // [B, heads, d, i]
	return Add(x, r.conv(scope.In("proj"), Reshape(out, B, C, H, W), C, 1))
}

func (r *refNet) linear(scope *model.Scope, x *Node, out int) *Node {
	in := x.Shape().Dimensions[1]
	w, b := r.variable(scope, "weights", in, out), r.variable(scope, "bias", out)
	return Add(MatMul(x, w), Reshape(b, 1, out))
}

func refSiLU(x *Node) *Node { return Mul(x, Sigmoid(x)) }

// TestUNetMatchesReference checks the network built from tidal's fast layers (im2col convolution,
// hand-written gradients of group norm, attention, resampling and concatenation) against the
// straightforward reference built from plain GoMLX operations, on the Go backend: the output and the
// gradients w.r.t. every variable, with both ways of taking the embedding, both paddings, the batch
// in one or two branches, and also with ConvPath Native (the path XLA takes): relative error < 1e-5 in float32 and in float64 (where
// rounding leaves ~1e-14, so any difference in the maths shows: a group-norm ε of 1e-5 instead of
// 1e-6 in one layer did).
//
// The gradient of an attention key's bias is exactly 0 (softmax ignores a constant added to every
// score of a query), so both sides hold only rounding noise there: it is compared with the scale of
// the key kernel's gradient instead.
func TestUNetMatchesReference(t *testing.T) {
	const B, H, W = 2, 16, 16
	cases := []struct {
		name string
		mod  func(*Config)
	}{
		{"add-zero-1branch", func(c *Config) { c.Branches = 1 }},
		{"scaleshift-periodic-2branches", func(c *Config) {
			c.Embedding, c.PadH, c.PadW, c.Branches = ScaleShift, nn.Periodic, nn.Periodic, 2
		}},
		{"native-periodic-zero", func(c *Config) { c.ConvPath, c.PadH = nn.Native, nn.Periodic }},
	}
	for _, dt := range []struct {
		dtype dtypes.DType
		tol   float64
	}{{dtypes.Float64, 1e-5}, {dtypes.Float32, 1e-5}} {
		for i, tc := range cases {
			t.Run(dt.dtype.String()+"-"+tc.name, func(t *testing.T) {
				c := smallConfig()
				tc.mod(&c)
				u := mustNew(t, c)
				store := model.NewStore()
				seed := uint64(10 * i)
				x, cond := randTensorAs(dt.dtype, seed+1, B, 1, H, W), randTensorAs(dt.dtype, seed+2, B, 2, H, W)
				r := randTensorAs(dt.dtype, seed+3, B, 1, H, W)
				runNet(t, store, u.Apply, nil, x, noiseLevels(B), cond)
				randomizeVariables(t, store, 100*seed, 0.3)
				nVars := store.NumVariables()
				out, grads := runNet(t, store, u.Apply, r, x, noiseLevels(B), cond)
				ref := &refNet{u: u, t: t}
				wantOut, wantGrads := runNet(t, store, ref.apply, r, x, noiseLevels(B), cond)
				if store.NumVariables() != nVars {
					t.Fatalf("the reference created variables: %d, then %d", nVars, store.NumVariables())
				}
				if maxAbs(flat(wantOut)) == 0 {
					t.Fatal("reference output is zero: the comparison would be empty")
				}
				worst := 0.0
				check := func(what string, got, want []float64, scale float64) {
					var diff float64
					for j := range got {
						diff = max(diff, math.Abs(got[j]-want[j]))
					}
					e := diff / scale
					worst = max(worst, e)
					if e > dt.tol || e != e || len(got) != len(want) {
						t.Errorf("%s: relative error %.3g > %.0e", what, e, dt.tol)
					}
				}
				check("output", flat(out), flat(wantOut), maxAbs(flat(wantOut)))
				byPath := map[string][]float64{}
				j := 0
				for v := range trainable(store) {
					byPath[v.Path()] = flat(wantGrads[j])
					j++
				}
				j = 0
				for v := range trainable(store) {
					got, want := flat(grads[j]), byPath[v.Path()]
					scale := maxAbs(want)
					if strings.HasSuffix(v.Path(), "/k/bias") {
						scale = maxAbs(byPath[strings.TrimSuffix(v.Path(), "bias")+"kernel"])
					}
					check("gradient of "+v.Path(), got, want, scale)
					j++
				}
				t.Logf("largest relative error %.3g over the output and %d gradients", worst, j)
			})
		}
	}
}
