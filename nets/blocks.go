package nets

import (
	"math"
	"runtime"

	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/nn"
)

// The UNet's building blocks, exported for other networks of the same family (the discriminator
// encoder of package guidance, docs/GUIDANCE.md). UNet uses exactly these functions.

// BlockOptions are the settings a residual block shares with the rest of its network: group norm,
// padding, dropout, how the noise embedding enters and the convolution path (see Config for each
// field's meaning and default; here the zero value of Groups and GNEpsilon is not replaced).
type BlockOptions struct {
	Groups     int
	GNEpsilon  float64
	PadH, PadW nn.Padding
	Dropout    float64
	Embedding  Embedding
	ConvPath   nn.ConvPath
}

// blockOptions returns the block settings of the UNet configuration c.
func (c Config) blockOptions() BlockOptions {
	return BlockOptions{Groups: c.Groups, GNEpsilon: c.GNEpsilon, PadH: c.PadH, PadW: c.PadW,
		Dropout: c.Dropout, Embedding: c.Embedding, ConvPath: c.ConvPath}
}

// ResBlock is the residual block documented on UNet, from x [B, cin, H, W] and the noise embedding
// emb [B, E] to [B, cout, H, W]. Its variables live in the sub-scopes "norm1", "conv1", "emb",
// "norm2", "conv2" and, when cin ≠ cout, "skip" of scope.
func ResBlock(scope *model.Scope, x, emb *Node, cout int, opt BlockOptions) *Node {
	return resBlock(scope, x, emb, cout, opt, false)
}

// DownResBlock is ADM's downsampling residual block (guided-diffusion's ResBlock with down=True,
// resblock_updown): ResBlock with a 2×2 average pooling (nn.Downsample2x) applied after the first
// SiLU(GN(·)) and to the skip path, so that the output is [B, cout, H/2, W/2]:
//
//	h = conv3×3(pool(SiLU(GN(x)))) …,   out = skip(pool(x)) + h.
func DownResBlock(scope *model.Scope, x, emb *Node, cout int, opt BlockOptions) *Node {
	return resBlock(scope, x, emb, cout, opt, true)
}

func resBlock(scope *model.Scope, x, emb *Node, cout int, opt BlockOptions, down bool) *Node {
	h := nn.SiLU(opt.groupNorm(scope.In("norm1"), x))
	if down {
		h, x = nn.Downsample2x(h), nn.Downsample2x(x)
	}
	h = opt.conv(scope.In("conv1"), h, cout, 3, false)
	switch opt.Embedding {
	case ScaleShift:
		st := Linear(scope.In("emb"), emb, 2*cout) // [B, 2·cout]: scale, then shift
		B := st.Shape().Dimensions[0]
		st = Reshape(st, B, 2, cout)
		scale := Reshape(SliceAxis(st, 1, AxisElem(0)), B, cout)
		shift := Reshape(SliceAxis(st, 1, AxisElem(1)), B, cout)
		h = opt.groupNorm(scope.In("norm2"), h)
		h = addPerExample(mulPerExample(h, OnePlus(scale)), shift)
	default:
		h = addPerExample(h, Linear(scope.In("emb"), emb, cout))
		h = opt.groupNorm(scope.In("norm2"), h)
	}
	h = nn.SiLU(h)
	if opt.Dropout > 0 {
		h = dropout(scope, h, opt.Dropout)
	}
	h = opt.conv(scope.In("conv2"), h, cout, 3, true)
	skip := x
	if x.Shape().Dimensions[1] != cout {
		skip = opt.conv(scope.In("skip"), x, cout, 1, false)
	}
	return Add(skip, h)
}

// conv is a k×k convolution with bias and the block's padding.
func (opt BlockOptions) conv(scope *model.Scope, x *Node, cout, k int, zeroInit bool) *Node {
	b := nn.Conv(scope, x).Channels(cout).KernelSize(k).Padding(opt.PadH, opt.PadW).Path(opt.ConvPath)
	if zeroInit {
		b = b.ZeroInit()
	}
	return b.Done()
}

// groupNorm is the block's group normalisation.
func (opt BlockOptions) groupNorm(scope *model.Scope, x *Node) *Node {
	return nn.GroupNorm(scope, x).Groups(opt.Groups).Epsilon(opt.GNEpsilon).Done()
}

// NoiseEmbedding is the UNet's noise-level embedding MLP, from noiseLevel [B] to [B, embed]:
// sinusoidal features (nn.SinusoidalEmbedding, channels wide) → Linear → SiLU → Linear → SiLU, with
// variables in the sub-scopes "linear0" and "linear1" of scope.
func NoiseEmbedding(scope *model.Scope, noiseLevel *Node, channels, embed int) *Node {
	e := nn.SinusoidalEmbedding(noiseLevel, channels)
	e = nn.SiLU(Linear(scope.In("linear0"), e, embed))
	return nn.SiLU(Linear(scope.In("linear1"), e, embed))
}

// Linear is a dense layer x [B, in] → [B, out] with weights "weights" [in, out] (normal, standard
// deviation 1/√in) and "bias" [out] (zeros), created in scope. It is a plain matrix product
// (DotGeneral), not GoMLX's layers.Dense: the gradient with respect to the input alone then works
// on the Go backend (docs/GUIDANCE.md, the guidance gradient).
func Linear(scope *model.Scope, x *Node, out int) *Node {
	in := x.Shape().Dimensions[1]
	g := x.Graph()
	std := 1 / math.Sqrt(float64(in))
	w := scope.WithInitializer(func(g *Graph, shape shapes.Shape) *Node {
		return MulScalar(scope.RandomNormal(g, shape), std)
	}).VariableWithShape("weights", shapes.Make(x.DType(), in, out)).NodeValue(g)
	b := scope.WithInitializer(func(g *Graph, shape shapes.Shape) *Node { return Zeros(g, shape) }).
		VariableWithShape("bias", shapes.Make(x.DType(), out)).NodeValue(g)
	return Add(DotGeneral(x, []int{1}, nil, w, []int{0}, nil), InsertAxes(b, 0))
}

// BranchCount returns the number of batch branches for a batch of B on g's backend: requested, or
// when it is 0, GOMAXPROCS on the Go backend and 1 elsewhere (Config.Branches); at most B.
func BranchCount(g *Graph, requested, B int) int {
	n := requested
	if n == 0 {
		n = 1
		if nn.IsGoBackend(g) {
			n = runtime.GOMAXPROCS(0)
		}
	}
	return max(1, min(n, B))
}

// Branched runs body on n consecutive parts of the batch (nn.SplitBatch of every input, all with the
// same batch size) as independent branches of the graph that share the variables of scope, and
// concatenates their outputs along the batch (nn.ConcatBatch): the Go backend's executors then run the
// branches concurrently. The first branch uses scope as given (marking its sub-scopes visited, as a
// single call would); the others enter them again. With n ≤ 1 it is body(scope, inputs).
func Branched(scope *model.Scope, n int, inputs []*Node, body func(scope *model.Scope, parts []*Node) *Node) *Node {
	if n <= 1 {
		return body(scope, inputs)
	}
	split := make([][]*Node, len(inputs))
	for i, x := range inputs {
		split[i] = nn.SplitBatch(x, n)
	}
	outs := make([]*Node, len(split[0]))
	for b := range outs {
		sc := scope
		if b > 0 {
			sc = scope.ResetVisited()
		}
		parts := make([]*Node, len(inputs))
		for i := range inputs {
			parts[i] = split[i][b]
		}
		outs[b] = body(sc, parts)
	}
	return nn.ConcatBatch(outs...)
}
