package nn

import (
	"math"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// TestAttendMatchesHost compares multi-head attention with a float64 host loop.
func TestAttendMatchesHost(t *testing.T) {
	const B, heads, d, L = 2, 3, 4, 7
	q, k, v := randFloats(1, B*heads*d*L), randFloats(2, B*heads*d*L), randFloats(3, B*heads*d*L)
	for i := range q {
		q[i] *= 3 // Peaked weights.
	}
	ts := func(a []float32) *tensors.Tensor { return tensors.FromFlatDataAndDimensions(a, B, heads, d, L) }
	got := runGraph(t, func(in []*Node) []*Node { return []*Node{Attend(in[0], in[1], in[2])} }, ts(q), ts(k), ts(v))[0]
	checkClose(t, "attention", got, hostAttend(q, k, v, B, heads, d, L), 1e-5)
}

// attendAutodiff is Attend written plainly and differentiated by GoMLX: the gradient reference.
func attendAutodiff(q, k, v *Node) *Node {
	scores := DotGeneral(q, []int{2}, []int{0, 1}, k, []int{2}, []int{0, 1})
	weights := Softmax(DivScalar(scores, math.Sqrt(float64(q.Shape().Dimensions[2]))), -1)
	return DotGeneral(v, []int{3}, []int{0, 1}, weights, []int{3}, []int{0, 1})
}

// TestAttendGradient compares the hand-written gradient of Attend w.r.t. q, k and v with GoMLX's
// automatic differentiation of the plain formula.
func TestAttendGradient(t *testing.T) {
	const B, heads, d, L = 2, 2, 3, 5
	inputs := []*tensors.Tensor{randTensor(1, B, heads, d, L), randTensor(2, B, heads, d, L),
		randTensor(3, B, heads, d, L), randTensor(4, B, heads, d, L)}
	grads := func(attend func(q, k, v *Node) *Node) [][]float32 {
		return runGraph(t, func(in []*Node) []*Node {
			// q is used twice (as q and, scaled, as k) to check gradient accumulation too.
			loss := ReduceAllSum(Mul(attend(in[0], Add(in[1], MulScalar(in[0], 0.5)), in[2]), in[3]))
			return Gradient(loss, in[0], in[1], in[2])
		}, inputs...)
	}
	want := grads(attendAutodiff)
	for _, fusion := range []string{"true", "false"} { // See withVJP: both routes use the same gradient.
		t.Setenv(FusionEnv, fusion)
		got := grads(Attend)
		for i, what := range []string{"d/dq", "d/dk", "d/dv"} {
			checkClose(t, what+", fusion "+fusion, got[i], want[i], 1e-5)
		}
	}
}

// TestSelfAttentionBlock checks the block against a host computation with the same variables:
// x + proj(attend(q, k, v)) with q, k, v 1×1 convolutions of the group-normalised x. The zero-
// initialised projection is replaced by random values first (a fresh block is the identity; checked too).
func TestSelfAttentionBlock(t *testing.T) {
	const B, C, H, W, heads, groups = 2, 8, 3, 4, 2, 4
	x := randFloats(1, B*C*H*W)
	store := model.NewStore()
	block := func(scope *model.Scope, x *Node) *Node {
		return SelfAttention(scope.In("attn"), x).Heads(heads).Groups(groups).Done()
	}
	exec, err := model.NewExec(goBackend(t), store, block)
	if err != nil {
		t.Fatal(err)
	}
	defer exec.Finalize()
	xt := tensors.FromFlatDataAndDimensions(x, B, C, H, W)
	fresh, err := exec.Call1(xt)
	if err != nil {
		t.Fatal(err)
	}
	checkClose(t, "fresh block (identity)", tensors.MustCopyFlatData[float32](fresh), x, 0)

	vals := map[string][]float32{}
	for i, name := range []string{"q/kernel", "q/bias", "k/kernel", "k/bias", "v/kernel", "v/bias", "proj/kernel", "proj/bias", "norm/scale", "norm/shift"} {
		variable := store.GetVariable("/attn/" + name)
		if variable == nil {
			t.Fatalf("variable /attn/%s not created", name)
		}
		vals[name] = randFloats(uint64(10+i), variable.Shape().Size())
		if err := variable.SetValue(tensors.FromFlatDataAndDimensions(vals[name], variable.Shape().Dimensions...)); err != nil {
			t.Fatal(err)
		}
	}
	out, err := exec.Call1(xt)
	if err != nil {
		t.Fatal(err)
	}
	S := H * W
	h := hostGroupNorm(x, B, C, S, groups, vals["norm/scale"], vals["norm/shift"], 1e-5)
	q := hostConv1x1(h, B, C, S, vals["q/kernel"], C, vals["q/bias"])
	k := hostConv1x1(h, B, C, S, vals["k/kernel"], C, vals["k/bias"])
	v := hostConv1x1(h, B, C, S, vals["v/kernel"], C, vals["v/bias"])
	a := hostAttend(q, k, v, B, heads, C/heads, S)
	want := hostConv1x1(a, B, C, S, vals["proj/kernel"], C, vals["proj/bias"])
	for i := range want {
		want[i] += x[i]
	}
	checkClose(t, "attention block", tensors.MustCopyFlatData[float32](out), want, 1e-5)
}
