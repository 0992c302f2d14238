package nets

import (
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/nn"
)

// smallConfig is a network small enough for quick tests that still has every kind of step: three
// levels, a channel change, attention at level 1 and in the middle, two heads.
func smallConfig() Config {
	return Config{InChannels: 3, OutChannels: 1, Channels: 8, Mults: []int{1, 2, 2}, Blocks: 1,
		AttnLevels: []int{1}, Heads: 2, Groups: 4}
}

func mustNew(t testing.TB, c Config) *UNet {
	t.Helper()
	u, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// applyFn is UNet.Apply or the test's reference implementation.
type applyFn func(scope *model.Scope, x, noise *Node, cond []*Node) *Node

// runNet runs apply on inputs (x, noise level, cond...) with the variables of store and returns the
// output, and -- if r is not nil -- the gradients of Σ out·r w.r.t. every trainable variable, in
// the store's order.
func runNet(t testing.TB, store *model.Store, apply applyFn, r *tensors.Tensor, inputs ...*tensors.Tensor) (out *tensors.Tensor, grads []*tensors.Tensor) {
	t.Helper()
	exec, err := model.NewExec(goBackend(t), store, func(scope *model.Scope, in []*Node) []*Node {
		y := apply(scope, in[0], in[1], in[2:len(inputs)])
		if r == nil {
			return []*Node{y}
		}
		loss := ReduceAllSum(Mul(y, in[len(inputs)]))
		var vars []*Node
		for v := range trainable(scope.Store()) {
			vars = append(vars, v.NodeValue(y.Graph()))
		}
		return append([]*Node{y}, Gradient(loss, vars...)...)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer exec.Finalize()
	args := make([]any, 0, len(inputs)+1)
	for _, in := range inputs {
		args = append(args, in)
	}
	if r != nil {
		args = append(args, r)
	}
	outs, err := exec.Call(args...)
	if err != nil {
		t.Fatal(err)
	}
	return outs[0], outs[1:]
}

func noiseLevels(B int) *tensors.Tensor {
	v := make([]float32, B)
	for i := range v {
		v[i] = 0.3*float32(i) - 0.4
	}
	return tensors.FromFlatDataAndDimensions(v, B)
}

// TestUNetOutputShape checks the output shapes: x and two conditioning channels in, one channel out;
// and DyDiff's layout, frames × channels folded into channels and the output shaped like x.
func TestUNetOutputShape(t *testing.T) {
	u := mustNew(t, smallConfig())
	out, _ := runNet(t, model.NewStore(), u.Apply, nil, randTensor(1, 2, 1, 16, 8), noiseLevels(2),
		randTensor(2, 2, 1, 16, 8), randTensor(3, 2, 1, 16, 8))
	if got := out.Shape().Dimensions; !equalInts(got, []int{2, 1, 16, 8}) {
		t.Errorf("output shape %v, want [2 1 16 8]", got)
	}
	c := smallConfig()
	c.InChannels, c.OutChannels = 3*2+2*2, 3*2 // x [B, 3 frames, 2 channels, H, W], cond [B, 2, 2, H, W]
	v := mustNew(t, c)
	out, _ = runNet(t, model.NewStore(), v.Apply, nil, randTensor(4, 2, 3, 2, 8, 8), noiseLevels(2), randTensor(5, 2, 2, 2, 8, 8))
	if got := out.Shape().Dimensions; !equalInts(got, []int{2, 3, 2, 8, 8}) {
		t.Errorf("video layout: output shape %v, want [2 3 2 8 8]", got)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestUNetStartsAtZero checks that the freshly initialised network outputs exactly 0 (its output
// convolution starts at zero), and that the variables it creates hold NumParams scalars, for both
// embeddings and both output heads.
func TestUNetStartsAtZero(t *testing.T) {
	for i, emb := range []Embedding{AddEmbedding, ScaleShift, AddEmbedding} {
		c := smallConfig()
		c.Embedding = emb
		if i == 2 {
			c.Head = LinearHead
		}
		u := mustNew(t, c)
		store := model.NewStore()
		out, _ := runNet(t, store, u.Apply, nil, randTensor(1, 2, 1, 16, 16), noiseLevels(2),
			randTensor(2, 2, 1, 16, 16), randTensor(3, 2, 1, 16, 16))
		if m := maxAbs(flat(out)); m != 0 {
			t.Errorf("%s, %s head: initial output has max |value| %g, want 0", emb, c.Head, m)
		}
		n := 0
		for v := range trainable(store) {
			n += v.Shape().Size()
		}
		if n != u.NumParams() {
			t.Errorf("%s, %s head: the graph created %d parameters, NumParams says %d", emb, c.Head, n, u.NumParams())
		}
	}
}

// circShift returns x [B, C, H, W] (flat) circularly shifted by (dy, dx): out[i, j] = x[i−dy, j−dx].
func circShift[T float32 | float64](x []T, B, C, H, W, dy, dx int) []T {
	out := make([]T, len(x))
	for bc := range B * C {
		for i := range H {
			for j := range W {
				out[bc*H*W+((i+dy)%H)*W+(j+dx)%W] = x[bc*H*W+i*W+j]
			}
		}
	}
	return out
}

// TestUNetPeriodicEquivariance checks that with periodic padding on both axes the network commutes
// with circular shifts by multiples of 2^(levels−1) (here 4): net(shift(x)) = shift(net(x)), with
// random weights. With zero padding the same comparison must fail, which shows the test can.
func TestUNetPeriodicEquivariance(t *testing.T) {
	const B, H, W, dy, dx = 2, 16, 16, 4, 8
	x := randFloats(1, B*H*W, 1)
	cond := randFloats(2, 2*B*H*W, 1)
	for _, pad := range []nn.Padding{nn.Periodic, nn.Zero} {
		c := smallConfig()
		c.PadH, c.PadW = pad, pad
		u := mustNew(t, c)
		store := model.NewStore()
		run := func(x, cond []float32) []float64 {
			out, _ := runNet(t, store, u.Apply, nil, tensors.FromFlatDataAndDimensions(x, B, 1, H, W), noiseLevels(B),
				tensors.FromFlatDataAndDimensions(cond, B, 2, H, W))
			return flat(out)
		}
		run(x, cond) // creates the variables
		randomizeVariables(t, store, 7, 0.3)
		shiftedOut := circShift(run(x, cond), B, 1, H, W, dy, dx)
		outOfShifted := run(circShift(x, B, 1, H, W, dy, dx), circShift(cond, B, 2, H, W, dy, dx))
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

// TestUNetGradientsReachEveryVariable checks, with random weights (at the initialisation the zero
// output convolution blocks every other gradient), that every variable gets a finite, non-zero
// gradient.
func TestUNetGradientsReachEveryVariable(t *testing.T) {
	for _, emb := range []Embedding{AddEmbedding, ScaleShift} {
		c := smallConfig()
		c.Embedding = emb
		u := mustNew(t, c)
		store := model.NewStore()
		x, r := randTensor(1, 2, 1, 16, 16), randTensor(4, 2, 1, 16, 16)
		cond := []*tensors.Tensor{randTensor(2, 2, 1, 16, 16), randTensor(3, 2, 1, 16, 16)}
		runNet(t, store, u.Apply, nil, x, noiseLevels(2), cond[0], cond[1])
		randomizeVariables(t, store, 11, 0.3)
		_, grads := runNet(t, store, u.Apply, r, x, noiseLevels(2), cond[0], cond[1])
		i := 0
		for v := range trainable(store) {
			g := flat(grads[i])
			if m := maxAbs(g); m == 0 || m != m || m > 1e30 {
				t.Errorf("%s: gradient of %s has max |value| %g", emb, v.Path(), m)
			}
			i++
		}
		if i != len(grads) || i == 0 {
			t.Errorf("%s: %d gradients for %d variables", emb, len(grads), i)
		}
	}
}

// TestNewRejectsBadConfig checks that New names the offending field.
func TestNewRejectsBadConfig(t *testing.T) {
	cases := []struct {
		mutate func(*Config)
		want   string
	}{
		{func(c *Config) { c.InChannels = 0 }, "InChannels"},
		{func(c *Config) { c.OutChannels = -1 }, "OutChannels"},
		{func(c *Config) { c.Mults = []int{1, 0} }, "Mults[1]"},
		{func(c *Config) { c.Heads = 3 }, "heads"},
		{func(c *Config) { c.Groups = -1 }, "Groups"},
		{func(c *Config) { c.AttnLevels = []int{5} }, "AttnLevels"},
		{func(c *Config) { c.Dropout = 1 }, "Dropout"},
	}
	for _, tc := range cases {
		c := smallConfig()
		tc.mutate(&c)
		_, err := New(c)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("config %+v: error %v, want one naming %q", c, err, tc.want)
		}
	}
}

// TestApplyRejectsBadInputs checks that wrong input channels are reported as errors by Exec, and that
// any grid size is taken.
func TestApplyRejectsBadInputs(t *testing.T) {
	u := mustNew(t, smallConfig())
	exec, err := model.NewExec(goBackend(t), model.NewStore(), func(scope *model.Scope, x, noise *Node) *Node {
		return u.Apply(scope, x, noise, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer exec.Finalize()
	if _, err := exec.Call(randTensor(1, 2, 3, 16, 16), noiseLevels(2)); err != nil {
		t.Fatalf("3 channels: %v", err)
	}
	if _, err := exec.Call(randTensor(1, 2, 2, 16, 16), noiseLevels(2)); err == nil || !strings.Contains(err.Error(), "InChannels") {
		t.Errorf("2 channels: error %v, want one naming InChannels", err)
	}
	if out, err := exec.Call(randTensor(1, 2, 3, 14, 16), noiseLevels(2)); err != nil || out[0].Shape().Dimensions[2] != 14 {
		t.Errorf("height 14 (padded to 16 and cropped back): %v", err)
	}
}

// TestUNetDropout checks that dropout acts only while the scope is training: outside training the
// network with Dropout 0.5 gives exactly the output of the same variables with Dropout 0; in training
// it gives another.
func TestUNetDropout(t *testing.T) {
	c := smallConfig()
	c.Dropout = 0.5
	u := mustNew(t, c)
	c.Dropout = 0
	plain := mustNew(t, c)
	store := model.NewStore()
	x, cond := randTensor(1, 2, 1, 16, 16), randTensor(2, 2, 2, 16, 16)
	runNet(t, store, u.Apply, nil, x, noiseLevels(2), cond)
	randomizeVariables(t, store, 5, 0.3)
	training := func(scope *model.Scope, x, noise *Node, cond []*Node) *Node {
		scope.SetTraining(x.Graph(), true)
		return u.Apply(scope, x, noise, cond)
	}
	off, _ := runNet(t, store, u.Apply, nil, x, noiseLevels(2), cond)
	want, _ := runNet(t, store, plain.Apply, nil, x, noiseLevels(2), cond)
	on, _ := runNet(t, store, training, nil, x, noiseLevels(2), cond)
	if e := relErr(flat(off), flat(want)); e != 0 {
		t.Errorf("dropout outside training changed the output by %.3g", e)
	}
	if e := relErr(flat(on), flat(want)); e < 1e-3 {
		t.Errorf("dropout in training changed the output by only %.3g", e)
	}
}
