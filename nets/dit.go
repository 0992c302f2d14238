package nets

import (
	"fmt"
	"math"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"

	"github.com/tidal-forecast/tidal/nn"
)

// DiT is a Diffusion Transformer (Peebles & Xie 2023, "Scalable Diffusion Models with Transformers")
// for windows of frames, with attention factorised over space and time, a denoiser beside VideoUNet
// with the same inputs and output (docs/NETS.md, "DiT"). With d = Hidden, p = Patch:
//
//   - input: every frame's channels [x_t | context or 0 | mask | first-predicted flag | static |
//     actions] (VideoInput, DyDiff spec §5; the frame's own action row tiled over the grid, the
//     reference's "concat-video-mask-action"), padded to multiples of p (PadToMultipleWrap);
//   - patchify (DiT §3.1): each p×p patch of a frame, its 2C+2+S+A channels flattened in (channel, row,
//     column) order, is a token Linear(patch) of width d (a p×p stride-p convolution); to every token
//     is added the fixed 2D sin-cos embedding of its patch's (row, column) — the first d/2 features
//     encode the row, the last d/2 the column, each [sin(pos·ω_k), cos(pos·ω_k)], ω_k = 10000^(−k/(d/4))
//     — and the fixed 1D sin-cos embedding of its frame index (nn.SinusoidalEmbedding, d wide);
//   - noise-level embedding c: NoiseEmbedding(t) with Frequencies sinusoidal features and width d
//     (Linear → SiLU → Linear → SiLU; DiT's TimestepEmbedder, whose SiLU before adaLN is its last);
//   - Depth blocks, each three residual sub-blocks with adaLN-Zero (DiT §3.2): for the sub-block f,
//     x = x + α·f(LN(x)·(1 + γ) + β), where (β, γ, α) are the block's own rows of Linear(c) — one
//     Linear(c, 9d) per block, zero-initialised, so every gate α starts at 0 and every block at the
//     identity — and LN is layer normalisation without affine parameters (ε = 1e-6). The sub-blocks:
//     spatial multi-head self-attention among the tokens of one frame, temporal multi-head
//     self-attention among the L frames' tokens at one patch position (dropped by SpatialOnly, which
//     makes the Linear 6d), and the MLP Linear(d, MLPRatio·d) → GELU (tanh form) → Linear(·, d).
//     Each attention is qkv = Linear(d, 3d), heads of d/Heads channels (nn.Attend), then Linear(d, d);
//   - final layer: LN(x)·(1 + γ) + β, (β, γ) = Linear(c, 2d) zero-initialised, then Linear(d, p²·C),
//     zero-initialised (so the network starts by predicting exactly 0), and unpatchify: token (i, j)
//     gives pixels (i·p … i·p+p−1, j·p … j·p+p−1) of its frame, then the padding is cropped.
//
// Linear layers are nets.Linear (normal weights of standard deviation 1/√in, zero biases) unless
// zero-initialised as above.
type DiT struct {
	cfg DiTConfig
}

// NewDiT checks cfg, fills its defaults and returns the network.
func NewDiT(cfg DiTConfig) (*DiT, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &DiT{cfg: c}, nil
}

// Config returns the network's configuration with its defaults filled in.
func (d *DiT) Config() DiTConfig { return d.cfg }

// String describes the network, e.g. "DiT(C=2, patch 4, hidden 64, depth 4, 1 head)".
func (d *DiT) String() string {
	c := d.cfg
	heads := fmt.Sprintf("%d heads", c.Heads)
	if c.Heads == 1 {
		heads = "1 head"
	}
	s := fmt.Sprintf("DiT(C=%d, patch %d, hidden %d, depth %d, %s", c.DataChannels, c.Patch, c.Hidden, c.Depth, heads)
	if c.SpatialOnly {
		s += ", spatial attention only"
	}
	return s + ")"
}

// Apply builds the network into the graph and returns the predicted noise, shaped like xt: xt is the
// noisy window [B, L, C, H, W], t [B] the diffusion step (or noise level) of each window, and cond the
// clean context frames [B, P, C, H, W], P ≤ L (none: P = 0), followed with StaticChannels S > 0 by the
// static fields [B, S, H, W] and with ActionChannels A > 0 last by the actions [B, L, A] (frame f's A
// values tiled over H×W after its other channels, TileActions): VideoUNet.Apply's inputs, with the
// same meaning. H and W may be any size.
// Its signature is that of dydiff.Net. Like GoMLX's layers it panics on inputs that do not fit while
// the graph is built; graph and model Exec return such panics as errors.
//
// An image DiT (InChannels > 0) takes instead what UNet.Apply takes (see DiTConfig.InChannels).
func (d *DiT) Apply(scope *model.Scope, xt, t *Node, cond []*Node) *Node {
	c := d.cfg
	if c.InChannels > 0 {
		return d.applyImage(scope, xt, t, cond)
	}
	frames := WindowFrames("nets.DiT", xt, t, cond, c.DataChannels, c.StaticChannels, c.ActionChannels)
	B := xt.Shape().Dimensions[0]
	in, crop := PadToMultipleWrap(frames, c.Patch, c.WrapW)
	t = ConvertDType(t, xt.DType())
	n := BranchCount(xt.Graph(), c.Branches, B)
	return crop(Branched(scope, n, []*Node{in, t}, func(sc *model.Scope, parts []*Node) *Node {
		return d.windows(sc, parts[0], parts[1])
	}))
}

// applyImage is Apply of an image DiT: x [B, ..., H, W] and every cond[i] [B, ..., H, W] folded into
// channels and concatenated (InChannels), as one frame through the transformer, DataChannels out.
func (d *DiT) applyImage(scope *model.Scope, x, noiseLevel *Node, cond []*Node) *Node {
	c := d.cfg
	if x.Rank() < 3 {
		exceptions.Panicf("nets.DiT: x must be [batch, channels..., height, width], got shape %s", x.Shape())
	}
	in := foldChannels(x)
	B, xC, H, W := dims4(in)
	parts := []*Node{in}
	for i, cn := range cond {
		if cn.Rank() < 3 {
			exceptions.Panicf("nets.DiT: cond[%d] must be [batch, channels..., height, width], got shape %s", i, cn.Shape())
		}
		f := foldChannels(ConvertDType(cn, x.DType()))
		if fd := f.Shape().Dimensions; fd[0] != B || fd[2] != H || fd[3] != W {
			exceptions.Panicf("nets.DiT: cond[%d] %s does not match x %s in batch, height or width", i, cn.Shape(), x.Shape())
		}
		parts = append(parts, f)
	}
	h := Concatenate(parts, 1)
	if got := h.Shape().Dimensions[1]; got != c.InChannels {
		exceptions.Panicf("nets.DiT: x and cond have %d channels together, the network takes InChannels = %d", got, c.InChannels)
	}
	if noiseLevel.Rank() != 1 || noiseLevel.Shape().Dimensions[0] != B {
		exceptions.Panicf("nets.DiT: noiseLevel must be [%d], got shape %s", B, noiseLevel.Shape())
	}
	h, crop := PadToMultipleWrap(Reshape(h, B, 1, c.InChannels, H, W), c.Patch, c.WrapW)
	noiseLevel = ConvertDType(noiseLevel, x.DType())
	n := BranchCount(x.Graph(), c.Branches, B)
	out := crop(Branched(scope, n, []*Node{h, noiseLevel}, func(sc *model.Scope, parts []*Node) *Node {
		return d.windows(sc, parts[0], parts[1])
	}))
	if c.DataChannels == xC {
		return Reshape(out, x.Shape().Dimensions...)
	}
	return Reshape(out, B, c.DataChannels, H, W)
}

// windows runs the transformer on one branch: in [b, L, 2C+2+S+A, H, W] (H, W multiples of Patch) and
// t [b] to [b, L, C, H, W].
func (d *DiT) windows(scope *model.Scope, in, t *Node) *Node {
	c := d.cfg
	dims := in.Shape().Dimensions
	b, L, H, W, p, D := dims[0], dims[1], dims[3], dims[4], c.Patch, c.Hidden
	hp, wp := H/p, W/p
	x := d.patchify(scope.In("patch_embed"), in)
	g, dtype := in.Graph(), in.DType()
	x = Add(x, Reshape(ConstAsDType(g, dtype, SinCos2D(hp, wp, D)), 1, 1, hp*wp, D))
	x = Add(x, Reshape(frameSinCos(g, dtype, L, D), 1, L, 1, D))
	emb := NoiseEmbedding(scope.In("t_embed"), t, c.Frequencies, D) // [b, D], after its SiLU
	for i := range c.Depth {
		x = d.block(scope.In("block%d", i), x, emb)
	}
	fs := scope.In("final")
	mod := modulation(fs.In("adaln"), emb, 2)
	x = modulate(plainLayerNorm(x), mod[0], mod[1])
	x = tokenLinearZero(fs.In("linear"), x, p*p*c.DataChannels)
	// [b, L, hp·wp, C·p·p] → [b, L, C, H, W]
	x = Reshape(x, b, L, hp, wp, c.DataChannels, p, p)
	x = TransposeAllAxes(x, 0, 1, 4, 2, 5, 3, 6)
	return Reshape(x, b, L, c.DataChannels, H, W)
}

// patchify cuts every frame of in [b, L, Cin, H, W] into p×p patches and embeds each as a token:
// [b, L, (H/p)·(W/p), Hidden], row-major over the patches.
func (d *DiT) patchify(scope *model.Scope, in *Node) *Node {
	dims := in.Shape().Dimensions
	b, L, C, H, W, p := dims[0], dims[1], dims[2], dims[3], dims[4], d.cfg.Patch
	x := Reshape(in, b, L, C, H/p, p, W/p, p)
	x = TransposeAllAxes(x, 0, 1, 3, 5, 2, 4, 6) // [b, L, H/p, W/p, C, p, p]
	x = Reshape(x, b, L, (H/p)*(W/p), C*p*p)
	return tokenLinear(scope, x, d.cfg.Hidden)
}

// block is one DiT block with adaLN-Zero on x [b, L, N, D] tokens and the noise embedding emb [b, D].
func (d *DiT) block(scope *model.Scope, x, emb *Node) *Node {
	c := d.cfg
	mod := modulation(scope.In("adaln"), emb, 3*(c.attentions()+1))
	sub := func(x *Node, k int, f func(*Node) *Node) *Node {
		shift, scale, gate := mod[3*k], mod[3*k+1], mod[3*k+2]
		return Add(x, Mul(gate, f(modulate(plainLayerNorm(x), shift, scale))))
	}
	x = sub(x, 0, func(y *Node) *Node { return d.attention(scope.In("spatial"), y, false) })
	k := 1
	if !c.SpatialOnly {
		x = sub(x, k, func(y *Node) *Node { return d.attention(scope.In("temporal"), y, true) })
		k++
	}
	return sub(x, k, func(y *Node) *Node {
		h := geluTanh(tokenLinear(scope.In("mlp1"), y, c.MLPRatio*c.Hidden))
		return tokenLinear(scope.In("mlp2"), h, c.Hidden)
	})
}

// attention is multi-head self-attention on y [b, L, N, D]: among the N tokens of each frame, or,
// when temporal, among the L frames' tokens at each of the N patch positions.
func (d *DiT) attention(scope *model.Scope, y *Node, temporal bool) *Node {
	dims := y.Shape().Dimensions
	b, L, N, D := dims[0], dims[1], dims[2], dims[3]
	heads := d.cfg.Heads
	dh := D / heads
	qkv := Reshape(tokenLinear(scope.In("qkv"), y, 3*D), b, L, N, 3, heads, dh)
	var o *Node
	if temporal { // positions: the L frames; batch: b·N
		qkv = Reshape(TransposeAllAxes(qkv, 3, 0, 2, 4, 5, 1), 3, b*N, heads, dh, L)
		o = nn.Attend(part(qkv, 0), part(qkv, 1), part(qkv, 2))             // [b·N, heads, dh, L]
		o = TransposeAllAxes(Reshape(o, b, N, heads, dh, L), 0, 4, 1, 2, 3) // [b, L, N, heads, dh]
	} else { // positions: the N tokens of a frame; batch: b·L
		qkv = Reshape(TransposeAllAxes(qkv, 3, 0, 1, 4, 5, 2), 3, b*L, heads, dh, N)
		o = nn.Attend(part(qkv, 0), part(qkv, 1), part(qkv, 2)) // [b·L, heads, dh, N]
		o = TransposeAllAxes(Reshape(o, b, L, heads, dh, N), 0, 1, 4, 2, 3)
	}
	return tokenLinear(scope.In("proj"), Reshape(o, b, L, N, D), D)
}

// geluTanh is GELU in its tanh form (Hendrycks & Gimpel 2016; DiT's approximate="tanh"),
//
//	0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))),
//
// built from plain operations so that GoMLX differentiates it: the gradient of GoMLX's fused
// activation.GeluApproximate on the Go backend disagrees with finite differences (TestDiTGradientCheck
// caught it).
func geluTanh(x *Node) *Node {
	inner := MulScalar(Add(x, MulScalar(Mul(x, Square(x)), 0.044715)), math.Sqrt(2/math.Pi))
	return Mul(MulScalar(x, 0.5), OnePlus(Tanh(inner)))
}

// part returns x[i] of x [3, ...], without its first axis.
func part(x *Node, i int) *Node {
	return Squeeze(SliceAxis(x, 0, AxisElem(i)), 0)
}

// modulation returns the k rows of width D of the zero-initialised Linear(emb, k·D) (adaLN-Zero), each
// shaped [b, 1, 1, D] to broadcast over a window's tokens [b, L, N, D].
func modulation(scope *model.Scope, emb *Node, k int) []*Node {
	b, D := emb.Shape().Dimensions[0], emb.Shape().Dimensions[1]
	m := Reshape(tokenLinearZero(scope, emb, k*D), b, k, D)
	rows := make([]*Node, k)
	for i := range rows {
		rows[i] = Reshape(SliceAxis(m, 1, AxisElem(i)), b, 1, 1, D)
	}
	return rows
}

// modulate is DiT's adaLN modulation x·(1 + scale) + shift.
func modulate(x, shift, scale *Node) *Node { return Add(Mul(x, OnePlus(scale)), shift) }

// ditLNEpsilon is the ε of the DiT's layer normalisations (DiT's 1e-6).
const ditLNEpsilon = 1e-6

// plainLayerNorm normalises x over its last axis, without affine parameters: (x − mean)/√(var + ε).
func plainLayerNorm(x *Node) *Node {
	mean := ReduceAndKeep(x, ReduceMean, -1)
	xc := Sub(x, mean)
	v := ReduceAndKeep(Square(xc), ReduceMean, -1)
	return Div(xc, Sqrt(AddScalar(v, ditLNEpsilon))) // Rsqrt has no gradient in GoMLX
}

// SinCos2D is DiT's fixed 2D sin-cos position embedding of an hp×wp grid of patches (from MAE), as a
// flat [hp·wp, dim] row-major table: for patch (i, j), with q = dim/4 and ω_k = 10000^(−k/q),
//
//	e[k] = sin(i·ω_k),  e[q+k] = cos(i·ω_k),  e[2q+k] = sin(j·ω_k),  e[3q+k] = cos(j·ω_k),  k < q.
//
// dim must be a multiple of 4. Computed in float64.
func SinCos2D(hp, wp, dim int) []float64 {
	q := dim / 4
	out := make([]float64, hp*wp*dim)
	for i := range hp {
		for j := range wp {
			e := out[(i*wp+j)*dim:]
			for k := range q {
				w := math.Pow(10000, -float64(k)/float64(q))
				e[k], e[q+k] = math.Sin(float64(i)*w), math.Cos(float64(i)*w)
				e[2*q+k], e[3*q+k] = math.Sin(float64(j)*w), math.Cos(float64(j)*w)
			}
		}
	}
	return out
}

// frameSinCos is the fixed frame-position embedding of frames 0 … L−1: nn.SinusoidalEmbedding of the
// frame index, dim wide, [L, dim].
func frameSinCos(g *Graph, dtype dtypes.DType, L, dim int) *Node {
	idx := make([]float64, L)
	for f := range idx {
		idx[f] = float64(f)
	}
	return nn.SinusoidalEmbedding(ConstAsDType(g, dtype, idx), dim)
}
