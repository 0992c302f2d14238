package nn

import (
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
)

// TestWithVJP: the value is the forward value, and the gradients are the stated ones, not those of
// the forward operations: with value = 3·x·y and stated gradients 5·v (for x) and nil (for y), the
// gradient w.r.t. x is 5·r, and y gets none (zeros), with GoMLX fusion on and off. A second use of x
// outside shows that the stated gradient is added to the others.
func TestWithVJP(t *testing.T) {
	x, y, r := randFloats(1, 6), randFloats(2, 6), randFloats(3, 6)
	for _, fusion := range []string{"true", "false"} {
		t.Setenv(FusionEnv, fusion)
		got := runGraph(t, func(in []*Node) []*Node {
			value := MulScalar(Mul(in[0], in[1]), 3)
			out := withVJP([]*Node{in[0], in[1]}, value, []func(*Node) *Node{
				func(v *Node) *Node { return MulScalar(v, 5) }, nil,
			})
			loss := Add(ReduceAllSum(Mul(out, in[2])), ReduceAllSum(in[0])) // x also used directly.
			return append([]*Node{out}, Gradient(loss, in[0], in[1])...)
		}, tensors.FromFlatDataAndDimensions(x, 2, 3), tensors.FromFlatDataAndDimensions(y, 2, 3),
			tensors.FromFlatDataAndDimensions(r, 2, 3))
		wantOut, wantDx, wantDy := make([]float32, 6), make([]float32, 6), make([]float32, 6)
		for i := range x {
			wantOut[i] = 3 * x[i] * y[i]
			wantDx[i] = 5*r[i] + 1
		}
		checkClose(t, "value, fusion "+fusion, got[0], wantOut, 1e-6)
		checkClose(t, "d/dx, fusion "+fusion, got[1], wantDx, 1e-6)
		checkClose(t, "d/dy, fusion "+fusion, got[2], wantDy, 0)
	}
}
