package nn

import (
	"math"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// TestNormalizeGroupsMatchesHost compares group normalisation with a float64 host loop.
func TestNormalizeGroupsMatchesHost(t *testing.T) {
	const B, C, H, W, G = 2, 6, 3, 5, 3
	x := randFloats(1, B*C*H*W)
	for i := range x {
		x[i] = 3*x[i] + 2 // A mean and a scale to remove.
	}
	scale, shift := randFloats(2, C), randFloats(3, C)
	got := runGraph(t, func(in []*Node) []*Node {
		return []*Node{NormalizeGroups(in[0], in[1], in[2], G, 1e-5)}
	}, tensors.FromFlatDataAndDimensions(x, B, C, H, W), tensors.FromFlatDataAndDimensions(scale, C),
		tensors.FromFlatDataAndDimensions(shift, C))[0]
	checkClose(t, "group norm", got, hostGroupNorm(x, B, C, H*W, G, scale, shift, 1e-5), 1e-5)
}

// groupNormAutodiff is group normalisation written plainly, differentiated by GoMLX: the reference
// for the hand-written gradient.
func groupNormAutodiff(x, scale, shift *Node, groups int, eps float64) *Node {
	dims := x.Shape().Dimensions
	B, C := dims[0], dims[1]
	x3 := Reshape(x, B, groups, -1)
	mean := ReduceAndKeep(x3, ReduceMean, 2)
	variance := ReduceAndKeep(Square(Sub(x3, mean)), ReduceMean, 2)
	xhat := Reshape(Div(Sub(x3, mean), Sqrt(AddScalar(variance, eps))), B, C, -1)
	return Reshape(Add(Mul(xhat, Reshape(scale, 1, C, 1)), Reshape(shift, 1, C, 1)), dims...)
}

// TestNormalizeGroupsGradient checks the hand-written gradient (w.r.t. x, scale and shift) against
// GoMLX's automatic differentiation of the plain formula.
func TestNormalizeGroupsGradient(t *testing.T) {
	const B, C, H, W, G = 3, 8, 4, 3, 4
	inputs := []*tensors.Tensor{randTensor(4, B, C, H, W), randTensor(5, C), randTensor(6, C), randTensor(7, B, C, H, W)}
	grads := func(norm func(x, scale, shift *Node, groups int, eps float64) *Node) [][]float32 {
		return runGraph(t, func(in []*Node) []*Node {
			y := norm(in[0], in[1], in[2], G, 1e-5)
			loss := ReduceAllSum(Mul(y, in[3]))
			return append([]*Node{y}, Gradient(loss, in[0], in[1], in[2])...)
		}, inputs...)
	}
	want := grads(groupNormAutodiff)
	for _, fusion := range []string{"true", "false"} { // See withVJP: both routes use the same gradient.
		t.Setenv(FusionEnv, fusion)
		got := grads(NormalizeGroups)
		for i, what := range []string{"output", "d/dx", "d/dscale", "d/dshift"} {
			checkClose(t, what+", fusion "+fusion, got[i], want[i], 1e-5)
		}
	}
}

// TestGroupNormLayer: a fresh layer (scale 1, shift 0) leaves every group with mean 0 and variance
// 1 − ε-ish, and creates variables [C] named scale and shift.
func TestGroupNormLayer(t *testing.T) {
	const B, C, H, W = 2, 8, 4, 4
	store := model.NewStore()
	out, err := model.CallOnce(goBackend(t), store, func(scope *model.Scope, x *Node) *Node {
		return GroupNorm(scope.In("gn"), x).Groups(2).Done()
	}, randTensor(8, B, C, H, W))
	if err != nil {
		t.Fatal(err)
	}
	y := tensors.MustCopyFlatData[float32](out)
	n := C / 2 * H * W
	for g := 0; g < B*2; g++ {
		var sum, sq float64
		for _, v := range y[g*n : (g+1)*n] {
			sum += float64(v)
			sq += float64(v) * float64(v)
		}
		if mean, variance := sum/float64(n), sq/float64(n)-(sum/float64(n))*(sum/float64(n)); math.Abs(mean) > 1e-5 || math.Abs(variance-1) > 1e-3 {
			t.Errorf("group %d: mean %g, variance %g", g, mean, variance)
		}
	}
	for _, name := range []string{"/gn/scale", "/gn/shift"} {
		v := store.GetVariable(name)
		if v == nil || v.Shape().Rank() != 1 || v.Shape().Dimensions[0] != C {
			t.Errorf("variable %s: %v", name, v)
		}
	}
}

// TestGroupsFor pins the divisor rule: the largest divisor of the channels that is at most the
// groups asked for, by golden values and against a brute-force search; and where the groups
// asked for already divided every layer (the only configurations accepted before the rule), the
// rule chooses min(groups, channels), as before, so that saved runs keep their networks.
func TestGroupsFor(t *testing.T) {
	for _, tc := range []struct{ channels, groups, want int }{
		{48, 32, 24}, {36, 8, 6}, {7, 8, 7}, {5, 4, 1}, {6, 4, 3}, {24, 16, 12}, {16, 32, 16},
		{64, 32, 32}, {96, 32, 32}, {18, 8, 6}, {12, 8, 6}, {13, 12, 1}, {4, 1, 1}, {4, 0, 1},
	} {
		if got := GroupsFor(tc.channels, tc.groups); got != tc.want {
			t.Errorf("GroupsFor(%d, %d) = %d, want %d", tc.channels, tc.groups, got, tc.want)
		}
	}
	for c := 1; c <= 200; c++ {
		for g := 1; g <= 70; g++ {
			want := 1
			for d := 1; d <= min(c, g); d++ {
				if c%d == 0 {
					want = d
				}
			}
			got := GroupsFor(c, g)
			if got != want {
				t.Fatalf("GroupsFor(%d, %d) = %d, brute force says %d", c, g, got, want)
			}
			if old := min(g, c); c%old == 0 && got != old {
				t.Fatalf("GroupsFor(%d, %d) = %d, but the old rule's %d divided the channels", c, g, got, old)
			}
		}
	}
}

// TestGroupNormLayerChoosesDivisor checks that the layer applies the rule: 12 channels with at most
// 8 groups asked for normalise exactly as 6 groups (of 2 channels) do.
func TestGroupNormLayerChoosesDivisor(t *testing.T) {
	const B, C, H, W = 2, 12, 3, 3
	x := randFloats(9, B*C*H*W)
	out, err := model.CallOnce(goBackend(t), model.NewStore(), func(scope *model.Scope, x *Node) *Node {
		return GroupNorm(scope.In("gn"), x).Groups(8).Done()
	}, tensors.FromFlatDataAndDimensions(x, B, C, H, W))
	if err != nil {
		t.Fatal(err)
	}
	ones, zeros := make([]float32, C), make([]float32, C)
	for i := range ones {
		ones[i] = 1
	}
	checkClose(t, "12 channels, at most 8 groups", tensors.MustCopyFlatData[float32](out),
		hostGroupNorm(x, B, C, H*W, 6, ones, zeros, 1e-5), 1e-5)
}
