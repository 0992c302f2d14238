package nn

import (
	"fmt"
	"strings"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/support/exceptions"
)

// Padding says how a convolution sees the field beyond one spatial edge.
type Padding int

const (
	// Zero padding: values beyond the edge are 0.
	Zero Padding = iota
	// Periodic (circular) padding: the field wraps around, as on a torus; index -1 is index n-1.
	Periodic
)

// String returns "zero" or "periodic".
func (p Padding) String() string {
	switch p {
	case Zero:
		return "zero"
	case Periodic:
		return "periodic"
	default:
		return fmt.Sprintf("Padding(%d)", int(p))
	}
}

// ConvPath selects how Conv2D is computed.
type ConvPath int

const (
	// Auto picks Im2col on the pure-Go backend and Native on every other backend (XLA).
	Auto ConvPath = iota
	// Im2col gathers the kernel taps into a patch matrix and does one batched matmul; its gradient
	// is written by hand (see conv_im2col.go). It is ~30x faster than Native on the Go backend.
	Im2col
	// Native uses GoMLX's convolution (graph.ConvGeneral) and its automatic gradient: the right
	// choice on XLA, where the compiler has its own convolution kernels.
	Native
)

// String returns "auto", "im2col" or "native".
func (p ConvPath) String() string {
	switch p {
	case Auto:
		return "auto"
	case Im2col:
		return "im2col"
	case Native:
		return "native"
	default:
		return fmt.Sprintf("ConvPath(%d)", int(p))
	}
}

// ConvOptions configures Conv2D. The zero value is stride 1, zero padding on both axes, automatic path.
type ConvOptions struct {
	// Stride is 1 or 2 (both axes). With stride 2 the input's height and width must be even and the
	// output is half their size; output pixel (i, j) is centred on input pixel (2i, 2j) (PyTorch's
	// convention for padding = kernel/2).
	Stride int
	// PadH and PadW choose zero or periodic padding of the height and width axes.
	PadH, PadW Padding
	// Path chooses the implementation; Auto decides from the graph's backend.
	Path ConvPath
}

// Conv2D is a 2D convolution (cross-correlation, as in every deep-learning framework) with "same"
// padding: for input x shaped [B, Cin, H, W] (NCHW, see doc.go) and kernel shaped [Cout, KH, KW, Cin]
// with odd KH and KW, the output is [B, Cout, H/s, W/s] with
//
//	out[b, o, i, j] = Σ_{dy<KH, dx<KW, c<Cin} kernel[o, dy, dx, c] · x[b, c, s·i + dy − KH/2, s·j + dx − KW/2]
//
// where out-of-range x is 0 (Zero) or wraps around (Periodic), chosen per axis. There is no bias
// (the Conv layer adds one). It panics (as GoMLX graph functions do) on shapes that do not fit;
// graph.Exec and model.Exec turn such panics into errors.
func Conv2D(x, kernel *Node, opt ConvOptions) *Node {
	g := checkConvArgs(x, kernel, opt)
	switch resolvePath(x.Graph(), opt.Path) {
	case Native:
		return convNative(x, kernel, g)
	default:
		return convIm2col(x, kernel, g)
	}
}

// resolvePath returns the path Auto stands for on g's backend: Im2col on the pure-Go backend
// (named "go"), Native elsewhere.
func resolvePath(g *Graph, p ConvPath) ConvPath {
	if p != Auto {
		return p
	}
	if IsGoBackend(g) {
		return Im2col
	}
	return Native
}

// IsGoBackend reports whether g runs on GoMLX's pure-Go backend, where tidal replaces slow native
// operations (convolution) by matmul-based ones.
func IsGoBackend(g *Graph) bool {
	return strings.EqualFold(g.Backend().String(), "go")
}

// convGeom holds the shapes of one convolution.
type convGeom struct {
	B, Cin, H, W int
	Cout, KH, KW int
	Stride       int
	PadH, PadW   Padding
	Ho, Wo       int // output height and width
	PH, PW       int // KH/2, KW/2
	dtype        dtypes.DType
}

func checkConvArgs(x, kernel *Node, opt ConvOptions) convGeom {
	if x.Rank() != 4 {
		exceptions.Panicf("nn.Conv2D: input x must be [batch, channels, height, width], got shape %s", x.Shape())
	}
	if kernel.Rank() != 4 {
		exceptions.Panicf("nn.Conv2D: kernel must be [out_channels, kernel_h, kernel_w, in_channels], got shape %s", kernel.Shape())
	}
	if x.DType() != kernel.DType() {
		exceptions.Panicf("nn.Conv2D: x (%s) and kernel (%s) must have the same dtype", x.DType(), kernel.DType())
	}
	stride := opt.Stride
	if stride == 0 {
		stride = 1
	}
	if stride != 1 && stride != 2 {
		exceptions.Panicf("nn.Conv2D: stride must be 1 or 2, got %d", opt.Stride)
	}
	d, k := x.Shape().Dimensions, kernel.Shape().Dimensions
	g := convGeom{
		B: d[0], Cin: d[1], H: d[2], W: d[3],
		Cout: k[0], KH: k[1], KW: k[2],
		Stride: stride, PadH: opt.PadH, PadW: opt.PadW,
		dtype: x.DType(),
	}
	if k[3] != g.Cin {
		exceptions.Panicf("nn.Conv2D: kernel %s has %d input channels, but x %s has %d", kernel.Shape(), k[3], x.Shape(), g.Cin)
	}
	if g.KH%2 == 0 || g.KW%2 == 0 {
		exceptions.Panicf("nn.Conv2D: kernel sizes must be odd for \"same\" padding, got %dx%d", g.KH, g.KW)
	}
	for _, p := range []Padding{g.PadH, g.PadW} {
		if p != Zero && p != Periodic {
			exceptions.Panicf("nn.Conv2D: unknown padding %s", p)
		}
	}
	g.PH, g.PW = g.KH/2, g.KW/2
	if g.PH > g.H || g.PW > g.W {
		exceptions.Panicf("nn.Conv2D: kernel %dx%d is too large for a %dx%d input", g.KH, g.KW, g.H, g.W)
	}
	if stride == 2 && (g.H%2 != 0 || g.W%2 != 0) {
		exceptions.Panicf("nn.Conv2D: stride 2 needs even height and width, got %dx%d", g.H, g.W)
	}
	g.Ho, g.Wo = g.H/stride, g.W/stride
	return g
}

// flipKernel returns the kernel of the adjoint (transposed) stride-1 convolution:
// flipped[c, dy, dx, o] = kernel[o, KH−1−dy, KW−1−dx, c].
func flipKernel(kernel *Node) *Node {
	return TransposeAllAxes(Reverse(kernel, 1, 2), 3, 1, 2, 0)
}

// shapeOf is shapes.Make, kept short for the many shapes built here.
func shapeOf(dtype dtypes.DType, dims ...int) shapes.Shape { return shapes.Make(dtype, dims...) }
