package nets

import (
	"fmt"
	"slices"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"

	"github.com/tidal-forecast/tidal/nn"
)

// LogVarMin and LogVarMax bound the encoder's log-variance, as latent diffusion's
// DiagonalGaussianDistribution clamps it (Rombach et al. 2022; shared spec §7: [−30, 20]).
const (
	LogVarMin = -30.0
	LogVarMax = 20.0
)

// VAEConfig describes a VAE, the per-frame KL autoencoder of latent diffusion's first stage (Rombach et
// al. 2022, AutoencoderKL; the DyDiff reference's Turbulence VAE, shared spec §7). The zero values of the
// optional fields take the defaults listed with them; InChannels is required.
type VAEConfig struct {
	// InChannels is the number of channels of a frame (2 for the velocity u, v).
	InChannels int
	// LatentChannels is z, the channels of the latent frame. Default 3 (the reference's).
	LatentChannels int
	// Channels is the base width: level l has Channels·Mults[l] channels. Default 64 (the reference: 128).
	Channels int
	// Mults are the channel multipliers, one per level; the encoder halves the grid between levels, so
	// the latent grid is the frame's divided by Factor() = 2^(len(Mults)−1). Default (1, 2, 4): ×4, the
	// reference's 64×64 → 16×16.
	Mults []int
	// Blocks is the number of residual blocks per encoder level (the decoder has Blocks+1). Default 2.
	Blocks int
	// Groups is the most group-norm groups per layer (nn.GroupsFor). Default 32.
	Groups int
	// GNEpsilon is added to the group-norm variance. Default 1e-6 (latent diffusion's Normalize).
	GNEpsilon float64
	// PadH and PadW are the padding of every 3×3 convolution: nn.Zero (default, the reference's) or
	// nn.Periodic (periodic fields).
	PadH, PadW nn.Padding
	// Branches splits every batch into independent branches of the graph (Config.Branches); 0: GOMAXPROCS
	// on the Go backend, else 1.
	Branches int
	// ConvPath forces the convolutions' implementation (default nn.Auto).
	ConvPath nn.ConvPath
}

// withDefaults returns c with its zero optional fields set, or an error naming the first bad field.
func (c VAEConfig) withDefaults() (VAEConfig, error) {
	if c.InChannels <= 0 {
		return c, fmt.Errorf("nets: VAE InChannels must be positive, got %d", c.InChannels)
	}
	if c.LatentChannels == 0 {
		c.LatentChannels = 3
	}
	if c.Channels == 0 {
		c.Channels = 64
	}
	if c.Mults == nil {
		c.Mults = []int{1, 2, 4}
	}
	c.Mults = slices.Clone(c.Mults)
	if c.Blocks == 0 {
		c.Blocks = 2
	}
	if c.Groups == 0 {
		c.Groups = 32
	}
	if c.GNEpsilon == 0 {
		c.GNEpsilon = 1e-6
	}
	switch {
	case c.LatentChannels < 0:
		return c, fmt.Errorf("nets: VAE LatentChannels must be positive, got %d", c.LatentChannels)
	case c.Channels < 0:
		return c, fmt.Errorf("nets: VAE Channels must be positive, got %d", c.Channels)
	case len(c.Mults) == 0:
		return c, fmt.Errorf("nets: VAE Mults needs at least one level")
	case len(c.Mults) > 8:
		return c, fmt.Errorf("nets: VAE Mults has %d levels: at most 8 (a ×128 downsampling)", len(c.Mults))
	case c.Blocks < 0 || c.Groups < 0 || c.Branches < 0:
		return c, fmt.Errorf("nets: VAE Blocks, Groups and Branches must be positive, got %d, %d, %d", c.Blocks, c.Groups, c.Branches)
	case c.GNEpsilon < 0:
		return c, fmt.Errorf("nets: VAE GNEpsilon must be positive, got %g", c.GNEpsilon)
	}
	for _, p := range []nn.Padding{c.PadH, c.PadW} {
		if p != nn.Zero && p != nn.Periodic {
			return c, fmt.Errorf("nets: VAE: unknown padding %s", p)
		}
	}
	for l, m := range c.Mults {
		if m <= 0 {
			return c, fmt.Errorf("nets: VAE Mults[%d] must be positive, got %d", l, m)
		}
	}
	return c, nil
}

// VAE is the per-frame KL autoencoder of latent diffusion (Rombach et al. 2022, §3 and App. G:
// AutoencoderKL without attention), the first stage of latent DyDiff (shared spec §7). Create it with
// NewVAE. For L = len(Mults) levels with c_l = Channels·Mults[l]:
//
//	encoder:  conv_in 3×3 (InChannels → Channels); at each level l: Blocks residual blocks to c_l, then
//	          (l < L−1) 2×2 average pooling; middle: two residual blocks at c_{L−1};
//	          GN → SiLU → conv_out 3×3 to 2·z channels, the posterior's mean and log-variance
//	decoder:  conv_in 3×3 (z → c_{L−1}); middle: two residual blocks; at each level l from L−1 to 0:
//	          Blocks+1 residual blocks to c_l, then (l > 0) nearest-neighbour 2× upsampling;
//	          GN → SiLU → conv_out 3×3 to InChannels
//
// The residual block (cin → cout) is h = conv3×3(SiLU(GN(x))), h = conv3×3(SiLU(GN(h))), out = skip(x) + h
// with skip a 1×1 convolution when cin ≠ cout. Differences from AutoencoderKL, on purpose: resampling is
// parameter-free (pooling and nearest-neighbour repetition, as the UNet's, instead of strided and
// post-upsampling convolutions), the middle has no attention (the reference's Turbulence VAE has none
// at its resolutions either: attn_resolutions []), and there are no quant_conv / post_quant_conv 1×1
// layers (a linear map on the moments and the latent that the neighbouring convolutions absorb).
type VAE struct {
	cfg VAEConfig
}

// NewVAE checks cfg, fills its defaults and returns the network.
func NewVAE(cfg VAEConfig) (*VAE, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &VAE{cfg: c}, nil
}

// Config returns the network's configuration with its defaults filled in.
func (v *VAE) Config() VAEConfig { return v.cfg }

// Factor is the downsampling factor 2^(len(Mults)−1) from a frame's grid to the latent grid.
func (v *VAE) Factor() int { return 1 << (len(v.cfg.Mults) - 1) }

// CheckGrid refuses an H×W grid that Factor does not divide (the latent grid would not be whole).
func (v *VAE) CheckGrid(H, W int) error {
	f := v.Factor()
	if H < f || W < f || H%f != 0 || W%f != 0 {
		return fmt.Errorf("grid %d×%d: the VAE's %d levels downsample ×%d, which must divide the height and width", H, W, len(v.cfg.Mults), f)
	}
	return nil
}

// Encode builds the encoder on frames x [B, InChannels, H, W] (H and W multiples of Factor) and returns
// the posterior's mean and log-variance, each [B, z, H/f, W/f]; the log-variance is clamped to
// [LogVarMin, LogVarMax]. Its variables live in scope's sub-scope "encoder". Like the UNet, it panics on
// inputs that do not fit while the graph is built.
func (v *VAE) Encode(scope *model.Scope, x *Node) (mean, logVar *Node) {
	c := v.cfg
	B, _, H, W := v.check(x, c.InChannels, 1)
	n := BranchCount(x.Graph(), c.Branches, B)
	m := Branched(scope.In("encoder"), n, []*Node{x}, func(scope *model.Scope, in []*Node) *Node {
		return v.encoder(scope, in[0])
	})
	z := c.LatentChannels
	f := v.Factor()
	mean = Slice(m, AxisRange(), AxisRange(0, z))
	logVar = Slice(m, AxisRange(), AxisRange(z, 2*z))
	logVar = ClipScalar(logVar, LogVarMin, LogVarMax)
	if d := mean.Shape().Dimensions; d[2] != H/f || d[3] != W/f {
		exceptions.Panicf("nets.VAE: encoder output %s, expected [%d, %d, %d, %d]", mean.Shape(), B, z, H/f, W/f)
	}
	return mean, logVar
}

// Decode builds the decoder on latents z [B, z, h, w] and returns frames [B, InChannels, h·f, w·f]. Its
// variables live in scope's sub-scope "decoder".
func (v *VAE) Decode(scope *model.Scope, z *Node) *Node {
	c := v.cfg
	B, _, _, _ := v.check(z, c.LatentChannels, 0)
	n := BranchCount(z.Graph(), c.Branches, B)
	return Branched(scope.In("decoder"), n, []*Node{z}, func(scope *model.Scope, in []*Node) *Node {
		return v.decoder(scope, in[0])
	})
}

// check panics unless x is [B, channels, H, W] with H and W multiples of the factor (when multiple).
func (v *VAE) check(x *Node, channels, multiple int) (B, C, H, W int) {
	if x.Rank() != 4 || x.Shape().Dimensions[1] != channels {
		exceptions.Panicf("nets.VAE: expected [batch, %d, height, width], got shape %s", channels, x.Shape())
	}
	B, C, H, W = dims4(x)
	if multiple > 0 {
		if err := v.CheckGrid(H, W); err != nil {
			exceptions.Panicf("nets.VAE: %v", err)
		}
	}
	return
}

func (v *VAE) encoder(scope *model.Scope, x *Node) *Node {
	c := v.cfg
	o := v.blockOptions()
	h := o.conv(scope.In("conv_in"), x, c.Channels, 3, false)
	last := len(c.Mults) - 1
	for l, m := range c.Mults {
		for b := range c.Blocks {
			h = plainResBlock(scope.In("down%d_block%d", l, b), h, c.Channels*m, o)
		}
		if l < last {
			h = nn.Downsample2x(h)
		}
	}
	h = plainResBlock(scope.In("mid_block0"), h, h.Shape().Dimensions[1], o)
	h = plainResBlock(scope.In("mid_block1"), h, h.Shape().Dimensions[1], o)
	h = nn.SiLU(o.groupNorm(scope.In("norm_out"), h))
	return o.conv(scope.In("conv_out"), h, 2*c.LatentChannels, 3, false)
}

func (v *VAE) decoder(scope *model.Scope, z *Node) *Node {
	c := v.cfg
	o := v.blockOptions()
	last := len(c.Mults) - 1
	top := c.Channels * c.Mults[last]
	h := o.conv(scope.In("conv_in"), z, top, 3, false)
	h = plainResBlock(scope.In("mid_block0"), h, top, o)
	h = plainResBlock(scope.In("mid_block1"), h, top, o)
	for l := last; l >= 0; l-- {
		for b := range c.Blocks + 1 {
			h = plainResBlock(scope.In("up%d_block%d", l, b), h, c.Channels*c.Mults[l], o)
		}
		if l > 0 {
			h = nn.Upsample2x(h)
		}
	}
	h = nn.SiLU(o.groupNorm(scope.In("norm_out"), h))
	return o.conv(scope.In("conv_out"), h, c.InChannels, 3, false)
}

// blockOptions are the VAE's group norm, padding and convolution path (no embedding, no dropout).
func (v *VAE) blockOptions() BlockOptions {
	c := v.cfg
	return BlockOptions{Groups: c.Groups, GNEpsilon: c.GNEpsilon, PadH: c.PadH, PadW: c.PadW, ConvPath: c.ConvPath}
}

// plainResBlock is the VAE's residual block without a noise embedding (latent diffusion's ResnetBlock
// with temb_channels 0 and no dropout): h = conv(SiLU(GN(x))), h = conv(SiLU(GN(h))), skip(x) + h.
func plainResBlock(scope *model.Scope, x *Node, cout int, o BlockOptions) *Node {
	h := o.conv(scope.In("conv1"), nn.SiLU(o.groupNorm(scope.In("norm1"), x)), cout, 3, false)
	h = o.conv(scope.In("conv2"), nn.SiLU(o.groupNorm(scope.In("norm2"), h)), cout, 3, false)
	skip := x
	if x.Shape().Dimensions[1] != cout {
		skip = o.conv(scope.In("skip"), x, cout, 1, false)
	}
	return Add(skip, h)
}
