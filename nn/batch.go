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
	flat := Reshape(x, B, -1) // Once: the Go backend copies a shared Reshape's input.
	start := 0
	for i := range parts {
		size := B / n
		if i < B%n {
			size++
		}
		lo, hi := start, start+size
		part := cropRows(flat, lo, hi, x.Shape().Dimensions)
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
	dims := out.Shape().Dimensions
	var lastV, lastFlat *Node // One reshape of v for all parts.
	flat := func(v *Node) *Node {
		if v != lastV {
			lastV, lastFlat = v, Reshape(v, dims[0], -1)
		}
		return lastFlat
	}
	vjps := make([]func(*Node) *Node, len(xs))
	start := 0
	for i, x := range xs {
		lo, hi := start, start+x.Shape().Dimensions[0]
		vjps[i] = func(v *Node) *Node { return cropRows(flat(v), lo, hi, dims) }
		start = hi
	}
	return withVJP(xs, out, vjps)
}

// cropRows returns rows [lo, hi) of flat [B, N] (a tensor of shape dims viewed as rows), one
// contiguous block copied by a Gather, shaped [hi−lo, dims[1:]...] (no gradient: use under withVJP).
func cropRows(flat *Node, lo, hi int, dims []int) *Node {
	block := GatherSlices(flat, []int{0}, Const(flat.Graph(), [][]int32{{int32(lo)}}), []int{hi - lo}, true)
	return Reshape(block, append([]int{hi - lo}, dims[1:]...)...)
}
