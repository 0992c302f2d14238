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

// seriesLoss is DyDiff's loss (dydiff.RandomLoss) on series windows x0 [B, L, N] in the series'
// units: GluonTS's mean scaling from the window's Context observed steps (nets.MeanScale) is applied
// before the diffusion, so x₀, x_t, the clean-context conditioning and the predicted noise are all in
// the scaled space, and the network also sees log(scale) (docs/SERIES.md).
func (m *Model) seriesLoss(scope *model.Scope, x0 *Node) *Node {
	P, L := m.Config.Context, m.Config.Frames()
	if x0.Rank() != 3 || x0.Shape().Dimensions[1] != L {
		exceptions.Panicf("dymodel: a batch must be series windows [batch, %d, series], got %s", L, x0.Shape())
	}
	scale := nets.MeanScale(x0, P, nets.DefaultMinScale)
	xs := nets.ScaleWindow(x0, scale)
	cond := append(nets.SeriesConditioning(xs, P), Log(scale))
	return dydiff.RandomLoss(scope, m.Net, m.Schedule, xs, cond)
}

// seriesWindow is Window for "series": each member's context (members × Context × N values, the
// series' units) is mean scaled by its own scale (nets.MeanScaleFloat64), the window sampled in the
// scaled space with the conditioning seriesLoss trains on, and the predicted steps multiplied back by
// that scale.
func (f *Forecaster) seriesWindow(contexts []float32, members int, seed uint64) ([]float32, error) {
	c := f.m.Config
	N, P, L, S := c.Frame[0], c.Context, c.Frames(), c.Predict
	scales := make([]float64, 0, members*N)
	clean := make([]float32, members*L*N)
	logs := make([]float32, 0, members*N)
	ctx64 := make([]float64, P*N)
	for m := range members {
		for i := range ctx64 {
			ctx64[i] = float64(contexts[m*P*N+i])
		}
		s, err := nets.MeanScaleFloat64(ctx64, P, N, P, nets.DefaultMinScale)
		if err != nil {
			return nil, fmt.Errorf("member %d: %w", m, err)
		}
		for i, v := range ctx64 {
			clean[m*L*N+i] = float32(v / s[i%N])
		}
		for _, v := range s {
			logs = append(logs, float32(math.Log(v)))
		}
		scales = append(scales, s...)
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
				res = append(res, float32(float64(flat[(m*L+l)*N+n])*scales[m*N+n]))
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
