package dymodel

import (
	"fmt"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"

	"github.com/tidal-forecast/tidal/dataset"
	"github.com/tidal-forecast/tidal/dydiff"
	"github.com/tidal-forecast/tidal/nets"
)

// denoiser is what both networks offer.
type denoiser interface {
	Apply(scope *model.Scope, xt, t *Node, cond []*Node) *Node
	NumParams() int
}

// Model is a configured network with its schedule.
type Model struct {
	Config   Config
	Schedule dydiff.Schedule
	net      denoiser
	unet     *nets.UNet // the per-frame UNet of "video", or the whole network of "unet"
	series   *nets.SeriesNet
	dit      *nets.DiT
	static   []float32 // the static fields [S, H, W], normalised (Config.Static); nil without
	raw      *dataset.Static
}

// Static returns the model's static conditioning fields in physical units, nil without.
func (m *Model) Static() *dataset.Static { return m.raw }

// SetStatic gives the model its static conditioning fields, which must be the [S, H, W] fields that
// Config.Static records (S channels on the frames' grid); they are normalised with the recorded
// statistics. Load calls it with the run's static.npy.
func (m *Model) SetStatic(s *dataset.Static) error {
	c := m.Config
	if c.Static == nil {
		if s == nil {
			return nil
		}
		return fmt.Errorf("static fields %v given, but the model was configured without static channels", s.Shape())
	}
	if s == nil {
		return fmt.Errorf("the model takes %d static channels, none given", c.Static.Channels)
	}
	if s.Channels != c.Static.Channels || s.Height != c.Frame[1] || s.Width != c.Frame[2] {
		return fmt.Errorf("static fields %v: the model takes [%d, %d, %d]", s.Shape(), c.Static.Channels, c.Frame[1], c.Frame[2])
	}
	m.static, m.raw = s.Normalized(dataset.Norm{Mean: c.Static.Mean, Std: c.Static.Std}), s
	return nil
}

// staticNode is the normalised static fields broadcast to the batch, [B, S, H, W], a constant of g.
func (m *Model) staticNode(g *Graph, dtype dtypes.DType, B int) *Node {
	c := m.Config
	if m.static == nil {
		exceptions.Panicf("dymodel: the model takes %d static channels and has none (Model.SetStatic)", c.Static.Channels)
	}
	S, H, W := c.Static.Channels, c.Frame[1], c.Frame[2]
	st := ConvertDType(Reshape(Const(g, m.static), 1, S, H, W), dtype)
	return BroadcastToDims(st, B, S, H, W)
}

// New checks c and builds the model.
func New(c Config) (*Model, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	s, err := c.Schedule()
	if err != nil {
		return nil, err
	}
	n, err := c.network()
	if err != nil {
		return nil, err
	}
	mo := &Model{Config: c, Schedule: s, net: n}
	switch v := n.(type) {
	case *nets.UNet:
		mo.unet = v
	case *nets.SeriesNet:
		mo.series = v
	case *nets.DiT:
		mo.dit = v
	case *nets.VideoUNet:
		if mo.unet, err = nets.New(v.Config().UNet); err != nil {
			return nil, err
		}
	}
	return mo, nil
}

// NumParams is the number of trainable scalars of the network.
func (m *Model) NumParams() int { return m.net.NumParams() }

// Net is the denoiser as a dydiff.Net: xt [B, L, C, H, W] the noisy window, t [B] the step, and
// cond[0] the clean context frames [B, Context, C, H, W]; with Config.Actions A > 0, cond[1] holds the
// window's actions [B, L, A], one row per frame (Window's padded rows). Per frame f the network sees
// (Guo et al. 2025, reference conditioning "concat-video-mask-1st", and "concat-video-mask-action"
// with actions; docs/DYDIFF.md, docs/VIDEO.md)
//
//	[ x_t^f | c^f = context frame f if f < P else 0 | m^f = [f < P] | m1^f = [f = P] ]
//
// with the frames stacked as channels, then the static fields' S channels when the model has them
// (Config.Static; "video" and "dit": after every frame's channels), then the actions tiled over H×W
// ("unet": the L frames' A planes; "video": each frame's own A planes last), and predicts the L frames'
// (correlated) noise. "video" and "dit" take the frames as they are and assemble these channels per
// frame themselves (nets.VideoInput).
//
// For "series" it is SeriesNet.Apply itself: x_t [B, L, N] mean scaled, and cond the four inputs of
// seriesConditioning.
func (m *Model) Net(scope *model.Scope, xt, t *Node, cond []*Node) *Node {
	c := m.Config
	if m.series != nil {
		return m.series.Apply(scope, xt, t, cond)
	}
	P, L, A := c.Context, c.Frames(), c.Actions
	switch {
	case A == 0 && len(cond) != 1:
		exceptions.Panicf("dymodel: the network takes one conditioning input (the context frames), got %d", len(cond))
	case A > 0 && len(cond) != 2:
		exceptions.Panicf("dymodel: the network takes two conditioning inputs (the context frames and the window's %d-component actions), got %d", A, len(cond))
	}
	ctx := ConvertDType(cond[0], xt.DType())
	d := xt.Shape().Dimensions
	if xt.Rank() != 5 || d[1] != L {
		exceptions.Panicf("dymodel: x_t must be [batch, %d frames, channels, height, width], got %s", L, xt.Shape())
	}
	cd := ctx.Shape().Dimensions
	if ctx.Rank() != 5 || cd[0] != d[0] || cd[1] != P || cd[2] != d[2] || cd[3] != d[3] || cd[4] != d[4] {
		exceptions.Panicf("dymodel: context must be [%d, %d, %d, %d, %d], got %s", d[0], P, d[2], d[3], d[4], ctx.Shape())
	}
	g := xt.Graph()
	B, H, W := d[0], d[3], d[4]
	if c.Net == "video" || c.Net == "dit" {
		in := []*Node{ctx}
		if c.Static != nil {
			in = append(in, m.staticNode(g, xt.DType(), B))
		}
		if A > 0 {
			in = append(in, m.scaledActions(cond[1], xt.DType()))
		}
		return m.net.Apply(scope, xt, t, in)
	}
	zeros := Zeros(g, shapes.Make(xt.DType(), B, L-P, d[2], H, W))
	frames := Concatenate([]*Node{ctx, zeros}, 1)
	mask := make([]float32, L*2)
	for f := range L {
		if f < P {
			mask[2*f] = 1
		}
		if f == P {
			mask[2*f+1] = 1
		}
	}
	masks := BroadcastToDims(Reshape(ConvertDType(Const(g, mask), xt.DType()), 1, L, 2, 1, 1), B, L, 2, H, W)
	in := []*Node{frames, masks}
	if c.Static != nil {
		in = append(in, m.staticNode(g, xt.DType(), B))
	}
	if A > 0 {
		in = append(in, nets.TileActions(m.scaledActions(cond[1], xt.DType()), B, L, A, H, W, xt.DType()))
	}
	return m.unet.Apply(scope, xt, t, in)
}

// scaledActions is the actions [B, L, A] divided by Config.ActionScale, of dtype.
func (m *Model) scaledActions(actions *Node, dtype dtypes.DType) *Node {
	inv := make([]float64, len(m.Config.ActionScale))
	for i, s := range m.Config.ActionScale {
		inv[i] = 1 / s
	}
	a := ConvertDType(actions, dtype)
	if a.Rank() != 3 || a.Shape().Dimensions[2] != len(inv) {
		exceptions.Panicf("dymodel: actions must be [batch, frames, %d], got %s", len(inv), a.Shape())
	}
	return Mul(a, Reshape(ConstAsDType(a.Graph(), dtype, inv), 1, 1, len(inv)))
}

// Loss is DyDiff's training loss (dydiff.RandomLoss: t uniform, the loss over all L frames) on a batch
// whose first tensor holds normalised windows [B, L, C, H, W]; the context is the window's first
// Context frames. A model with actions takes the windows' action rows [B, L, A] as the batch's second
// tensor (dataset.Windows of series with actions).
//
// For "series" the batch holds windows [B, L, N] in the series' units (the run's normalisation is the
// identity), and the loss is taken on the mean-scaled window (seriesLoss).
func (m *Model) Loss(scope *model.Scope, batch []*Node) *Node {
	x0 := batch[0]
	if m.series != nil {
		return m.seriesLoss(scope, x0)
	}
	if x0.Rank() != 5 || x0.Shape().Dimensions[1] != m.Config.Frames() {
		exceptions.Panicf("dymodel: a batch must be windows [batch, %d, channels, height, width], got %s", m.Config.Frames(), x0.Shape())
	}
	x0 = m.noisyContext(scope, x0)
	ctx := Slice(x0, AxisRange(), AxisRange(0, m.Config.Context))
	y := m.departure(x0, ctx)
	cond := []*Node{ctx}
	if m.Config.Actions > 0 {
		if len(batch) < 2 {
			exceptions.Panicf("dymodel: the model takes %d-component actions; the batch holds windows only (train on series with actions)", m.Config.Actions)
		}
		cond = append(cond, batch[1])
	}
	if m.Config.IsEDM() {
		e := m.Config.EDM
		return dydiff.RandomEDMLoss(scope, m.Net, m.edmOptions(), e.PMean, e.PStd, y, cond)
	}
	return dydiff.RandomLoss(scope, m.Net, m.Schedule, y, cond)
}

// noisyContext is the window x0 [B, L, ...] with Config.ContextNoise times white noise added to its
// first Context frames (the observed ones), drawn from scope's random state; x0 itself without it.
func (m *Model) noisyContext(scope *model.Scope, x0 *Node) *Node {
	s := m.Config.ContextNoise
	if s == 0 {
		return x0
	}
	P := m.Config.Context
	ctx := Slice(x0, AxisRange(), AxisRange(0, P))
	ctx = Add(ctx, MulScalar(scope.RandomNormal(x0.Graph(), ctx.Shape()), s))
	return Concatenate([]*Node{ctx, Slice(x0, AxisRange(), AxisRange(P))}, 1)
}

// edmOptions are the EDM-form wrapper's options.
func (m *Model) edmOptions() dydiff.EDMOptions {
	return dydiff.EDMOptions{Eta: m.Config.Eta, SigmaData: m.Config.EDM.SigmaData, Output: m.Config.EDM.Output}
}

// anchorOf is what the model's window is modelled against: the last observed frame of ctx
// [B, Context, ...] broadcast to the window's L frames with the "last" anchor, nil without one.
func (m *Model) anchorOf(ctx *Node) *Node {
	if !m.Config.Anchored() {
		return nil
	}
	P, L := m.Config.Context, m.Config.Frames()
	last := Slice(ctx, AxisRange(), AxisRange(P-1, P))
	dims := append([]int(nil), last.Shape().Dimensions...)
	dims[1] = L
	return BroadcastToDims(last, dims...)
}

// departure is the window the diffusion process models: x0 itself, or x0 − x_last with the "last"
// anchor (Config.Anchor).
func (m *Model) departure(x0, ctx *Node) *Node {
	if a := m.anchorOf(ctx); a != nil {
		return Sub(x0, a)
	}
	return x0
}

// CheckFrame refuses data whose frames differ from the model's, naming what.
func (m *Model) CheckFrame(what string, frame []int) error {
	want := m.Config.Frame
	if m.series != nil {
		if len(frame) != 1 || frame[0] != want[0] {
			return fmt.Errorf("%s: time steps of %v series, the model was trained on %d series", what, frame, want[0])
		}
		return nil
	}
	if len(frame) != len(want) {
		return fmt.Errorf("%s: frames of shape %v, the model was trained on frames %v [channels, height, width]", what, frame, want)
	}
	for i := range frame {
		if frame[i] != want[i] {
			return fmt.Errorf("%s: frames of shape %v, the model was trained on frames %v [channels, height, width]", what, frame, want)
		}
	}
	return nil
}
