package nn

import (
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// hostTemporalConv is the definition of TemporalConv as loops on the host, with the gradients of
// Σ out·r w.r.t. x and the kernel, derived independently: dx[b, f', c, s] = Σ_{o, k} kernel[o, k, c] ·
// r[b, f' − k + K/2, o, s] and dkernel[o, k, c] = Σ_{b, f, s} r[b, f, o, s] · x[b, f + k − K/2, c, s].
func hostTemporalConv(x, kernel, r []float32, B, F, Cin, S, Cout, K int) (out, dx, dk []float32) {
	out = make([]float32, B*F*Cout*S)
	dx = make([]float32, len(x))
	dk = make([]float32, len(kernel))
	for b := range B {
		for f := range F {
			for k := range K {
				src := f + k - K/2
				if src < 0 || src >= F {
					continue
				}
				for o := range Cout {
					for c := range Cin {
						w := kernel[(o*K+k)*Cin+c]
						for s := range S {
							xi := ((b*F+src)*Cin+c)*S + s
							oi := ((b*F+f)*Cout+o)*S + s
							out[oi] += w * x[xi]
							dx[xi] += w * r[oi]
							dk[(o*K+k)*Cin+c] += r[oi] * x[xi]
						}
					}
				}
			}
		}
	}
	return out, dx, dk
}

// TestTemporalConvMatchesLoops checks TemporalConv and its hand-written gradients against the loops,
// for 3 and 5 taps, one frame (every tap but the centre in the padding) and several.
func TestTemporalConvMatchesLoops(t *testing.T) {
	cases := []struct{ B, F, Cin, H, W, Cout, K int }{
		{2, 5, 3, 4, 3, 4, 3},
		{1, 6, 2, 2, 5, 3, 5},
		{3, 1, 2, 3, 3, 2, 3},
		{1, 4, 8, 8, 8, 8, 3},
	}
	for i, c := range cases {
		seed := uint64(10 * i)
		x := randTensor(seed+1, c.B*c.F, c.Cin, c.H, c.W)
		kernel := randTensor(seed+2, c.Cout, c.K, c.Cin)
		r := randTensor(seed+3, c.B*c.F, c.Cout, c.H, c.W)
		got := runGraph(t, func(in []*Node) []*Node {
			out := TemporalConv(in[0], in[1], c.F)
			g := Gradient(ReduceAllSum(Mul(out, in[2])), in[0], in[1])
			return []*Node{out, g[0], g[1]}
		}, x, kernel, r)
		out, dx, dk := hostTemporalConv(randFloats(seed+1, c.B*c.F*c.Cin*c.H*c.W), randFloats(seed+2, c.Cout*c.K*c.Cin),
			randFloats(seed+3, c.B*c.F*c.Cout*c.H*c.W), c.B, c.F, c.Cin, c.H*c.W, c.Cout, c.K)
		checkClose(t, "output", got[0], out, 1e-5)
		checkClose(t, "input gradient", got[1], dx, 1e-5)
		checkClose(t, "kernel gradient", got[2], dk, 1e-5)
	}
}

// TestTemporalConvLayer checks the layer's variables (a zero-initialised kernel gives the bias alone,
// which starts at 0) and that a frame count not dividing the batch is an error.
func TestTemporalConvLayer(t *testing.T) {
	store := model.NewStore()
	exec, err := model.NewExec(goBackend(t), store, func(scope *model.Scope, x *Node) *Node {
		return TemporalConvLayer(scope, x, 3).Channels(5).ZeroInit().Done()
	})
	if err != nil {
		t.Fatal(err)
	}
	defer exec.Finalize()
	outs, err := exec.Call(randTensor(1, 6, 2, 4, 4))
	if err != nil {
		t.Fatal(err)
	}
	if d := outs[0].Shape().Dimensions; len(d) != 4 || d[0] != 6 || d[1] != 5 {
		t.Errorf("output shape %v, want [6 5 4 4]", d)
	}
	n := 0
	for v := range store.IterVariables() {
		n += v.Shape().Size()
	}
	if n != 5*3*2+5 {
		t.Errorf("the layer created %d parameters, want %d", n, 5*3*2+5)
	}
	if _, err := exec.Call(randTensor(1, 4, 2, 4, 4)); err == nil || !strings.Contains(err.Error(), "frames") {
		t.Errorf("4 rows for 3 frames: error %v, want one about frames", err)
	}
}

// TestLayerScale checks that Scale(s) multiplies the output of the convolution layers by s, bias
// included, for the same variables (set to random values), and that s gets its gradient
// Σ r·conv(x) = d/ds Σ r·s·conv(x).
func TestLayerScale(t *testing.T) {
	x, r := randTensor(1, 6, 3, 4, 4), randTensor(2, 6, 5, 4, 4)
	for _, layer := range []struct {
		name  string
		build func(scope *model.Scope, x, s *Node) *Node
	}{
		{"Conv", func(scope *model.Scope, x, s *Node) *Node {
			b := Conv(scope, x).Channels(5)
			if s != nil {
				b = b.Scale(s)
			}
			return b.Done()
		}},
		{"TemporalConvLayer", func(scope *model.Scope, x, s *Node) *Node {
			b := TemporalConvLayer(scope, x, 3).Channels(5)
			if s != nil {
				b = b.Scale(s)
			}
			return b.Done()
		}},
	} {
		store := model.NewStore()
		exec, err := model.NewExec(goBackend(t), store, func(scope *model.Scope, x, s, r *Node) []*Node {
			scope.SetTraining(x.Graph(), true)
			plain := layer.build(scope, x, nil)
			gated := layer.build(scope.ResetVisited(), x, s)
			return []*Node{plain, gated, Gradient(ReduceAllSum(Mul(gated, r)), s)[0], ReduceAllSum(Mul(plain, r))}
		})
		if err != nil {
			t.Fatal(err)
		}
		s := tensors.FromValue(float32(0.37))
		if _, err := exec.Call(x, s, r); err != nil { // creates the variables; then a non-zero bias
			t.Fatal(err)
		}
		for v := range store.IterVariables() {
			if v.Name() == "bias" {
				if err := v.SetValue(randTensor(3, v.Shape().Dimensions...)); err != nil {
					t.Fatal(err)
				}
			}
		}
		outs, err := exec.Call(x, s, r)
		if err != nil {
			t.Fatal(err)
		}
		plain := tensors.MustCopyFlatData[float32](outs[0])
		want := make([]float32, len(plain))
		for i, p := range plain {
			want[i] = 0.37 * p
		}
		checkClose(t, layer.name+" scaled output", tensors.MustCopyFlatData[float32](outs[1]), want, 1e-6)
		checkClose(t, layer.name+" gradient of the scale", tensors.MustCopyFlatData[float32](outs[2]), tensors.MustCopyFlatData[float32](outs[3]), 1e-5)
	}
}
