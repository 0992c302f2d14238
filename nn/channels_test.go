package nn

import (
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
)

// TestAddPerChannel compares x + p[c] and its gradients with host loops.
func TestAddPerChannel(t *testing.T) {
	const B, C, H, W = 2, 3, 2, 4
	x, p, r := randFloats(1, B*C*H*W), randFloats(2, C), randFloats(3, B*C*H*W)
	got := runGraph(t, func(in []*Node) []*Node {
		y := addPerChannel(in[0], in[1])
		return append([]*Node{y}, Gradient(ReduceAllSum(Mul(y, in[2])), in[0], in[1])...)
	}, tensors.FromFlatDataAndDimensions(x, B, C, H, W), tensors.FromFlatDataAndDimensions(p, C),
		tensors.FromFlatDataAndDimensions(r, B, C, H, W))
	want, dp := make([]float32, len(x)), make([]float32, C)
	for i := range x {
		c := i / (H * W) % C
		want[i] = x[i] + p[c]
		dp[c] += r[i]
	}
	checkClose(t, "x + p", got[0], want, 0)
	checkClose(t, "d/dx", got[1], r, 0)
	checkClose(t, "d/dp", got[2], dp, 1e-6)
}
