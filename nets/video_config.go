package nets

import (
	"fmt"
	"slices"
)

// VideoConfig describes a VideoUNet: the per-frame UNet, and where temporal mixing follows its
// blocks. DataChannels is required; the zero values of the other fields take the defaults listed
// with them.
type VideoConfig struct {
	// DataChannels is C, the channels of one frame of the noisy window and of the clean context. The
	// per-frame UNet takes 2·C + 2 channels (VideoInput) and returns C.
	DataChannels int
	// UNet is the per-frame network (widths, depths, spatial attention, padding per axis, …). Leave
	// its InChannels and OutChannels 0: NewVideo sets them to 2·C + 2 and C.
	UNet Config
	// TemporalConvLevels lists the levels (0 = full resolution) whose residual blocks (encoder,
	// middle for the coarsest level, decoder) are each followed by a temporal residual block merged
	// with the spatial output. None by default: without temporal levels the frames do not interact.
	TemporalConvLevels []int
	// TemporalAttnLevels lists the levels whose spatial attention blocks are each followed by
	// temporal attention merged with the spatial output. Each must have spatial attention: be in
	// UNet.AttnLevels, or be the coarsest level (the middle always attends). None by default.
	TemporalAttnLevels []int
	// Taps is the kernel size of the temporal convolutions along the frames (odd). Default 3
	// (the reference's video_kernel_size [3, 1, 1]).
	Taps int
	// StaticChannels is S, the time-invariant conditioning channels (orography, land-sea mask) that
	// every frame sees after its 2·C + 2 channels; 0 (default): none.
	StaticChannels int
	// ActionChannels is A, the components of the action that drives each frame (robot pushing: the
	// reference's "concat-video-mask-action" conditioning, Guo et al. 2025 §5): frame f sees its action's
	// A values as constant planes after its other channels; 0 (default): none.
	ActionChannels int
}

// MixInit is the initial value of every learned merge logit m (α = sigmoid(m) ≈ 0.62), SVD's
// merge_factor.
const MixInit = 0.5

// ReferenceVideoConfig is the reference code's denoiser for C data channels (DyDiff's VideoUNet, see
// docs/NETS.md): 64 base channels, multipliers (1, 2, 4, 4), 2 residual blocks per level, spatial
// attention at levels 0–2 (and the middle), 4 heads, an embedding MLP 256 wide, temporal
// convolutions (3 taps) after every residual block and temporal attention after every attention.
func ReferenceVideoConfig(dataChannels int) VideoConfig {
	return VideoConfig{
		DataChannels:       dataChannels,
		UNet:               Config{Channels: 64, Mults: []int{1, 2, 4, 4}, Blocks: 2, AttnLevels: []int{0, 1, 2}, Heads: 4},
		TemporalConvLevels: []int{0, 1, 2, 3},
		TemporalAttnLevels: []int{0, 1, 2, 3},
	}
}

// withDefaults returns c with its defaults set and its UNet's channels filled in, or an error naming
// the first bad field.
func (c VideoConfig) withDefaults() (VideoConfig, error) {
	if c.DataChannels <= 0 {
		return c, fmt.Errorf("nets: VideoConfig.DataChannels must be positive, got %d", c.DataChannels)
	}
	if c.UNet.InChannels != 0 || c.UNet.OutChannels != 0 {
		return c, fmt.Errorf("nets: VideoConfig.UNet.InChannels and OutChannels are set by NewVideo (2·C+2 = %d and C = %d); leave them 0, got %d and %d",
			2*c.DataChannels+2, c.DataChannels, c.UNet.InChannels, c.UNet.OutChannels)
	}
	if c.StaticChannels < 0 {
		return c, fmt.Errorf("nets: VideoConfig.StaticChannels must be ≥ 0, got %d", c.StaticChannels)
	}
	if c.ActionChannels < 0 {
		return c, fmt.Errorf("nets: VideoConfig.ActionChannels must be ≥ 0, got %d", c.ActionChannels)
	}
	c.UNet.InChannels, c.UNet.OutChannels = 2*c.DataChannels+2+c.StaticChannels+c.ActionChannels, c.DataChannels
	u, err := c.UNet.withDefaults()
	if err != nil {
		return c, err
	}
	c.UNet = u
	if c.Taps == 0 {
		c.Taps = 3
	}
	if c.Taps < 0 || c.Taps%2 == 0 {
		return c, fmt.Errorf("nets: VideoConfig.Taps must be a positive odd number, got %d", c.Taps)
	}
	if c.UNet.Channels < 2 {
		return c, fmt.Errorf("nets: the video network needs at least 2 base channels (its frame embedding), got %d", c.UNet.Channels)
	}
	c.TemporalConvLevels = slices.Clone(c.TemporalConvLevels)
	c.TemporalAttnLevels = slices.Clone(c.TemporalAttnLevels)
	last := len(c.UNet.Mults) - 1
	for _, l := range c.TemporalConvLevels {
		if l < 0 || l > last {
			return c, fmt.Errorf("nets: VideoConfig.TemporalConvLevels holds %d, but levels are 0…%d", l, last)
		}
	}
	for _, l := range c.TemporalAttnLevels {
		if l < 0 || l > last {
			return c, fmt.Errorf("nets: VideoConfig.TemporalAttnLevels holds %d, but levels are 0…%d", l, last)
		}
		if l != last && !c.UNet.attends(l) {
			return c, fmt.Errorf("nets: VideoConfig.TemporalAttnLevels holds %d, which has no spatial attention (UNet.AttnLevels %v)", l, c.UNet.AttnLevels)
		}
	}
	return c, nil
}

// mixes reports whether step s is followed by a temporal block: a temporal residual block after a
// residual block, temporal attention after an attention block.
func (c VideoConfig) mixes(s step) bool {
	switch s.kind {
	case resStep:
		return slices.Contains(c.TemporalConvLevels, s.level)
	case attnStep:
		return slices.Contains(c.TemporalAttnLevels, s.level)
	}
	return false
}
