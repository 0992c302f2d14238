package forecast

import (
	"fmt"
	"strings"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/metrics"
)

// ScoreJob is an ensemble forecast scored against its truth with metrics.Score (`tidal score`,
// docs/METRICS.md): the forecast as stored (float32 or float64), the truth as float64.
type ScoreJob struct {
	Forecast, Truth         *data.Array
	ForecastName, TruthName string // the files, as errors name them
	Layout                  metrics.Layout
	Options                 metrics.ScoreOptions
	// Weights are point weights over the field's trailing axes ([H] per row, or the trailing axes),
	// normalised to mean 1 (metrics.PointWeights); nil: unweighted. WeightsName names them in errors.
	Weights     *data.Array
	WeightsName string
}

// Score views both arrays in the layout, checks that they match and are finite, and scores them; errors
// name the file at fault.
func (j ScoreJob) Score() (*metrics.Report, error) {
	obs, err := metrics.NewTruth(j.Truth.Float64(), j.Truth.Shape, j.Layout)
	if err != nil {
		return nil, fmt.Errorf("truth %s: %w", j.TruthName, err)
	}
	if j.Forecast.DType == data.Float32 {
		return scoreArrays(j, j.Forecast.F32, obs)
	}
	return scoreArrays(j, j.Forecast.F64, obs)
}

func scoreArrays[F metrics.Float](j ScoreJob, fvals []F, obs *metrics.Fields[float64]) (*metrics.Report, error) {
	fc, err := metrics.NewEnsemble(fvals, j.Forecast.Shape, j.Layout)
	if err != nil {
		return nil, fmt.Errorf("forecast %s: %w", j.ForecastName, err)
	}
	if err := metrics.Match(fc, obs); err != nil {
		return nil, fmt.Errorf("forecast %s (shape %v) and truth %s: %w", j.ForecastName, j.Forecast.Shape, j.TruthName, err)
	}
	if err := fc.CheckFinite(); err != nil {
		return nil, fmt.Errorf("forecast %s: %w", j.ForecastName, err)
	}
	if err := obs.CheckFinite(); err != nil {
		return nil, fmt.Errorf("truth %s: %w", j.TruthName, err)
	}
	opt := j.Options
	if j.Weights != nil {
		if opt.Weights, err = metrics.PointWeights(fc.Field, j.Weights.Float64(), j.Weights.Shape); err != nil {
			return nil, fmt.Errorf("%s: %w", j.WeightsName, err)
		}
	}
	return metrics.Score(fc, obs, opt)
}

// BiasMaps are a report's bias maps (truth − ensemble mean) as one array [lead, field...], or nil when
// neither bias nor abs-bias was scored.
func BiasMaps(rep *metrics.Report) *data.Array {
	if rep.BiasMaps == nil {
		return nil
	}
	vals := make([]float64, 0, len(rep.BiasMaps)*len(rep.BiasMaps[0]))
	for _, m := range rep.BiasMaps {
		vals = append(vals, m...)
	}
	return data.FromFloat64(vals, append([]int{rep.Leads}, rep.Field...)...)
}

// ScoreChannels scores every channel of a forecast in tidal's layout [cases, members, lead, channel, H, W]
// on its own, for the per-variable scores of the NetCDF report; nil for other layouts and one channel.
// Weights, when set, must be over the images' rows or [H, W], not across channels.
func (j ScoreJob) ScoreChannels() ([]*metrics.Report, error) {
	fa, oa := j.Forecast, j.Truth
	if len(fa.Shape) != 6 || len(oa.Shape) != 5 || j.Layout.MemberAxis != 1 || j.Layout.LeadAxis != 2 || fa.Shape[3] < 2 {
		return nil, nil
	}
	B, M, L, C, H, W := fa.Shape[0], fa.Shape[1], fa.Shape[2], fa.Shape[3], fa.Shape[4], fa.Shape[5]
	fv, ov := fa.Float64(), oa.Float64()
	F := H * W
	reps := make([]*metrics.Report, C)
	for c := range C {
		f := make([]float64, 0, B*M*L*F)
		for k := range B * M * L {
			f = append(f, fv[(k*C+c)*F:(k*C+c+1)*F]...)
		}
		o := make([]float64, 0, B*L*F)
		for k := range B * L {
			o = append(o, ov[(k*C+c)*F:(k*C+c+1)*F]...)
		}
		one := j
		one.Forecast, one.Truth = data.FromFloat64(f, B, M, L, 1, H, W), data.FromFloat64(o, B, L, 1, H, W)
		var err error
		if reps[c], err = one.Score(); err != nil {
			return nil, err
		}
	}
	return reps, nil
}

// ChannelNames are the variables the channels of a tidal NetCDF forecast at path hold (its channel
// coordinate's "variables" attribute), else nil.
func ChannelNames(path string, n int) []string {
	h, err := data.StatNC(path)
	if err != nil {
		return nil
	}
	v, err := h.Var("channel")
	if err != nil {
		return nil
	}
	a, ok := v.Attr("variables")
	if !ok {
		return nil
	}
	names := strings.Fields(a.Text)
	if len(names) != n {
		return nil
	}
	return names
}
