package nets

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"

	"github.com/tidal-forecast/tidal/nn"
)

// UNet is tidal's denoiser network: a UNet of residual blocks with a noise-level embedding, in the
// DDPM++ / ADM family (Hess et al. 2025, App. A; Guo et al. 2025 feed it frames and conditioning as
// channels, docs/NETS.md). Create it with New; UNet.Apply builds it into a graph.
//
// Layout, for L = len(Mults) levels with c_l = Channels·Mults[l] channels at 1/2^l of the input size:
//
//	conv_in:  3×3 conv, InChannels → c_0
//	encoder:  at each level l: (l > 0: 2×2 average pooling), then Blocks residual blocks to c_l,
//	          each followed by self-attention when l ∈ AttnLevels; the output of conv_in, of every
//	          pooling and of every block (after its attention) is kept for a skip connection
//	middle:   residual block, self-attention, residual block, at the coarsest level
//	decoder:  at each level l from coarsest to finest: Blocks+1 residual blocks to c_l, each taking
//	          its input concatenated (channels) with the last kept skip and followed by attention when
//	          l ∈ AttnLevels; then (l > 0) nearest-neighbour 2× upsampling
//	out:      GroupNorm → SiLU → 3×3 conv to OutChannels (NormHead), or the 3×3 conv alone
//	          (LinearHead), initialised to zero (the network starts by predicting 0)
//
// Noise-level embedding: sinusoidal features of the noise level (nn.SinusoidalEmbedding, Channels
// wide) → Linear(Channels, E) → SiLU → Linear(E, E) → SiLU, E = EmbedChannels; every residual block
// projects it with its own Linear.
//
// Residual block (cin → cout channels):
//
//	h = conv3×3(SiLU(GN(x)))                                 cin → cout
//	AddEmbedding: h = h + Linear(emb);  h = SiLU(GN(h))
//	ScaleShift:   (s, t) = Linear(emb); h = SiLU(GN(h)·(1 + s) + t)
//	h = conv3×3(Dropout(h))                                  zero-initialised
//	out = skip(x) + h                                        skip: 1×1 conv when cin ≠ cout, else identity
//
// so every block, and so the whole network but for conv_out, starts as the identity on its skip
// path. Differences from EDM's SongUNet (DDPM++), on purpose: resampling is a parameter-free layer
// between levels (ADM with conv_resample=False) instead of resampling residual blocks, the middle
// is ADM's (block, attention, block), and there is no √½ skip scaling.
type UNet struct {
	cfg   Config
	steps []step
}

// New checks cfg, fills its defaults and returns the network.
func New(cfg Config) (*UNet, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &UNet{cfg: c, steps: c.plan()}, nil
}

// Config returns the network's configuration with its defaults filled in.
func (u *UNet) Config() Config { return u.cfg }

// Apply builds the network on x and returns its output. x is [B, ..., H, W]: the axes between the
// batch and the last two (e.g. [B, channels, H, W], or DyDiff's [B, frames, channels, H, W]) are folded
// into channels. noiseLevel [B] is what the noise embedding sees (EDM's c_noise, or DyDiff's step t).
// Each cond[i] is [B, ..., H, W] too, folded likewise and concatenated to x along the channels; the
// folded channels of x and cond together must be InChannels. H and W may be any size: they are padded
// to multiples of 2^(len(Mults)−1) and the output cropped back (PadToMultipleWrap: periodically along
// the width when PadW is nn.Periodic, as longitude on a lat-lon grid).
//
// The output is shaped like x when OutChannels equals x's folded channels (a noise or denoiser
// prediction), else [B, OutChannels, H, W]. The variables are created in scope. Like GoMLX's layers,
// Apply panics on inputs that do not fit while the graph is built; graph and model Exec return such
// panics as errors. Its signature is that of dydiff.Net and diffusion.Net.
func (u *UNet) Apply(scope *model.Scope, x, noiseLevel *Node, cond []*Node) *Node {
	c := u.cfg
	if x.Rank() < 4 {
		exceptions.Panicf("nets.UNet: x must be [batch, channels..., height, width], got shape %s", x.Shape())
	}
	in := foldChannels(x)
	B, xC, H, W := dims4(in)
	parts := []*Node{in}
	for i, cn := range cond {
		if cn.Rank() < 3 {
			exceptions.Panicf("nets.UNet: cond[%d] must be [batch, channels..., height, width], got shape %s", i, cn.Shape())
		}
		f := foldChannels(ConvertDType(cn, x.DType()))
		if d := f.Shape().Dimensions; d[0] != B || d[2] != H || d[3] != W {
			exceptions.Panicf("nets.UNet: cond[%d] %s does not match x %s in batch, height or width", i, cn.Shape(), x.Shape())
		}
		parts = append(parts, f)
	}
	h := nn.ConcatChannels(parts...)
	if h.Shape().Dimensions[1] != c.InChannels {
		exceptions.Panicf("nets.UNet: x and cond have %d channels together, the network takes InChannels = %d", h.Shape().Dimensions[1], c.InChannels)
	}
	h, crop := PadToMultipleWrap(h, 1<<(len(c.Mults)-1), c.PadW == nn.Periodic) // any H×W: padded to the levels' multiple, cropped back
	if noiseLevel.Rank() != 1 || noiseLevel.Shape().Dimensions[0] != B {
		exceptions.Panicf("nets.UNet: noiseLevel must be [%d], got shape %s", B, noiseLevel.Shape())
	}
	noiseLevel = ConvertDType(noiseLevel, x.DType())
	n := BranchCount(x.Graph(), c.Branches, B)
	h = crop(Branched(scope, n, []*Node{h, noiseLevel}, func(scope *model.Scope, in []*Node) *Node {
		return u.body(scope, in[0], in[1])
	}))
	if c.OutChannels == xC {
		return Reshape(h, x.Shape().Dimensions...)
	}
	return h
}

// body is the network on the concatenated input h [B, InChannels, H, W] and noise levels [B].
func (u *UNet) body(scope *model.Scope, h, noiseLevel *Node) *Node {
	return u.bodyWith(scope, h, noiseLevel, nil)
}

// stepHook, given to bodyWith, transforms the output h of every step s (the video network's
// temporal mixing); scope is the step's own (nil for unnamed steps) and emb the noise embedding.
type stepHook func(scope *model.Scope, s step, h, emb *Node) *Node

// bodyWith is body with after (if not nil) applied to the output of every step.
func (u *UNet) bodyWith(scope *model.Scope, h, noiseLevel *Node, after stepHook) *Node {
	c := u.cfg
	emb := u.embedding(scope.In("embed"), noiseLevel)
	var skips []*Node
	for _, s := range u.steps {
		if s.pop {
			h = nn.ConcatChannels(h, skips[len(skips)-1])
			skips = skips[:len(skips)-1]
		}
		var sc *model.Scope
		if s.name != "" {
			sc = scope.In("%s", s.name)
		}
		switch s.kind {
		case convInStep:
			h = u.conv(sc, h, s.cout, 3, false)
		case resStep:
			h = u.resBlock(sc, h, emb, s.cout)
		case attnStep:
			h = nn.SelfAttention(sc, h).Heads(c.Heads).Groups(c.Groups).Epsilon(c.GNEpsilon).Done()
		case downStep:
			h = nn.Downsample2x(h)
		case upStep:
			h = nn.Upsample2x(h)
		case convOutStep:
			if c.Head == NormHead {
				h = nn.SiLU(u.groupNorm(sc.In("norm"), h))
			}
			h = u.conv(sc, h, s.cout, 3, true)
		}
		if after != nil {
			h = after(sc, s, h, emb)
		}
		if s.push {
			skips = append(skips, h)
		}
	}
	return h
}

// embedding is the noise-level embedding MLP (NoiseEmbedding), [B, E].
func (u *UNet) embedding(scope *model.Scope, noiseLevel *Node) *Node {
	return NoiseEmbedding(scope, noiseLevel, u.cfg.Channels, u.cfg.EmbedChannels)
}

// resBlock is the residual block documented on UNet (ResBlock).
func (u *UNet) resBlock(scope *model.Scope, x, emb *Node, cout int) *Node {
	return ResBlock(scope, x, emb, cout, u.cfg.blockOptions())
}

// conv is a k×k convolution with bias and the network's padding.
func (u *UNet) conv(scope *model.Scope, x *Node, cout, k int, zeroInit bool) *Node {
	return u.cfg.blockOptions().conv(scope, x, cout, k, zeroInit)
}

// groupNorm is the network's group normalisation.
func (u *UNet) groupNorm(scope *model.Scope, x *Node) *Node {
	return u.cfg.blockOptions().groupNorm(scope, x)
}

// addPerExample returns h [B, C, ...] + e[b, c] for e [B, C]: a "trailing" broadcast, which the Go
// backend runs with SIMD.
func addPerExample(h, e *Node) *Node {
	B, C := e.Shape().Dimensions[0], e.Shape().Dimensions[1]
	return Reshape(Add(Reshape(h, B, C, -1), Reshape(e, B, C, 1)), h.Shape().Dimensions...)
}

// mulPerExample returns h [B, C, ...] · e[b, c] for e [B, C].
func mulPerExample(h, e *Node) *Node {
	B, C := e.Shape().Dimensions[0], e.Shape().Dimensions[1]
	return Reshape(Mul(Reshape(h, B, C, -1), Reshape(e, B, C, 1)), h.Shape().Dimensions...)
}

// foldChannels reshapes x [B, d1, ..., dk, H, W] to [B, d1·…·dk, H, W].
func foldChannels(x *Node) *Node {
	d := x.Shape().Dimensions
	r := len(d)
	if r == 4 {
		return x
	}
	if r == 3 {
		return Reshape(x, d[0], 1, d[1], d[2])
	}
	return Reshape(x, d[0], -1, d[r-2], d[r-1])
}

func dims4(x *Node) (B, C, H, W int) {
	d := x.Shape().Dimensions
	return d[0], d[1], d[2], d[3]
}
