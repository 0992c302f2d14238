package nn

import (
	"math"

	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"
)

// ConvBuilder configures a convolution layer with learned kernel and bias; create it with Conv and
// finish with Done.
type ConvBuilder struct {
	scope    *model.Scope
	x        *Node
	channels int
	kernel   int
	opt      ConvOptions
	bias     bool
	zeroInit bool
	scale    *Node
}

// Conv starts a 2D convolution layer on x [B, Cin, H, W]. It creates (or reuses) the variables
// "kernel" [Cout, K, K, Cin] and "bias" [Cout] directly in scope, so give each layer its own scope
// (scope.In("conv1")). Defaults: 3×3 kernel, stride 1, zero padding, bias, He-normal kernel
// initialisation (standard deviation √(2/(K²·Cin))), the Auto path. See Conv2D for the maths.
func Conv(scope *model.Scope, x *Node) *ConvBuilder {
	return &ConvBuilder{scope: scope, x: x, kernel: 3, bias: true, opt: ConvOptions{Stride: 1}}
}

// Channels sets the number of output channels (required).
func (c *ConvBuilder) Channels(n int) *ConvBuilder { c.channels = n; return c }

// KernelSize sets the (odd) kernel size K of both spatial axes; default 3.
func (c *ConvBuilder) KernelSize(k int) *ConvBuilder { c.kernel = k; return c }

// Stride sets the stride, 1 (default) or 2.
func (c *ConvBuilder) Stride(s int) *ConvBuilder { c.opt.Stride = s; return c }

// Padding sets the padding of the height and width axes; default Zero, Zero.
func (c *ConvBuilder) Padding(h, w Padding) *ConvBuilder { c.opt.PadH, c.opt.PadW = h, w; return c }

// Path forces an implementation (Im2col or Native); default Auto.
func (c *ConvBuilder) Path(p ConvPath) *ConvBuilder { c.opt.Path = p; return c }

// NoBias drops the bias term.
func (c *ConvBuilder) NoBias() *ConvBuilder { c.bias = false; return c }

// ZeroInit initialises the kernel to zeros, as the last convolution of guided-diffusion's residual
// blocks ("zero_module"), so that a new block starts as the identity.
func (c *ConvBuilder) ZeroInit() *ConvBuilder { c.zeroInit = true; return c }

// Scale multiplies the kernel and the bias by s, a scalar node, before they are used: the output is
// s·conv(x), with s folded into the small weights instead of the large output (a learned gate, as the
// merge factor of nets.VideoUNet).
func (c *ConvBuilder) Scale(s *Node) *ConvBuilder { c.scale = s; return c }

// Done builds the layer and returns its output [B, Cout, H/stride, W/stride].
func (c *ConvBuilder) Done() *Node {
	if c.channels <= 0 {
		exceptions.Panicf("nn.Conv: Channels must be set to a positive number, got %d", c.channels)
	}
	if c.x.Rank() != 4 {
		exceptions.Panicf("nn.Conv: input must be [batch, channels, height, width], got shape %s", c.x.Shape())
	}
	cin := c.x.Shape().Dimensions[1]
	dtype := c.x.DType()
	fanIn := float64(c.kernel * c.kernel * cin)
	zeroInit := c.zeroInit
	init := func(g *Graph, shape shapes.Shape) *Node {
		if zeroInit {
			return Zeros(g, shape)
		}
		return MulScalar(c.scope.RandomNormal(g, shape), math.Sqrt(2/fanIn))
	}
	kernel := c.scope.WithInitializer(init).
		VariableWithShape("kernel", shapes.Make(dtype, c.channels, c.kernel, c.kernel, cin)).
		NodeValue(c.x.Graph())
	out := Conv2D(c.x, scaled(kernel, c.scale), c.opt)
	if c.bias {
		bias := c.scope.WithInitializer(zerosInit).VariableWithShape("bias", shapes.Make(dtype, c.channels)).NodeValue(c.x.Graph())
		out = addPerChannel(out, scaled(bias, c.scale))
	}
	return out
}

// scaled returns w·s, or w when s is nil.
func scaled(w, s *Node) *Node {
	if s == nil {
		return w
	}
	if s.Rank() != 0 || s.DType() != w.DType() {
		exceptions.Panicf("nn: a layer's Scale must be a %s scalar, got %s", w.DType(), s.Shape())
	}
	return Mul(w, s)
}

func zerosInit(g *Graph, shape shapes.Shape) *Node { return Zeros(g, shape) }

func onesInit(g *Graph, shape shapes.Shape) *Node { return Ones(g, shape) }
