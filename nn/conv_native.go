package nn

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
)

// nchwAxes is the ConvGeneral axes configuration of tidal's layouts: x and output [B, C, H, W],
// kernel [Cout, KH, KW, Cin].
var nchwAxes = ConvolveAxesConfig{
	InputBatch: 0, InputChannels: 1, InputSpatial: []int{2, 3},
	KernelOutputChannels: 0, KernelSpatial: []int{1, 2}, KernelInputChannels: 3,
	OutputBatch: 0, OutputChannels: 1, OutputSpatial: []int{2, 3},
}

// convNative is Conv2D through GoMLX's own convolution (graph.ConvGeneral) and automatic gradient.
// Periodic axes are wrapped with Slice + Concatenate (both differentiable) and then not padded.
func convNative(x, kernel *Node, g convGeom) *Node {
	paddings := [][2]int{{g.PH, g.PH}, {g.PW, g.PW}}
	if g.PadH == Periodic {
		x = wrapSliced(x, 2, g.PH)
		paddings[0] = [2]int{0, 0}
	}
	if g.PadW == Periodic {
		x = wrapSliced(x, 3, g.PW)
		paddings[1] = [2]int{0, 0}
	}
	return ConvGeneral(x, kernel, nchwAxes, []int{g.Stride, g.Stride}, paddings, nil, nil, 1, 1)
}

// wrapSliced extends one axis periodically by p on each side, with differentiable operations.
func wrapSliced(x *Node, axis, p int) *Node {
	if p == 0 {
		return x
	}
	n := x.Shape().Dimensions[axis]
	return Concatenate([]*Node{SliceAxis(x, axis, AxisRange(n-p, n)), x, SliceAxis(x, axis, AxisRange(0, p))}, axis)
}
