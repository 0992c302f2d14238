package nets

import (
	"fmt"
	"slices"

	"github.com/tidal-forecast/tidal/nn"
)

// Embedding says how a residual block takes the noise-level embedding.
type Embedding int

const (
	// AddEmbedding adds a per-channel projection of the embedding to the block's hidden features
	// after its first convolution (DDPM++ / EDM's SongUNet, adaptive_scale=False).
	AddEmbedding Embedding = iota
	// ScaleShift modulates the second group norm: GN(h)·(1 + scale) + shift, with scale and shift a
	// projection of the embedding (ADM's use_scale_shift_norm, the discriminator encoder of
	// Hess et al. 2025, App. B.2).
	ScaleShift
)

// String returns "add" or "scale-shift".
func (e Embedding) String() string {
	switch e {
	case AddEmbedding:
		return "add"
	case ScaleShift:
		return "scale-shift"
	default:
		return fmt.Sprintf("Embedding(%d)", int(e))
	}
}

// Head is the UNet's output layer.
type Head int

const (
	// NormHead is GroupNorm → SiLU → 3×3 convolution on the last decoder block's output (ADM's and
	// EDM's SongUNet's "out").
	NormHead Head = iota
	// LinearHead is the 3×3 convolution alone, on the last decoder block's output (the residual
	// stream): the input can reach the output through linear maps only. DyDiff's ε-prediction is
	// 15–20 % more accurate with it at t ≥ 800, where the target is almost the input itself
	// (docs/NETS.md, "Output head"; docs/RESULTS.md, "Network accuracy at high noise").
	LinearHead
)

// String returns "norm" or "linear".
func (h Head) String() string {
	switch h {
	case NormHead:
		return "norm"
	case LinearHead:
		return "linear"
	default:
		return fmt.Sprintf("Head(%d)", int(h))
	}
}

// ParseHead returns the head named "norm" or "linear" (String's names).
func ParseHead(name string) (Head, error) {
	for _, h := range []Head{NormHead, LinearHead} {
		if name == h.String() {
			return h, nil
		}
	}
	return 0, fmt.Errorf("nets: unknown output head %q: expected norm or linear", name)
}

// Config describes a UNet. The zero values of the optional fields take the defaults listed with
// them; InChannels and OutChannels are required.
type Config struct {
	// InChannels counts the channels of the noisy input x plus those of every conditioning input
	// (concatenated to x along the channel axis), after any frame axes are folded into channels.
	InChannels int
	// OutChannels is the number of output channels.
	OutChannels int
	// Channels is the base (model) width: level l has Channels·Mults[l] channels. Default 64.
	Channels int
	// Mults are the channel multipliers, one per resolution level; level l works at 1/2^l of the
	// input size. Default (1, 2, 2), the paper's (Hess et al. 2025, App. A, Tab. 1).
	Mults []int
	// Blocks is the number of residual blocks per level in the encoder (the decoder has Blocks+1).
	// Default 2.
	Blocks int
	// AttnLevels lists the levels (0 = full resolution) whose residual blocks are each followed by
	// self-attention. The middle of the network (coarsest level) always has one attention block.
	AttnLevels []int
	// Heads is the number of attention heads; it must divide every attended level's channels.
	// Default 1 (DDPM++).
	Heads int
	// EmbedChannels is the width of the noise-level embedding MLP. Default 4·Channels.
	EmbedChannels int
	// Groups is the most group-norm groups per layer. Default 32. Each group norm uses the largest
	// divisor of its own channel count that is ≤ Groups (nn.GroupsFor): a decoder block that takes
	// 48 channels (32 + a 16-channel skip) normalises them in 24 groups when Groups is 32. A layer
	// whose channels Groups divides, or that has at most Groups channels, uses exactly
	// min(Groups, channels), as it did when Groups had to divide every layer.
	Groups int
	// GNEpsilon is added to the group-norm variance. Default 1e-6 (SongUNet).
	GNEpsilon float64
	// PadH and PadW are the padding of every 3×3 convolution along height and width: nn.Zero
	// (default) or nn.Periodic (the vorticity fields of Hess et al. 2025, App. C.1, are periodic on both
	// axes, ERA5 on longitude only).
	PadH, PadW nn.Padding
	// Dropout is the dropout rate before each block's second convolution, active only while the
	// scope is training (scope.SetTraining). Default 0. EDM's DDPM++ uses 0.10–0.13; the paper's
	// value is UNCONFIRMED (Hess et al. 2025, App. A; docs/NETS.md).
	Dropout float64
	// Embedding is how blocks take the noise embedding: AddEmbedding (default) or ScaleShift.
	Embedding Embedding
	// Head is the output layer: NormHead (default, GN → SiLU → conv) or LinearHead (the conv alone).
	Head Head
	// Branches splits every batch into this many parts that run through the network as independent
	// branches of the graph, sharing the variables: the Go backend's graph executors then run the
	// branches' operations concurrently (most of its operations use one core each). Default 0: on the
	// Go backend, GOMAXPROCS branches; elsewhere 1. The output is the same, up to rounding.
	Branches int
	// ConvPath forces the convolutions' implementation; default nn.Auto (im2col on the Go backend,
	// GoMLX's native convolution elsewhere).
	ConvPath nn.ConvPath
}

// withDefaults returns c with its zero optional fields set, or an error naming the first bad field.
func (c Config) withDefaults() (Config, error) {
	if c.InChannels <= 0 {
		return c, fmt.Errorf("nets: InChannels must be positive, got %d", c.InChannels)
	}
	if c.OutChannels <= 0 {
		return c, fmt.Errorf("nets: OutChannels must be positive, got %d", c.OutChannels)
	}
	if c.Channels == 0 {
		c.Channels = 64
	}
	if c.Mults == nil {
		c.Mults = []int{1, 2, 2}
	}
	c.Mults = slices.Clone(c.Mults)
	c.AttnLevels = slices.Clone(c.AttnLevels)
	if c.Blocks == 0 {
		c.Blocks = 2
	}
	if c.Heads == 0 {
		c.Heads = 1
	}
	if c.EmbedChannels == 0 {
		c.EmbedChannels = 4 * c.Channels
	}
	if c.Groups == 0 {
		c.Groups = 32
	}
	if c.GNEpsilon == 0 {
		c.GNEpsilon = 1e-6
	}
	switch {
	case c.Channels < 0:
		return c, fmt.Errorf("nets: Channels must be positive, got %d", c.Channels)
	case len(c.Mults) == 0:
		return c, fmt.Errorf("nets: Mults needs at least one level")
	case c.Blocks < 0:
		return c, fmt.Errorf("nets: Blocks must be positive, got %d", c.Blocks)
	case c.Heads < 0 || c.EmbedChannels < 0 || c.Groups < 0:
		return c, fmt.Errorf("nets: Heads, EmbedChannels and Groups must be positive, got %d, %d, %d",
			c.Heads, c.EmbedChannels, c.Groups)
	case c.Branches < 0:
		return c, fmt.Errorf("nets: Branches must be positive, got %d", c.Branches)
	case c.GNEpsilon < 0:
		return c, fmt.Errorf("nets: GNEpsilon must be positive, got %g", c.GNEpsilon)
	case c.Dropout < 0 || c.Dropout >= 1:
		return c, fmt.Errorf("nets: Dropout must be in [0, 1), got %g", c.Dropout)
	case c.Embedding != AddEmbedding && c.Embedding != ScaleShift:
		return c, fmt.Errorf("nets: unknown Embedding %s", c.Embedding)
	case c.Head != NormHead && c.Head != LinearHead:
		return c, fmt.Errorf("nets: unknown Head %s", c.Head)
	}
	for _, p := range []nn.Padding{c.PadH, c.PadW} {
		if p != nn.Zero && p != nn.Periodic {
			return c, fmt.Errorf("nets: unknown padding %s", p)
		}
	}
	for l, m := range c.Mults {
		if m <= 0 {
			return c, fmt.Errorf("nets: Mults[%d] must be positive, got %d", l, m)
		}
	}
	last := len(c.Mults) - 1
	for _, l := range append(slices.Clone(c.AttnLevels), last) {
		if l < 0 || l > last {
			return c, fmt.Errorf("nets: AttnLevels holds %d, but levels are 0…%d", l, last)
		}
		if ch := c.Channels * c.Mults[l]; ch%c.Heads != 0 {
			return c, fmt.Errorf("nets: %d attention heads do not divide level %d's %d channels", c.Heads, l, ch)
		}
	}
	return c, nil
}

// attends reports whether the residual blocks of level l are followed by attention.
func (c Config) attends(l int) bool { return slices.Contains(c.AttnLevels, l) }

// levelChannels returns the channels of level l.
func (c Config) levelChannels(l int) int { return c.Channels * c.Mults[l] }
