package guidance

import (
	"fmt"
	"slices"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"

	"github.com/tidal-forecast/tidal/nets"
	"github.com/tidal-forecast/tidal/nn"
)

// LogitFn is a time-consistency logit: for the noisy candidate x [B, C, H, W] at noise levels sigma
// [B] and the clean conditioning frames cond (xⁿ, xⁿ⁻¹, …, each [B, C, H, W]) it returns [B] logits
// f = log(D/(1 − D)), D the probability that x is the true next frame (Hess et al. 2025, eq. 3–6).
// Discriminator.Logit is one.
type LogitFn func(scope *model.Scope, x, sigma *Node, cond []*Node) *Node

// Discriminator is the time-consistency discriminator of Hess et al. (2025, §3 and App. B.2): the
// noise-conditioned encoder half of ADM's UNet (guided-diffusion's EncoderUNetModel, as in
// discriminator guidance, Kim et al. 2022) followed by an MLP head giving one logit per example.
// Create it with New; Logit builds it into a graph. docs/GUIDANCE.md describes it.
//
// Layout, for L = len(Mults) levels with c_l = Channels·Mults[l] channels at 1/2^l of the input size:
//
//	input:    [c_in(σ)·x, xⁿ, xⁿ⁻¹, …, static] concatenated along the channels, (1 + Context)·C + S
//	          channels (S = StaticChannels)
//	conv_in:  3×3 conv to c_0
//	encoder:  at each level l: Blocks residual blocks to c_l (nets.ResBlock, scale-shift noise
//	          embedding), each followed by self-attention when l ∈ AttnLevels; then, but at the last
//	          level, a downsampling residual block (nets.DownResBlock) or, with PoolBlocks, 2×2 pooling
//	middle:   residual block, self-attention, residual block
//	out:      GroupNorm → SiLU → global average pooling over positions, [B, c_{L−1}]
//	head:     HeadLayers × (Linear → SiLU), HeadWidth wide, then Linear to 1: the logit
//
// The noise embedding is nets.NoiseEmbedding of EDM's c_noise(σ) = ln(σ)/4. Global pooling makes
// the head independent of the field size, so a discriminator trained on random crops runs on whole
// fields. Every dense layer is a plain matrix product (nets.Linear), so that the gradient with
// respect to the input alone works on the Go backend (GradLogit).
type Discriminator struct {
	cfg Config
}

// New checks cfg, fills its defaults and returns the discriminator.
func New(cfg Config) (*Discriminator, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Discriminator{cfg: c}, nil
}

// Config returns the discriminator's configuration with its defaults filled in.
func (d *Discriminator) Config() Config { return d.cfg }

// Divisor is 2^(len(Mults)−1), the multiple that inputs are padded to (nets.PadToMultiple): inputs of
// other sizes are taken too.
func (d *Discriminator) Divisor() int { return 1 << (len(d.cfg.Mults) - 1) }

// Logit builds the discriminator on the noisy candidate x [B, C, H, W], its noise levels sigma [B]
// (σ > 0) and exactly Context clean conditioning frames cond, each shaped like x, in the order xⁿ,
// xⁿ⁻¹, … (then, with StaticChannels S > 0, the static fields [B, S, H, W]), and returns the logits [B]. It has the signature of LogitFn. The variables live in scope;
// Logit may be called several times in one graph (both stages of a Heun step) and every call uses
// the same variables. Like GoMLX's layers it panics on inputs that do not fit while the graph is
// built; graph and model Exec return such panics as errors.
func (d *Discriminator) Logit(scope *model.Scope, x, sigma *Node, cond []*Node) *Node {
	c := d.cfg
	d.checkInputs(x, sigma, cond)
	sigma = ConvertDType(sigma, x.DType())
	in := x
	if !c.RawInput {
		B := x.Shape().Dimensions[0]
		// c_in(σ) [B]; σ is a constant of the graph's derivatives (GoMLX has no gradient for Rsqrt).
		cIn := StopGradient(Rsqrt(AddScalar(Square(sigma), c.SigmaData*c.SigmaData)))
		in = Reshape(Mul(Reshape(x, B, -1), Reshape(cIn, B, 1)), x.Shape().Dimensions...)
	}
	parts := []*Node{in}
	for _, f := range cond {
		parts = append(parts, ConvertDType(f, x.DType()))
	}
	h, cNoise := nn.ConcatChannels(parts...), DivScalar(Log(sigma), 4)
	h, _ = nets.PadToMultipleWrap(h, d.Divisor(), c.PadW == nn.Periodic) // any H×W: padded to the levels' multiple (the logits need no crop)
	n := nets.BranchCount(x.Graph(), c.Branches, x.Shape().Dimensions[0])
	return nets.Branched(scope.ResetVisited(), n, []*Node{h, cNoise}, func(scope *model.Scope, in []*Node) *Node {
		emb := nets.NoiseEmbedding(scope.In("embed"), in[1], c.Channels, c.EmbedChannels)
		return d.head(scope, d.encoder(scope, in[0], emb))
	})
}

// checkInputs panics, naming the input, when x, sigma or cond do not fit the configuration.
func (d *Discriminator) checkInputs(x, sigma *Node, cond []*Node) {
	c := d.cfg
	if x.Rank() != 4 || x.Shape().Dimensions[1] != c.FrameChannels {
		exceptions.Panicf("guidance.Discriminator: x must be [batch, %d, height, width], got shape %s", c.FrameChannels, x.Shape())
	}
	dims := x.Shape().Dimensions
	if sigma.Rank() != 1 || sigma.Shape().Dimensions[0] != dims[0] {
		exceptions.Panicf("guidance.Discriminator: sigma must be [%d], got shape %s", dims[0], sigma.Shape())
	}
	if c.StaticChannels > 0 {
		if len(cond) != c.Context+1 {
			exceptions.Panicf("guidance.Discriminator: %d conditioning inputs given, the discriminator takes Context = %d frames and its %d static channels", len(cond), c.Context, c.StaticChannels)
		}
		st := cond[c.Context]
		if sd := st.Shape().Dimensions; st.Rank() != 4 || sd[0] != dims[0] || sd[1] != c.StaticChannels || sd[2] != dims[2] || sd[3] != dims[3] {
			exceptions.Panicf("guidance.Discriminator: the static fields are %s, want [%d, %d, %d, %d]", st.Shape(), dims[0], c.StaticChannels, dims[2], dims[3])
		}
		cond = cond[:c.Context]
	}
	if len(cond) != c.Context {
		exceptions.Panicf("guidance.Discriminator: %d conditioning frames given, the discriminator takes Context = %d", len(cond), c.Context)
	}
	for i, f := range cond {
		if !slices.Equal(f.Shape().Dimensions, dims) {
			exceptions.Panicf("guidance.Discriminator: cond[%d] is %s, want the shape of x %s", i, f.Shape(), x.Shape())
		}
	}
}

// encoder is conv_in, the levels and the middle, then GroupNorm → SiLU → global average pooling: [B, c_{L−1}].
func (d *Discriminator) encoder(scope *model.Scope, h, emb *Node) *Node {
	c := d.cfg
	opt := nets.BlockOptions{Groups: c.Groups, GNEpsilon: c.GNEpsilon, PadH: c.PadH, PadW: c.PadW,
		Dropout: c.Dropout, Embedding: nets.ScaleShift, ConvPath: c.ConvPath}
	h = nn.Conv(scope.In("conv_in"), h).Channels(c.levelChannels(0)).Padding(c.PadH, c.PadW).Path(c.ConvPath).Done()
	attend := func(name string, h *Node) *Node {
		ch := h.Shape().Dimensions[1]
		return nn.SelfAttention(scope.In("%s", name), h).Heads(c.heads(ch)).Groups(c.Groups).Epsilon(c.GNEpsilon).Done()
	}
	last := len(c.Mults) - 1
	for l := range c.Mults {
		for i := range c.Blocks {
			h = nets.ResBlock(scope.In("enc%d_block%d", l, i), h, emb, c.levelChannels(l), opt)
			if c.attends(l) {
				h = attend(fmt.Sprintf("enc%d_attn%d", l, i), h)
			}
		}
		if l < last {
			if c.PoolBlocks {
				h = nn.Downsample2x(h)
			} else {
				h = nets.DownResBlock(scope.In("enc%d_down", l), h, emb, c.levelChannels(l), opt)
			}
		}
	}
	h = nets.ResBlock(scope.In("mid_block0"), h, emb, c.levelChannels(last), opt)
	h = attend("mid_attn", h)
	h = nets.ResBlock(scope.In("mid_block1"), h, emb, c.levelChannels(last), opt)
	h = nn.SiLU(nn.GroupNorm(scope.In("out_norm"), h).Groups(c.Groups).Epsilon(c.GNEpsilon).Done())
	return ReduceMean(h, 2, 3)
}

// head is the MLP from the pooled features [B, c] to the logits [B].
func (d *Discriminator) head(scope *model.Scope, h *Node) *Node {
	c := d.cfg
	for i := range c.HeadLayers {
		h = nn.SiLU(nets.Linear(scope.In("head%d", i), h, c.HeadWidth))
	}
	h = nets.Linear(scope.In("logit"), h, 1)
	return Reshape(h, h.Shape().Dimensions[0])
}

// NumParams returns the number of trainable parameters (scalars) of the discriminator, counted from
// its configuration: the same number as the variables Logit creates.
func (d *Discriminator) NumParams() int {
	c := d.cfg
	linear := func(in, out int) int { return in*out + out }
	conv := func(k, in, out int) int { return k*k*in*out + out }
	block := func(in, out int) int {
		n := 2*in + conv(3, in, out) + linear(c.EmbedChannels, 2*out) + 2*out + conv(3, out, out)
		if in != out {
			n += conv(1, in, out)
		}
		return n
	}
	attn := func(ch int) int { return 2*ch + 4*conv(1, ch, ch) }
	n := linear(c.Channels, c.EmbedChannels) + linear(c.EmbedChannels, c.EmbedChannels)
	n += conv(3, c.InChannels(), c.levelChannels(0))
	cur := c.levelChannels(0)
	last := len(c.Mults) - 1
	for l := range c.Mults {
		ch := c.levelChannels(l)
		for range c.Blocks {
			n += block(cur, ch)
			if c.attends(l) {
				n += attn(ch)
			}
			cur = ch
		}
		if l < last && !c.PoolBlocks {
			n += block(ch, ch)
		}
	}
	n += 2*block(cur, cur) + attn(cur) + 2*cur
	in := cur
	for range c.HeadLayers {
		n += linear(in, c.HeadWidth)
		in = c.HeadWidth
	}
	return n + linear(in, 1)
}

// GradLogit returns the guidance gradient d = ∇ₓ f(x; σ, cond) [B, C, H, W] of the logit f at the
// noisy candidate x (Hess et al. 2025, eq. 5; DG's ∇ log(D/(1 − D))), computed by GoMLX's
// reverse-mode gradient inside the graph being built: a gradient with respect to x only (the
// conditioning frames are constants). Examples do not interact in the discriminator, so the
// gradient of the batch's summed logit is each example's own gradient.
func GradLogit(logit LogitFn, scope *model.Scope, x, sigma *Node, cond []*Node) *Node {
	f := logit(scope, x, sigma, cond)
	return Gradient(ReduceAllSum(f), x)[0]
}
