package guidance

import (
	"fmt"
	"slices"

	"github.com/tidal-forecast/tidal/nn"
)

// DefaultSigmaData is σ_data = 0.5, the data scale of the EDM preconditioning (Karras et al. 2022,
// Tab. 1) that the paper's image model uses.
const DefaultSigmaData = 0.5

// Config describes a Discriminator. The zero values of the optional fields take the defaults listed
// with them; FrameChannels is required. Defaults marked UNCONFIRMED are the suggestions of
// docs/GUIDANCE.md where the paper (Hess et al. 2025, App. B.2, Tab. 2) leaves the choice open.
type Config struct {
	// FrameChannels is the number of channels C of one frame. The network sees the noisy candidate
	// and Context clean conditioning frames concatenated: (1 + Context)·C input channels.
	FrameChannels int
	// Context is the number of conditioning frames xⁿ, xⁿ⁻¹, …; default 2 (the paper's m = 1).
	Context int
	// StaticChannels is the number of time-invariant conditioning channels (orography, land-sea
	// mask), given to Logit after the conditioning frames; 0 (default): none.
	StaticChannels int
	// Channels is the base width: level l has Channels·Mults[l] channels. Default 32 (UNCONFIRMED:
	// the paper's Tab. 2 says 128, its parameter count of 1.7M fits 32).
	Channels int
	// Mults are the channel multipliers per resolution level; default (1, 2, 2) (Tab. 2, vorticity).
	Mults []int
	// Blocks is the number of residual blocks per level; default 2 (Tab. 2).
	Blocks int
	// AttnLevels lists the levels (0 = full resolution) whose residual blocks are each followed by
	// self-attention; nil means the coarsest level only (UNCONFIRMED: the paper's "attention
	// resolution 8, 4"), an empty non-nil slice none. The middle always has one attention block.
	AttnLevels []int
	// HeadChannels is the number of channels per attention head (ADM's num_head_channels); a level
	// with fewer channels has one head. Default 64. A level of ch channels that HeadChannels does not
	// divide has the largest divisor of ch up to ch/HeadChannels heads (nn.GroupsFor's rule), so its
	// heads are a little wider than HeadChannels: 96 channels with the default take 1 head of 96.
	HeadChannels int
	// EmbedChannels is the width of the noise-level embedding MLP; default 4·Channels.
	EmbedChannels int
	// Groups is the most group-norm groups per layer; default 32. Each group norm uses the largest
	// divisor of its channel count that is ≤ Groups (nn.GroupsFor, as in nets.Config.Groups).
	Groups int
	// GNEpsilon is added to the group-norm variance; default 1e-5 (ADM's GroupNorm32).
	GNEpsilon float64
	// PadH and PadW are the padding of every 3×3 convolution along height and width: nn.Zero
	// (default) or nn.Periodic (vorticity: both axes; ERA5: longitude only).
	PadH, PadW nn.Padding
	// Dropout is the dropout rate inside the residual blocks while the scope is training; default 0.
	Dropout float64
	// PoolBlocks selects parameter-free 2×2 average pooling between levels instead of ADM's
	// downsampling residual blocks (resblock_updown, the default).
	PoolBlocks bool
	// HeadWidth is the width of the hidden layers of the MLP head; default 1024 (Tab. 2).
	HeadWidth int
	// HeadLayers is the number of hidden layers of the MLP head; default 2 (Tab. 2: "2 × 1024").
	HeadLayers int
	// SigmaData is σ_data of the input scaling; default DefaultSigmaData.
	SigmaData float64
	// RawInput feeds the noisy candidate as it is; by default it is scaled by
	// c_in(σ) = 1/√(σ² + σ_data²), as the EDM denoiser's input (UNCONFIRMED).
	RawInput bool
	// Branches splits every batch into this many parts that run as independent branches of the
	// graph sharing the variables (nets.Branched), so that the Go backend runs them concurrently.
	// Default 0: GOMAXPROCS branches on the Go backend, 1 elsewhere. The logits are the same up to
	// rounding.
	Branches int
	// ConvPath forces the convolutions' implementation; default nn.Auto.
	ConvPath nn.ConvPath
}

// withDefaults returns c with its zero optional fields set, or an error naming the first bad field.
func (c Config) withDefaults() (Config, error) {
	if c.FrameChannels <= 0 {
		return c, fmt.Errorf("guidance: FrameChannels must be positive, got %d", c.FrameChannels)
	}
	if c.StaticChannels < 0 {
		return c, fmt.Errorf("guidance: StaticChannels must be ≥ 0, got %d", c.StaticChannels)
	}
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.Context, 2)
	def(&c.Channels, 32)
	def(&c.Blocks, 2)
	def(&c.HeadChannels, 64)
	def(&c.EmbedChannels, 4*c.Channels)
	def(&c.Groups, 32)
	def(&c.HeadWidth, 1024)
	def(&c.HeadLayers, 2)
	if c.Mults == nil {
		c.Mults = []int{1, 2, 2}
	}
	c.Mults = slices.Clone(c.Mults)
	if c.AttnLevels == nil {
		c.AttnLevels = []int{len(c.Mults) - 1}
	}
	c.AttnLevels = slices.Clone(c.AttnLevels)
	if c.GNEpsilon == 0 {
		c.GNEpsilon = 1e-5
	}
	if c.SigmaData == 0 {
		c.SigmaData = DefaultSigmaData
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"Context", c.Context}, {"Channels", c.Channels}, {"Blocks", c.Blocks}, {"HeadChannels", c.HeadChannels},
		{"EmbedChannels", c.EmbedChannels}, {"Groups", c.Groups}, {"HeadWidth", c.HeadWidth}, {"HeadLayers", c.HeadLayers},
		{"Branches", c.Branches}} {
		if f.v < 0 {
			return c, fmt.Errorf("guidance: %s must be positive, got %d", f.name, f.v)
		}
	}
	switch {
	case len(c.Mults) == 0:
		return c, fmt.Errorf("guidance: Mults needs at least one level")
	case !(c.GNEpsilon > 0):
		return c, fmt.Errorf("guidance: GNEpsilon must be positive, got %g", c.GNEpsilon)
	case !(c.SigmaData > 0):
		return c, fmt.Errorf("guidance: SigmaData must be positive, got %g", c.SigmaData)
	case !(c.Dropout >= 0 && c.Dropout < 1):
		return c, fmt.Errorf("guidance: Dropout must be in [0, 1), got %g", c.Dropout)
	}
	for _, p := range []nn.Padding{c.PadH, c.PadW} {
		if p != nn.Zero && p != nn.Periodic {
			return c, fmt.Errorf("guidance: unknown padding %s", p)
		}
	}
	for l, m := range c.Mults {
		if m <= 0 {
			return c, fmt.Errorf("guidance: Mults[%d] must be positive, got %d", l, m)
		}
	}
	for _, l := range c.AttnLevels {
		if l < 0 || l >= len(c.Mults) {
			return c, fmt.Errorf("guidance: AttnLevels holds %d, but levels are 0…%d", l, len(c.Mults)-1)
		}
	}
	return c, nil
}

// levelChannels returns the channels of level l.
func (c Config) levelChannels(l int) int { return c.Channels * c.Mults[l] }

// heads returns the number of attention heads at a level of ch channels.
func (c Config) heads(ch int) int { return nn.GroupsFor(ch, ch/c.HeadChannels) }

// attends reports whether the residual blocks of level l are followed by attention.
func (c Config) attends(l int) bool { return slices.Contains(c.AttnLevels, l) }

// InChannels is the number of channels the encoder's first convolution sees: (1 + Context)·C.
func (c Config) InChannels() int { return (1 + c.Context) * c.FrameChannels }
