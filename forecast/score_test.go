package forecast

import (
	"math"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/metrics"
)

// scoreFixture is a forecast [2 cases, 3 members, 2 leads, 2 channels, 2, 2] and its truth.
func scoreFixture() (*data.Array, *data.Array) {
	const B, M, L, C, H, W = 2, 3, 2, 2, 2, 2
	f := make([]float32, B*M*L*C*H*W)
	for i := range f {
		f[i] = float32(math.Sin(0.7*float64(i)) * float64(1+i%3))
	}
	o := make([]float64, B*L*C*H*W)
	for i := range o {
		o[i] = math.Cos(0.3 * float64(i))
	}
	return data.FromFloat32(f, B, M, L, C, H, W), data.FromFloat64(o, B, L, C, H, W)
}

// TestScoreJob: the job's report equals metrics.Score on the same views (float32 and float64 forecasts
// alike); per-channel scores equal scoring each channel's slice by hand; a NaN is refused naming the file.
func TestScoreJob(t *testing.T) {
	fa, oa := scoreFixture()
	lay := metrics.Layout{MemberAxis: 1, LeadAxis: 2}
	opt := metrics.ScoreOptions{Metrics: []string{"crps", "rmse", "bias"}}
	j := ScoreJob{Forecast: fa, Truth: oa, ForecastName: "fc.npy", TruthName: "truth.npy", Layout: lay, Options: opt}
	rep, err := j.Score()
	if err != nil {
		t.Fatal(err)
	}
	fc, _ := metrics.NewEnsemble(fa.F32, fa.Shape, lay)
	obs, _ := metrics.NewTruth(oa.F64, oa.Shape, lay)
	want, err := metrics.Score(fc, obs, opt)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range rep.Metrics {
		if m.Mean != want.Metrics[i].Mean {
			t.Errorf("%s: %v, metrics.Score gives %v", m.Name, m.Mean, want.Metrics[i].Mean)
		}
	}
	j64 := j
	j64.Forecast = data.FromFloat64(fa.Float64(), fa.Shape...)
	if r64, err := j64.Score(); err != nil || r64.Metrics[0].Mean != rep.Metrics[0].Mean {
		t.Errorf("a float64 forecast scores %v (%v), the float32 one %v", r64.Metrics[0].Mean, err, rep.Metrics[0].Mean)
	}
	if b := BiasMaps(rep); b == nil || b.Shape[0] != 2 || len(b.F64) != 2*2*2*2 {
		t.Errorf("bias maps %v", b)
	}
	per, err := j.ScoreChannels()
	if err != nil || len(per) != 2 {
		t.Fatalf("per channel: %v, %v", per, err)
	}
	for c := range 2 {
		var f, o []float64
		for k, v := range fa.Float64() {
			if k/4%2 == c {
				f = append(f, v)
			}
		}
		for k, v := range oa.F64 {
			if k/4%2 == c {
				o = append(o, v)
			}
		}
		fc, _ := metrics.NewEnsemble(f, []int{2, 3, 2, 1, 2, 2}, lay)
		obs, _ := metrics.NewTruth(o, []int{2, 2, 1, 2, 2}, lay)
		w, _ := metrics.Score(fc, obs, opt)
		if math.Abs(float64(per[c].Metrics[0].Mean-w.Metrics[0].Mean)) > 1e-12 {
			t.Errorf("channel %d crps %v, by hand %v", c, per[c].Metrics[0].Mean, w.Metrics[0].Mean)
		}
	}
	bad := j
	bad.Truth = data.FromFloat64(append([]float64{math.NaN()}, oa.F64[1:]...), oa.Shape...)
	if _, err := bad.Score(); err == nil || !strings.Contains(err.Error(), "truth truth.npy") {
		t.Errorf("NaN in the truth: %v", err)
	}
	bad = j
	bad.Weights, bad.WeightsName = data.FromFloat64([]float64{1, 2, 3}, 3), "--lat-weights w.npy"
	if _, err := bad.Score(); err == nil || !strings.Contains(err.Error(), "--lat-weights w.npy") {
		t.Errorf("weights of the wrong shape: %v", err)
	}
}
