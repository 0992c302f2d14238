package dymodel

import (
	"fmt"
	"math"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dydiff"
	"github.com/tidal-forecast/tidal/internal/guard"
	"github.com/tidal-forecast/tidal/nets"
	"github.com/tidal-forecast/tidal/noise"
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
