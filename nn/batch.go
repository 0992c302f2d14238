package nn

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/support/exceptions"
)

// SplitBatch cuts x [B, ...] into n consecutive parts along the batch axis, of sizes differing by at
// most one (the first B mod n parts are the larger). n is clamped to [1, B].
//
// Its gradient is stated by hand (each part's gradient is padded back into place with zeros): GoMLX
// would differentiate a slice through Pad and Slice, which the Go backend runs element by element.
func SplitBatch(x *Node, n int) []*Node {
	if x.Rank() < 1 {
		exceptions.Panicf("nn.SplitBatch: x must have a batch axis, got shape %s", x.Shape())
	}
	B := x.Shape().Dimensions[0]
	n = min(max(n, 1), B)
	if n == 1 {
		return []*Node{x}
	}
	parts := make([]*Node, n)
	start := 0
	for i := range parts {
		size := B / n
		if i < B%n {
			size++
		}
		lo, hi := start, start+size
		part := cropBatch(x, lo, hi)
		parts[i] = withVJP([]*Node{x}, part, []func(*Node) *Node{
			func(v *Node) *Node { return padAxis(v, 0, lo, B-hi) },
		})
		start = hi
	}
	return parts
}

// ConcatBatch concatenates xs, each [B_i, ...] with the same other axes, along the batch axis 0: the
// inverse of SplitBatch. Its gradient is stated by hand: each input's gradient is its block of rows of
// the output gradient, copied out in one contiguous run.
func ConcatBatch(xs ...*Node) *Node {
	if len(xs) == 0 {
		exceptions.Panicf("nn.ConcatBatch: nothing to concatenate")
	}
	if len(xs) == 1 {
		return xs[0]
	}
	out := Concatenate(xs, 0)
	vjps := make([]func(*Node) *Node, len(xs))
	start := 0
	for i, x := range xs {
		lo, hi := start, start+x.Shape().Dimensions[0]
		vjps[i] = func(v *Node) *Node { return cropBatch(v, lo, hi) }
		start = hi
	}
	return withVJP(xs, out, vjps)
}

// cropBatch returns x[lo:hi] along axis 0, one contiguous block, by a Gather (no gradient: use under
// withVJP).
func cropBatch(x *Node, lo, hi int) *Node {
	dims := x.Shape().Dimensions
	if lo == 0 && hi == dims[0] {
		return x
	}
	flat := Reshape(x, dims[0], -1)
	block := GatherSlices(flat, []int{0}, Const(x.Graph(), [][]int32{{int32(lo)}}), []int{hi - lo}, true)
	out := append([]int{hi - lo}, dims[1:]...)
	return Reshape(block, out...)
}
