package nn

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/support/exceptions"
)

// ConcatChannels concatenates xs, each [B, C_i, ...] with the same batch and trailing axes, along
// the channel axis 1: the skip connections and conditioning inputs of a UNet.
//
// Its gradient is stated by hand: each input's gradient is its block of channels of the output
// gradient, cut out with one Gather of contiguous runs. GoMLX differentiates Concatenate through
// Slice, which the Go backend runs element by element.
func ConcatChannels(xs ...*Node) *Node {
	if len(xs) == 0 {
		exceptions.Panicf("nn.ConcatChannels: nothing to concatenate")
	}
	if len(xs) == 1 {
		return xs[0]
	}
	first := xs[0].Shape()
	if first.Rank() < 2 {
		exceptions.Panicf("nn.ConcatChannels: inputs must be [batch, channels, ...], got shape %s", first)
	}
	B, S := first.Dimensions[0], first.Size()/(first.Dimensions[0]*first.Dimensions[1])
	offsets := make([]int, len(xs)+1)
	for i, x := range xs {
		d := x.Shape().Dimensions
		if x.Rank() != first.Rank() || x.DType() != first.DType ||
			d[0] != B || x.Shape().Size() != B*d[1]*S {
			exceptions.Panicf("nn.ConcatChannels: input %d is %s, which does not fit %s but for its channels", i, x.Shape(), first)
		}
		offsets[i+1] = offsets[i] + d[1]
	}
	out := Concatenate(xs, 1)
	C := offsets[len(xs)]
	var lastV, lastV3 *Node // One reshape of v for all parts: the Go backend copies a shared Reshape's input.
	v3 := func(v *Node) *Node {
		if v != lastV {
			lastV, lastV3 = v, Reshape(v, B, C, S)
		}
		return lastV3
	}
	vjps := make([]func(*Node) *Node, len(xs))
	for i, x := range xs {
		start, size := offsets[i], offsets[i+1]-offsets[i]
		vjps[i] = func(v *Node) *Node {
			block := GatherSlices(v3(v), []int{1}, Const(v.Graph(), [][]int32{{int32(start)}}), []int{size}, true)
			return Reshape(block, x.Shape().Dimensions...)
		}
	}
	return withVJP(xs, out, vjps)
}
