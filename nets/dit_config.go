package nets

import "fmt"

// DiTConfig describes a DiT (Peebles & Xie 2023) for windows of frames. DataChannels is required; the
// zero values of the other fields take the defaults listed with them, sized for a CPU.
type DiTConfig struct {
	// DataChannels is C, the channels of one frame of the noisy window and of the clean context. Every
	// frame enters with 2·C + 2 channels (VideoInput) plus StaticChannels and ActionChannels, and the
	// output has C.
	DataChannels int
	// StaticChannels is S, the time-invariant conditioning channels (orography, land-sea mask) every
	// frame sees after its own 2·C + 2; 0 (default): none.
	StaticChannels int
	// ActionChannels is A, the components of the action that drives each frame (robot pushing: the
	// reference's "concat-video-mask-action" conditioning, Guo et al. 2025 §5), as for VideoConfig:
	// frame f sees its own action's A values as constant planes after its other channels (TileActions),
	// so they enter the patch embedding of that frame's tokens; 0 (default): none.
	ActionChannels int
	// Patch is p, the side of the square patches each frame is cut into (DiT §3.1, "patchify"): a
	// frame of H×W pixels is H/p · W/p tokens. Grids that p does not divide are padded at their end
	// (PadToMultipleWrap) and the output cropped back. Default 4.
	Patch int
	// Hidden is the token width d (a multiple of 4, for the 2D sin-cos position embedding, and of
	// Heads). Default 64.
	Hidden int
	// Depth is N, the number of DiT blocks. Default 4.
	Depth int
	// Heads is the number of attention heads of both attentions; it must divide Hidden. Default
	// Hidden/64 when 64 divides Hidden (heads 64 channels wide, as in every DiT size), else 1.
	Heads int
	// MLPRatio is the width of each block's MLP in units of Hidden. Default 4 (DiT's).
	MLPRatio int
	// Frequencies is the width of the sinusoidal noise-level features that enter the embedding MLP.
	// Default 256 (DiT's frequency_embedding_size).
	Frequencies int
	// SpatialOnly drops the temporal attention from every block: the frames of a window then do not
	// interact at all (an ablation, and the test of the factorisation).
	SpatialOnly bool
	// WrapW pads a width that Patch does not divide periodically (fields periodic in longitude) rather
	// than with zeros; the height is always padded with zeros.
	WrapW bool
	// InChannels, when > 0, makes the DiT an image network, for the guided image and video models:
	// Apply then takes x [B, ..., H, W] and conditioning inputs [B, ..., H, W], folds each into
	// channels and concatenates them (InChannels in all) as UNet.Apply does, runs the transformer on
	// that one frame, spatial attention only, and returns DataChannels channels (shaped like x when
	// they are x's channels). StaticChannels must then be 0: static fields are conditioning inputs
	// like the others. Default 0: the window network of DyDiff.
	InChannels int
	// Branches splits every batch of windows into this many graph branches that share the variables,
	// as Config.Branches does for the UNet. Default 0: GOMAXPROCS on the Go backend, 1 elsewhere.
	Branches int
}

// ReferenceDiTS4Config is DiT-S/4 (Peebles & Xie 2023, Table 1: hidden 384, depth 12, 6 heads, patch
// 4, MLP ratio 4) for C data channels, the size the DyDiff reference's DiT configs name (DiT_S_4 with
// input_size 16: a 64² frame encoded by the latent VAE to 16², so 16 tokens per frame). The reference's
// DiT module itself is missing from its repository (spec §7), so how it conditions on the frames and
// the noise level is UNCONFIRMED; these are DiT-S/4's published sizes with the factorised attention
// and the conditioning channels of DiT (docs/NETS.md, "DiT").
func ReferenceDiTS4Config(dataChannels int) DiTConfig {
	return DiTConfig{DataChannels: dataChannels, Patch: 4, Hidden: 384, Depth: 12, Heads: 6, MLPRatio: 4}
}

// withDefaults returns c with its defaults set, or an error naming the first bad field.
func (c DiTConfig) withDefaults() (DiTConfig, error) {
	set := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	set(&c.Patch, 4)
	set(&c.Hidden, 64)
	set(&c.Depth, 4)
	if c.Heads == 0 && c.Hidden > 0 && c.Hidden%64 == 0 {
		c.Heads = c.Hidden / 64
	}
	set(&c.Heads, 1)
	set(&c.MLPRatio, 4)
	set(&c.Frequencies, 256)
	switch {
	case c.DataChannels <= 0:
		return c, fmt.Errorf("nets: DiTConfig.DataChannels must be positive, got %d", c.DataChannels)
	case c.StaticChannels < 0:
		return c, fmt.Errorf("nets: DiTConfig.StaticChannels must be ≥ 0, got %d", c.StaticChannels)
	case c.Patch < 0 || c.Patch > 64:
		return c, fmt.Errorf("nets: DiTConfig.Patch must be in 1…64, got %d", c.Patch)
	case c.Hidden < 0 || c.Hidden%4 != 0:
		return c, fmt.Errorf("nets: DiTConfig.Hidden must be a positive multiple of 4 (the 2D sin-cos position embedding), got %d", c.Hidden)
	case c.Depth < 0:
		return c, fmt.Errorf("nets: DiTConfig.Depth must be positive, got %d", c.Depth)
	case c.Heads < 0 || c.Hidden%c.Heads != 0:
		return c, fmt.Errorf("nets: DiTConfig.Heads must be positive and divide Hidden %d, got %d", c.Hidden, c.Heads)
	case c.MLPRatio < 0:
		return c, fmt.Errorf("nets: DiTConfig.MLPRatio must be positive, got %d", c.MLPRatio)
	case c.Frequencies < 2:
		return c, fmt.Errorf("nets: DiTConfig.Frequencies must be at least 2, got %d", c.Frequencies)
	case c.Branches < 0:
		return c, fmt.Errorf("nets: DiTConfig.Branches must be ≥ 0, got %d", c.Branches)
	case c.InChannels < 0:
		return c, fmt.Errorf("nets: DiTConfig.InChannels must be ≥ 0, got %d", c.InChannels)
	case c.InChannels > 0 && c.StaticChannels > 0:
		return c, fmt.Errorf("nets: DiTConfig.StaticChannels must be 0 for an image DiT (InChannels %d counts the static fields), got %d", c.InChannels, c.StaticChannels)
	case c.ActionChannels < 0:
		return c, fmt.Errorf("nets: DiTConfig.ActionChannels must be ≥ 0, got %d", c.ActionChannels)
	case c.InChannels > 0 && c.ActionChannels > 0:
		return c, fmt.Errorf("nets: DiTConfig.ActionChannels must be 0 for an image DiT (InChannels %d; actions drive the frames of a window), got %d", c.InChannels, c.ActionChannels)
	}
	if c.InChannels > 0 {
		c.SpatialOnly = true // one frame: nothing to attend to over time
	}
	return c, nil
}

// inChannels is the channels of one frame as the patch embedding sees it: 2·C + 2 + S + A, or
// InChannels for an image DiT.
func (c DiTConfig) inChannels() int {
	if c.InChannels > 0 {
		return c.InChannels
	}
	return 2*c.DataChannels + 2 + c.StaticChannels + c.ActionChannels
}

// attentions is the number of attention sub-blocks per DiT block: spatial, and temporal unless
// SpatialOnly.
func (c DiTConfig) attentions() int {
	if c.SpatialOnly {
		return 1
	}
	return 2
}
