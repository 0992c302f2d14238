package nets

import (
	"fmt"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"

	"github.com/tidal-forecast/tidal/nn"
)

// VideoUNet is DyDiff's video denoiser (docs/NETS.md, "Video denoiser"): the UNet applied to every
// frame of a window, with the frames folded into the batch, and temporal mixing between the frames
// after its spatial blocks, in the manner of Stable Video Diffusion's VideoUNet, which the DyDiff
// reference trains:
//
//   - after each residual block of a level in TemporalConvLevels, a temporal residual block: with h
//     the spatial block's output, z = Tconv(SiLU(GN(Tconv(SiLU(GN(h))) + Linear(emb)))), Tconv a
//     convolution along the frames (nn.TemporalConv, Taps taps, zero padding at the window's ends;
//     the second one zero-initialised), and the temporal output h + z;
//   - after each attention block of a level in TemporalAttnLevels, temporal attention: for every
//     pixel, multi-head self-attention over the frames of GN(h) plus a frame-position embedding
//     (Linear of the sinusoidal features of the frame index), projected by a zero-initialised 1×1
//     convolution z; the temporal output is h + z.
//
// Each is merged with the spatial output by its own learned factor, the "learned" merge of SVD's
// AlphaBlender: out = α·h + (1 − α)·(h + z) with α = sigmoid(m), m a learned scalar starting at
// MixInit; computed as h + (1 − α)·z, with 1 − α folded into the weights of z's last layer. Both z
// start at 0, so the new network is the per-frame UNet.
//
// The conditioning (DyDiff spec §5, the reference's "concat-video-mask-1st") reaches every frame as
// channels, assembled by VideoInput.
type VideoUNet struct {
	cfg  VideoConfig
	unet *UNet
}

// NewVideo checks cfg, fills its defaults and returns the network.
func NewVideo(cfg VideoConfig) (*VideoUNet, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	u, err := New(c.UNet)
	if err != nil {
		return nil, err
	}
	return &VideoUNet{cfg: c, unet: u}, nil
}

// Config returns the network's configuration with its defaults filled in.
func (v *VideoUNet) Config() VideoConfig { return v.cfg }

// VideoInput assembles the per-frame input channels of DyDiff's denoiser (spec §5): for the noisy
// window xt [B, L, C, H, W] and the clean context frames context [B, P, C, H, W] (P ≤ L; nil for
// P = 0), frame f gets the 2·C + 2 channels
//
//	[ xt[f] (C) | context[f] if f < P, else 0 (C) | 1 if f < P, else 0 | 1 if f = P, else 0 ]
//
// (the noisy frame, the clean context or zeros, the context mask and the first-predicted-frame
// flag), returned as [B, L, 2·C + 2, H, W]. It panics on shapes that do not fit.
func VideoInput(xt, context *Node) *Node {
	if xt.Rank() != 5 {
		exceptions.Panicf("nets.VideoInput: xt must be [batch, frames, channels, height, width], got shape %s", xt.Shape())
	}
	d := xt.Shape().Dimensions
	B, L, C, H, W := d[0], d[1], d[2], d[3], d[4]
	g, dtype := xt.Graph(), xt.DType()
	P := 0
	var ctx *Node
	if context != nil {
		cd := context.Shape().Dimensions
		if context.Rank() != 5 || cd[0] != B || cd[1] > L || cd[2] != C || cd[3] != H || cd[4] != W {
			exceptions.Panicf("nets.VideoInput: context must be [%d, P ≤ %d, %d, %d, %d] (the clean first frames of xt %s), got shape %s",
				B, L, C, H, W, xt.Shape(), context.Shape())
		}
		P = cd[1]
		ctx = ConvertDType(context, dtype)
		if P < L {
			ctx = Pad(ctx, ScalarZero(g, dtype), PadAxis{}, PadAxis{End: L - P}, PadAxis{}, PadAxis{}, PadAxis{}) // every axis: GoMLX's gradient of Pad needs them all
		}
	} else {
		ctx = Zeros(g, shapes.Make(dtype, B, L, C, H, W))
	}
	mask, first := make([]float64, L), make([]float64, L)
	for f := range L {
		if f < P {
			mask[f] = 1
		}
		if f == P {
			first[f] = 1
		}
	}
	plane := func(v []float64) *Node {
		return BroadcastToDims(Reshape(ConstAsDType(g, dtype, v), 1, L, 1, 1, 1), B, L, 1, H, W)
	}
	return Concatenate([]*Node{xt, ctx, plane(mask), plane(first)}, 2)
}

// Apply builds the network into the graph and returns the predicted noise, shaped like xt. xt is
// the noisy window [B, L, C, H, W] (C = DataChannels), t [B] the diffusion step (or noise level)
// of each window, the same for all its frames, and cond holds the clean context frames
// [B, P, C, H, W], P ≤ L (or nothing: P = 0); with StaticChannels S > 0 it then holds the static
// fields [B, S, H, W], which every frame sees after its own channels, and with ActionChannels A > 0
// last the actions [B, L, A], frame f's A values tiled over H×W after those. VideoInput assembles the
// frames' channels; H and W may be any size (PadToMultiple). Its signature is that of dydiff.Net. Like
// GoMLX's layers it panics on inputs that do not fit while the graph is built; graph and model Exec
// return such panics as errors.
func (v *VideoUNet) Apply(scope *model.Scope, xt, t *Node, cond []*Node) *Node {
	frames := WindowFrames("nets.VideoUNet", xt, t, cond, v.cfg.DataChannels, v.cfg.StaticChannels, v.cfg.ActionChannels)
	B, L := xt.Shape().Dimensions[0], xt.Shape().Dimensions[1]
	in, crop := PadToMultipleWrap(frames, 1<<(len(v.cfg.UNet.Mults)-1), v.cfg.UNet.PadW == nn.Periodic) // any H×W
	t = ConvertDType(t, xt.DType())
	n := BranchCount(xt.Graph(), v.cfg.UNet.Branches, B)
	return crop(Branched(scope, n, []*Node{in, t}, func(sc *model.Scope, parts []*Node) *Node {
		return v.frames(sc, parts[0], parts[1], L)
	}))
}

// WindowFrames checks a window network's inputs and assembles every frame's input channels (Guo et al.
// 2025, the reference's "concat-video-mask[-action]" conditioning): xt, the noisy window [B, L, C, H, W];
// t [B]; cond the clean context frames [B, P, C, H, W] (or nothing), then with S > 0 static channels the
// static fields [B, S, H, W] and with A > 0 actions last the actions [B, L, A]. Each frame gets VideoInput's
// 2·C + 2 channels, then the S static planes, then its A action planes tiled over H×W: [B, L, 2C+2+S+A, H,
// W]. name (the network's) prefixes the panic of an input that does not fit.
func WindowFrames(name string, xt, t *Node, cond []*Node, C, S, A int) *Node {
	if xt.Rank() != 5 || xt.Shape().Dimensions[2] != C {
		exceptions.Panicf("%s: xt must be [batch, frames, %d, height, width], got shape %s", name, C, xt.Shape())
	}
	extra := 0
	if S > 0 {
		extra++
	}
	if A > 0 {
		extra++
	}
	if extra > 0 && len(cond) != 1+extra {
		exceptions.Panicf("%s: with %d static and %d action channels cond holds the context frames and %d more inputs, got %d inputs", name, S, A, extra, len(cond))
	}
	if extra == 0 && len(cond) > 1 {
		exceptions.Panicf("%s: cond holds at most the context frames, got %d inputs", name, len(cond))
	}
	d := xt.Shape().Dimensions
	B, L, H, W := d[0], d[1], d[3], d[4]
	if t.Rank() != 1 || t.Shape().Dimensions[0] != B {
		exceptions.Panicf("%s: t must be [%d], got shape %s", name, B, t.Shape())
	}
	var context *Node
	if len(cond) >= 1 {
		context = cond[0]
	}
	frames := VideoInput(xt, context)
	if S > 0 {
		st := cond[1]
		if sd := st.Shape().Dimensions; st.Rank() != 4 || sd[0] != B || sd[1] != S || sd[2] != H || sd[3] != W {
			exceptions.Panicf("%s: static fields must be [%d, %d, %d, %d], got shape %s", name, B, S, H, W, st.Shape())
		}
		st = BroadcastToDims(Reshape(ConvertDType(st, xt.DType()), B, 1, S, H, W), B, L, S, H, W)
		frames = Concatenate([]*Node{frames, st}, 2)
	}
	if A > 0 {
		frames = Concatenate([]*Node{frames, TileActions(cond[len(cond)-1], B, L, A, H, W, xt.DType())}, 2)
	}
	return frames
}

// TileActions checks the actions [B, L, A] (one row per frame of the window) and tiles each over the
// frame's H×W grid: [B, L, A, H, W] of dtype, the action planes of the reference's
// "concat-video-mask-action" conditioning (Guo et al. 2025 §5), for a batch of B windows.
func TileActions(actions *Node, B, L, A, H, W int, dtype dtypes.DType) *Node {
	ad := actions.Shape().Dimensions
	if actions.Rank() != 3 || ad[0] != B || ad[1] != L || ad[2] != A {
		exceptions.Panicf("nets: actions must be [%d, %d frames, %d], got shape %s", B, L, A, actions.Shape())
	}
	return BroadcastToDims(Reshape(ConvertDType(actions, dtype), B, L, A, 1, 1), B, L, A, H, W)
}

// frames runs the network on one branch: in [b, L, 2C+2+S+A, H, W] and t [b] to [b, L, C, H, W].
func (v *VideoUNet) frames(scope *model.Scope, in, t *Node, L int) *Node {
	d := in.Shape().Dimensions
	b, H, W := d[0], d[3], d[4]
	h := Reshape(in, b*L, d[2], H, W)
	perFrame := Reshape(BroadcastToDims(Reshape(t, b, 1), b, L), b*L)
	mix := func(sc *model.Scope, s step, h, emb *Node) *Node {
		if !v.cfg.mixes(s) {
			return h
		}
		if s.kind == resStep {
			return v.temporalBlock(sc.In("temporal"), h, emb, L)
		}
		return v.temporalAttention(sc.In("temporal"), h, L)
	}
	out := v.unet.bodyWith(scope, h, perFrame, mix)
	return Reshape(out, b, L, v.cfg.DataChannels, H, W)
}

// temporalBlock is the temporal residual block after a spatial one, merged (see VideoUNet): h
// [b·L, C, H, W], emb [b·L, E]. The first temporal convolution has no bias of its own (the embedding
// projection's bias, added right after it, is the same parameter), and the merge factor 1 − α scales
// the second one's kernel and bias (ConvBuilder.Scale) rather than its output: the same function,
// without a pass over the activations.
func (v *VideoUNet) temporalBlock(scope *model.Scope, h, emb *Node, L int) *Node {
	u, C := v.unet, h.Shape().Dimensions[1]
	tconv := func(sc *model.Scope, x *Node) *nn.TemporalConvBuilder {
		return nn.TemporalConvLayer(sc, x, L).Channels(C).Taps(v.cfg.Taps)
	}
	z := nn.SiLU(u.groupNorm(scope.In("norm1"), h))
	z = tconv(scope.In("conv1"), z).NoBias().Done()
	z = addPerExample(z, Linear(scope.In("emb"), emb, C))
	z = nn.SiLU(u.groupNorm(scope.In("norm2"), z))
	if u.cfg.Dropout > 0 {
		z = dropout(scope, z, u.cfg.Dropout)
	}
	return Add(h, tconv(scope.In("conv2"), z).ZeroInit().Scale(mergeGate(scope, h)).Done())
}

// temporalAttention is the attention over frames after a spatial attention block, merged (see
// VideoUNet): h [b·L, C, H, W].
func (v *VideoUNet) temporalAttention(scope *model.Scope, h *Node, L int) *Node {
	u := v.unet
	d := h.Shape().Dimensions
	bL, C, H, W := d[0], d[1], d[2], d[3]
	b, S, heads := bL/L, H*W, u.cfg.Heads
	x := u.groupNorm(scope.In("norm"), h)
	x = addPerExample(x, v.frameEmbedding(scope.In("frame_embed"), h, L, C))
	conv1 := func(name string) *Node {
		return nn.Conv(scope.In("%s", name), x).Channels(C).KernelSize(1).Done()
	}
	// [b·L, C, H, W] = [b, L, heads, d, S] → [b·S, heads, d, L]: the frames become the positions.
	toFrames := func(y *Node) *Node {
		y = TransposeAllAxes(Reshape(y, b, L, heads, C/heads, S), 0, 4, 2, 3, 1)
		return Reshape(y, b*S, heads, C/heads, L)
	}
	o := nn.Attend(toFrames(conv1("q")), toFrames(conv1("k")), toFrames(conv1("v")))
	o = TransposeAllAxes(Reshape(o, b, S, heads, C/heads, L), 0, 4, 2, 3, 1)
	o = Reshape(o, bL, C, H, W)
	return Add(h, nn.Conv(scope.In("proj"), o).Channels(C).KernelSize(1).ZeroInit().Scale(mergeGate(scope, h)).Done())
}

// frameEmbedding returns the frame-position embedding Linear(sinusoidal(f), C) of the frames
// f = 0 … L−1 (Channels sinusoidal features), repeated for the b·L rows of h: [b·L, C].
func (v *VideoUNet) frameEmbedding(scope *model.Scope, h *Node, L, C int) *Node {
	g, dtype := h.Graph(), h.DType()
	idx := make([]float64, L)
	for f := range idx {
		idx[f] = float64(f)
	}
	pe := Linear(scope, nn.SinusoidalEmbedding(ConstAsDType(g, dtype, idx), v.cfg.UNet.Channels), C) // [L, C]
	b := h.Shape().Dimensions[0] / L
	return Reshape(BroadcastToDims(Reshape(pe, 1, L, C), b, L, C), b*L, C)
}

// mergeGate returns 1 − α for SVD's learned AlphaBlender, α = sigmoid(m) with m the scalar variable
// "mix" (initialised to MixInit): the merge of the spatial output h and the temporal output h + z is
// α·h + (1 − α)·(h + z) = h + (1 − α)·z.
func mergeGate(scope *model.Scope, h *Node) *Node {
	m := scope.WithInitializer(func(g *Graph, shape shapes.Shape) *Node {
		return ConstAsDType(g, shape.DType, MixInit)
	}).VariableWithShape("mix", shapes.Make(h.DType())).NodeValue(h.Graph())
	return OneMinus(Sigmoid(m))
}

// String describes the network, e.g. "VideoUNet(C=2, 32 channels, mults [1 2 2], temporal conv
// [0 1 2], temporal attention [2])".
func (v *VideoUNet) String() string {
	c := v.cfg
	return fmt.Sprintf("VideoUNet(C=%d, %d channels, mults %v, temporal conv %v, temporal attention %v)",
		c.DataChannels, c.UNet.Channels, c.UNet.Mults, c.TemporalConvLevels, c.TemporalAttnLevels)
}
