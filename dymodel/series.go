package dymodel

import (
	"fmt"
	"math"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dataset"
	"github.com/tidal-forecast/tidal/dydiff"
	"github.com/tidal-forecast/tidal/guard"
	"github.com/tidal-forecast/tidal/nets"
	"github.com/tidal-forecast/tidal/noise"
	"github.com/tidal-forecast/tidal/train"
)

// seriesNet builds the series network: nets.SeriesNet with the log of each window's per-series
// scale as its fourth conditioning input (docs/SERIES.md, "Where the scaling applies").
func (c Config) seriesNet() (*nets.SeriesNet, error) {
	s := c.Series
	return nets.NewSeries(nets.SeriesConfig{Channels: s.Channels, Blocks: s.Blocks, Rank: s.Rank,
		TimeAttention: s.TimeAttention, ScaleInput: true})
}

// seriesLoss is DyDiff's loss on series windows x0 [B, L, N] in the series' units, taken on the
// window seriesScaled makes of it (docs/SERIES.md, "Where the scaling applies"): x₀, the noisy window,
// the clean-context conditioning and the network's output are all in the scaled space, and the network
// also sees log(scale). The ddpm form takes dydiff.RandomLoss, the edm form dydiff.RandomEDMLoss.
func (m *Model) seriesLoss(scope *model.Scope, x0 *Node) *Node {
	P, L := m.Config.Context, m.Config.Frames()
	if x0.Rank() != 3 || x0.Shape().Dimensions[1] != L {
		exceptions.Panicf("dymodel: a batch must be series windows [batch, %d, series], got %s", L, x0.Shape())
	}
	xs, scale := m.seriesScaled(x0)
	cond := append(nets.SeriesConditioning(xs, P), Log(scale))
	if m.Config.IsEDM() {
		e := m.Config.EDM
		return dydiff.RandomEDMLoss(scope, m.Net, m.edmOptions(), e.PMean, e.PStd, xs, cond)
	}
	return dydiff.RandomLoss(scope, m.Net, m.Schedule, xs, cond)
}

// seriesScaled is the window [B, L, N] the diffusion models and its per-series scale [B, N]: without an
// anchor, GluonTS's mean scaling from the context (nets.MeanScale), x/scale; with the "last" anchor, the
// departure from the last observed step in units of the context's increments (nets.IncrementScale with
// horizon Predict), (x − x_last)/scale, so that a network that predicts no departure forecasts
// persistence and a random walk departs by about one unit over the forecast.
func (m *Model) seriesScaled(x0 *Node) (xs, scale *Node) {
	P := m.Config.Context
	if !m.Config.Anchored() {
		scale = nets.MeanScale(x0, P, nets.DefaultMinScale)
		return nets.ScaleWindow(x0, scale), scale
	}
	scale = nets.IncrementScale(x0, P, m.seriesHorizon(), nets.DefaultRelFloor, nets.DefaultMinScale)
	ctx := SliceAxis(x0, 1, AxisRange(0, P))
	xs = nets.ScaleWindow(Sub(x0, m.anchorOf(ctx)), scale)
	if m.Config.Anchor == AnchorWalk {
		L := m.Config.Frames()
		steps := make([]float64, L)
		for l := range steps {
			steps[l] = 1 / m.seriesStep(l)
		}
		xs = Mul(xs, Reshape(ConstAsDType(x0.Graph(), x0.DType(), steps), 1, L, 1))
	}
	return xs, scale
}

// seriesHorizon is the increment scale's horizon: Predict with the "last" anchor (a random walk departs by
// one unit at the last predicted step), 1 with "walk" (seriesStep divides each step by its own distance).
func (m *Model) seriesHorizon() int {
	if m.Config.Anchor == AnchorWalk {
		return 1
	}
	return m.Config.Predict
}

// seriesStep is step l's divisor of the scaled window: √max(|l − (Context−1)|, 1) with the "walk" anchor,
// the standard deviation, in steps, of a random walk's departure that far from the last observation; 1
// otherwise.
func (m *Model) seriesStep(l int) float64 {
	if m.Config.Anchor != AnchorWalk {
		return 1
	}
	return math.Sqrt(max(math.Abs(float64(l-(m.Config.Context-1))), 1))
}

// seriesHostScale is seriesScaled's scale and anchor of one member's context (P × N values, step-major)
// on the host: the anchor is zero without the "last" anchor.
func (m *Model) seriesHostScale(ctx []float64) (scale, anchor []float64, err error) {
	c := m.Config
	N, P := c.Frame[0], c.Context
	anchor = make([]float64, N)
	if !c.Anchored() {
		scale, err = nets.MeanScaleFloat64(ctx, P, N, P, nets.DefaultMinScale)
		return scale, anchor, err
	}
	copy(anchor, ctx[(P-1)*N:])
	scale, err = nets.IncrementScaleFloat64(ctx, P, N, P, m.seriesHorizon(), nets.DefaultRelFloor, nets.DefaultMinScale)
	return scale, anchor, err
}

// seriesWindow is Window for "series": each member's context (members × Context × N values, the
// series' units) is scaled by its own scale (and moved by its own anchor) as seriesScaled does in
// training, the window sampled in the scaled space with the conditioning seriesLoss trains on, and the
// predicted steps mapped back: x = anchor + scale·y.
func (f *Forecaster) seriesWindow(contexts []float32, members int, seed uint64) ([]float32, error) {
	c := f.m.Config
	N, P, L, S := c.Frame[0], c.Context, c.Frames(), c.Predict
	scales := make([]float64, 0, members*N)
	anchors := make([]float64, 0, members*N)
	clean := make([]float32, members*L*N)
	logs := make([]float32, 0, members*N)
	ctx64 := make([]float64, P*N)
	for m := range members {
		for i := range ctx64 {
			ctx64[i] = float64(contexts[m*P*N+i])
		}
		s, a, err := f.m.seriesHostScale(ctx64)
		if err != nil {
			return nil, fmt.Errorf("member %d: %w", m, err)
		}
		for i, v := range ctx64 {
			clean[m*L*N+i] = float32((v - a[i%N]) / s[i%N] / f.m.seriesStep(i/N))
		}
		for _, v := range s {
			logs = append(logs, float32(math.Log(v)))
		}
		scales = append(scales, s...)
		anchors = append(anchors, a...)
	}
	mask := make([]float32, members*L)
	first := make([]float32, members*L)
	for m := range members {
		for l := range P {
			mask[m*L+l] = 1
		}
		if P < L {
			first[m*L+P] = 1
		}
	}
	x, err := noise.Ensemble{Cases: 1, Members: members}.Initial(seed, L, N)
	if err != nil {
		return nil, err
	}
	defer x.FinalizeAll()
	cond := []*tensors.Tensor{tensors.FromFlatDataAndDimensions(clean, members, L, N),
		tensors.FromFlatDataAndDimensions(mask, members, L), tensors.FromFlatDataAndDimensions(first, members, L),
		tensors.FromFlatDataAndDimensions(logs, members, N)}
	defer func() {
		for _, t := range cond {
			t.FinalizeAll()
		}
	}()
	out, err := f.s.Sample(x, cond, seed)
	if err != nil {
		return nil, err
	}
	defer out.FinalizeAll()
	flat := tensors.MustCopyFlatData[float32](out)
	res := make([]float32, 0, members*S*N)
	for m := range members {
		for l := P; l < L; l++ {
			for n := range N {
				res = append(res, float32(anchors[m*N+n]+float64(flat[(m*L+l)*N+n])*scales[m*N+n]*f.m.seriesStep(l)))
			}
		}
	}
	return res, nil
}

// seriesActivationBytes estimates SeriesNet's float32 activations per window: about a dozen tensors
// of L·N tokens × Channels per block (layer norms, convolution, attention projections, residuals),
// and the r × N attention weights of each block's inducing points both ways. An estimate for the
// memory budget, not an exact count.
func (m *Model) seriesActivationBytes() int64 {
	c := m.series.Config()
	tokens := int64(m.Config.Frames()) * int64(m.Config.Frame[0])
	return guard.Sum(guard.Product(tokens, int64(c.Channels), int64(12*c.Blocks+4), 4),
		guard.Product(tokens, int64(c.Rank), int64(c.Blocks), 2, 4))
}

// Inner is the number of values per channel of one frame: H·W for fields [C, H, W], 1 for series
// [N] (whose N series are the normalisation's channels).
func (m *Model) Inner() int { return data.NumElements(m.Config.Frame[1:]) }

// IdentityNorm is the normalisation of a series run over n series: none. Each window is mean scaled
// from its own context inside the model instead (docs/SERIES.md, "Where the scaling applies"), so
// the windows and the forecasts stay in the series' own units.
func IdentityNorm(n int) dataset.Norm {
	nm := dataset.Norm{Mean: make([]float64, n), Std: make([]float64, n)}
	for i := range nm.Std {
		nm.Std[i] = 1
	}
	return nm
}

// SeriesWindows are the training windows of a series run: every window of frames rows (starts stride
// apart, shuffled by seed) within the first rows rows of series [T, N] (named name in errors), in the
// series' units, with IdentityNorm as the run's normalisation.
func SeriesWindows(name string, series *data.Array, rows, frames, stride int, seed uint64) (train.Source, dataset.Norm, int, error) {
	if len(series.Shape) != 2 || rows < 1 || rows > series.Shape[0] {
		return nil, dataset.Norm{}, 0, fmt.Errorf("%s: %d training rows of a series of shape %v (expected [T, N], T ≥ rows)", name, rows, series.Shape)
	}
	N := series.Shape[1]
	s, err := dataset.FromArray(name, data.FromFloat64(series.Float64()[:rows*N], rows, N))
	if err != nil {
		return nil, dataset.Norm{}, 0, err
	}
	w, _, norm, err := dataset.Split([]dataset.Series{s}, dataset.Options{Frames: frames, Stride: stride, Seed: seed})
	if err != nil {
		return nil, dataset.Norm{}, 0, fmt.Errorf("%s: %w", name, err)
	}
	id := IdentityNorm(N)
	return Renormalized{Src: w, From: norm, To: id}, id, w.Len(), nil
}
