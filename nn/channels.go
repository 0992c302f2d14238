package nn

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
)

// perExample returns the per-channel values p [C] as a [B, C, 1] tensor, for element-wise operations
// with x viewed as [B, C, positions].
//
// Why: the Go backend runs a binary operation with SIMD when one operand is broadcast along leading or
// trailing axes only ([B, C, S] with [B, C, 1] is "trailing"), and element by element otherwise
// ([B, C, S] with [1, C, 1]). Its compiler also folds a BroadcastInDim that feeds a binary operation
// back into an implicit broadcast, so the broadcast to [B, C] is done at rank 2 and then reshaped.
func perExample(p *Node, B int) *Node {
	C := p.Shape().Dimensions[0]
	return Reshape(BroadcastToDims(Reshape(p, 1, C), B, C), B, C, 1)
}

// addPerChannel returns x [B, C, ...] + p[c] for every channel c. See perExample.
func addPerChannel(x, p *Node) *Node {
	dims := x.Shape().Dimensions
	B, C := dims[0], dims[1]
	return Reshape(Add(Reshape(x, B, C, -1), perExample(p, B)), dims...)
}
