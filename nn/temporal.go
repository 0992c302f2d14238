package nn

import (
	"math"

	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"
)

// TemporalConv is a 1D convolution along the frame axis of a video whose frames are folded into the
// batch, the temporal convolution of a video UNet (SVD's VideoResBlock, video_kernel_size [K, 1, 1]):
// for x [B·F, Cin, H, W] holding F consecutive frames of each of B videos (frame f of video b at row
// b·F + f) and kernel [Cout, K, Cin] with odd K,
//
//	out[b·F + f, o, s] = Σ_{k<K, c<Cin} kernel[o, k, c] · x[b·F + f + k − K/2, c, s]
//
// for every pixel s, where frames outside 0…F−1 are 0 (zero padding; frames never wrap). No bias.
//
// It is computed like the im2col convolution: the frames of each video, padded by K/2 zero frames at
// both ends, are one flat row in which the K frames that output frame f reads are one contiguous
// window of K·Cin·H·W values; one Gather copies the B·F windows into the patch tensor P [B, F, K·Cin,
// H·W] and one batched matmul gives out = kernel · P. The gradient is stated by hand: the kernel's is
// Σ P·goutᵀ (one batched matmul), the input's is the same temporal convolution of gout with the
// flipped kernel kernelᵀ[c, k, o] = kernel[o, K−1−k, c] (the adjoint of a zero-padded stride-1
// convolution).
func TemporalConv(x, kernel *Node, frames int) *Node {
	if x.Rank() != 4 || kernel.Rank() != 3 {
		exceptions.Panicf("nn.TemporalConv: x must be [batch·frames, channels, height, width] and kernel [out, taps, in], got %s and %s",
			x.Shape(), kernel.Shape())
	}
	d, k := x.Shape().Dimensions, kernel.Shape().Dimensions
	N, Cin, H, W := d[0], d[1], d[2], d[3]
	Cout, K := k[0], k[1]
	switch {
	case frames <= 0 || N%frames != 0:
		exceptions.Panicf("nn.TemporalConv: %d frames do not divide the batch·frames axis of x %s", frames, x.Shape())
	case k[2] != Cin:
		exceptions.Panicf("nn.TemporalConv: kernel %s has %d input channels, x %s has %d", kernel.Shape(), k[2], x.Shape(), Cin)
	case K%2 == 0:
		exceptions.Panicf("nn.TemporalConv: the kernel's number of taps must be odd, got %d", K)
	case x.DType() != kernel.DType():
		exceptions.Panicf("nn.TemporalConv: x (%s) and kernel (%s) must have the same dtype", x.DType(), kernel.DType())
	}
	B, F, S := N/frames, frames, H*W
	// Every operand is viewed as [B, F, channels, S], by one Reshape each: the Go backend copies the
	// input of a Reshape that has other users, so the gradient's two uses of the output gradient
	// share one view, and the matmuls take two batch axes instead of a reshaped operand.
	patches := temporalPatches(Reshape(x, B, F, Cin, S), K)                                             // [B, F, K·Cin, S]
	w := Reshape(repeatLeading(Reshape(kernel, Cout, K*Cin), N), B, F, Cout, K*Cin)                     // small
	out := Reshape(DotGeneral(w, []int{3}, []int{0, 1}, patches, []int{2}, []int{0, 1}), N, Cout, H, W) // [B, F, Cout, S]
	var lastV, lastV4 *Node
	v4 := func(v *Node) *Node {
		if v != lastV {
			lastV, lastV4 = v, Reshape(v, B, F, Cout, S)
		}
		return lastV4
	}
	dInput := func(v *Node) *Node {
		flipped := TransposeAllAxes(Reverse(kernel, 1), 2, 1, 0) // [Cin, K, Cout]
		wt := Reshape(repeatLeading(Reshape(flipped, Cin, K*Cout), N), B, F, Cin, K*Cout)
		dx := DotGeneral(wt, []int{3}, []int{0, 1}, temporalPatches(v4(v), K), []int{2}, []int{0, 1})
		return Reshape(dx, N, Cin, H, W)
	}
	dKernel := func(v *Node) *Node {
		// Σ_{b,f} P·goutᵀ, the large patches on the left (see kernelGradient): [K·Cin, Cout].
		dwT := ReduceSum(DotGeneral(patches, []int{3}, []int{0, 1}, v4(v), []int{3}, []int{0, 1}), 0, 1)
		return Reshape(Transpose(dwT, 0, 1), Cout, K, Cin)
	}
	return withVJP([]*Node{x, kernel}, out, []func(*Node) *Node{dInput, dKernel})
}

// temporalPatches returns P [B, F, K·C, S] for x [B, F, C, S]: P[b, f] holds the frames f − K/2 …
// f + K/2 of video b (zero beyond its ends), rows ordered (k, c) to match the kernel layout
// [Cout, K, C]. The padded frames of each video are one flat row in which those K frames are one
// contiguous window, copied by one Gather.
func temporalPatches(x *Node, K int) *Node {
	d := x.Shape().Dimensions
	B, F, C, S := d[0], d[1], d[2], d[3]
	D := C * S // values per frame
	rows := Reshape(padAxis(x, 1, K/2, K/2), B, (F+K-1)*D)
	idx := make([][][]int32, B)
	for b := range idx {
		idx[b] = make([][]int32, F)
		for f := range F {
			idx[b][f] = []int32{int32(b), int32(f * D)}
		}
	}
	windows := GatherSlices(rows, []int{0, 1}, Const(x.Graph(), idx), []int{1, K * D}, true) // [B, F, 1, K·D]
	return Reshape(windows, B, F, K*C, S)
}

// TemporalConvBuilder configures a temporal convolution layer with learned kernel and bias; create it
// with TemporalConvLayer, finish with Done.
type TemporalConvBuilder struct {
	scope            *model.Scope
	x                *Node
	frames, channels int
	taps             int
	zeroInit, noBias bool
	scale            *Node
}

// TemporalConvLayer starts a temporal convolution layer (TemporalConv plus a bias) on x [B·F, Cin, H,
// W] with F = frames. It creates (or reuses) "kernel" [Cout, K, Cin] and "bias" [Cout] (unless
// NoBias) directly in scope. Defaults: K = 3 taps, He-normal kernel (standard deviation √(2/(K·Cin))).
func TemporalConvLayer(scope *model.Scope, x *Node, frames int) *TemporalConvBuilder {
	return &TemporalConvBuilder{scope: scope, x: x, frames: frames, taps: 3}
}

// Channels sets the number of output channels (required).
func (c *TemporalConvBuilder) Channels(n int) *TemporalConvBuilder { c.channels = n; return c }

// Taps sets the (odd) kernel size along the frames; default 3.
func (c *TemporalConvBuilder) Taps(k int) *TemporalConvBuilder { c.taps = k; return c }

// ZeroInit initialises the kernel to zeros (the last convolution of a residual block).
func (c *TemporalConvBuilder) ZeroInit() *TemporalConvBuilder { c.zeroInit = true; return c }

// NoBias drops the bias term (where a per-example bias is added next anyway).
func (c *TemporalConvBuilder) NoBias() *TemporalConvBuilder { c.noBias = true; return c }

// Scale multiplies the kernel and the bias by s, a scalar node, before they are used (see
// ConvBuilder.Scale).
func (c *TemporalConvBuilder) Scale(s *Node) *TemporalConvBuilder { c.scale = s; return c }

// Done builds the layer and returns its output [B·F, Cout, H, W].
func (c *TemporalConvBuilder) Done() *Node {
	if c.channels <= 0 {
		exceptions.Panicf("nn.TemporalConvLayer: Channels must be set to a positive number, got %d", c.channels)
	}
	if c.x.Rank() != 4 {
		exceptions.Panicf("nn.TemporalConvLayer: input must be [batch·frames, channels, height, width], got shape %s", c.x.Shape())
	}
	cin, dtype, g := c.x.Shape().Dimensions[1], c.x.DType(), c.x.Graph()
	std := math.Sqrt(2 / float64(c.taps*cin))
	init := func(g *Graph, shape shapes.Shape) *Node {
		if c.zeroInit {
			return Zeros(g, shape)
		}
		return MulScalar(c.scope.RandomNormal(g, shape), std)
	}
	kernel := c.scope.WithInitializer(init).
		VariableWithShape("kernel", shapes.Make(dtype, c.channels, c.taps, cin)).NodeValue(g)
	out := TemporalConv(c.x, scaled(kernel, c.scale), c.frames)
	if c.noBias {
		return out
	}
	bias := c.scope.WithInitializer(zerosInit).VariableWithShape("bias", shapes.Make(dtype, c.channels)).NodeValue(g)
	return addPerChannel(out, scaled(bias, c.scale))
}
