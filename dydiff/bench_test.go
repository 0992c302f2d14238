package dydiff

import (
	"testing"
	"time"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/internal/tensortest"
	"github.com/tidal-forecast/tidal/noise"
)

// BenchmarkDDIM times the reference 50-step sampler on a Turbulence-sized latent window (8 members × 15
// frames × 3 channels × 16×16) with a trivial network, so it measures the sampler's own cost: the
// compiled per-step graph (Dynamics, InverseDynamics, the combination) and the per-step call; the
// Sampler is compiled once, outside the timing. It reports
// host-ratio: its time over the same 50 steps done by DDIMStepFloat64 on the host (one thread, float64;
// the fastest of 3), timed in the same run.
func BenchmarkDDIM(b *testing.B) {
	dims := []int{8, 15, 3, 16, 16}
	s, _ := NewSchedule(0.5, ScheduleOptions{})
	x, _ := noise.Initial(1, dims...)
	be, err := tensortest.Shared()
	if err != nil {
		b.Fatal(err)
	}
	net := func(_ *model.Scope, xt, _ *Node, _ []*Node) *Node { return MulScalar(xt, 0.5) }
	sm, err := NewDDIM(Denoiser{Backend: be, Net: net}, s, DDIMOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer sm.Close()
	if _, err := sm.Sample(x, nil, 0); err != nil { // compile once outside the timing
		b.Fatal(err)
	}
	host := min(hostDDIMTime(s, tensortest.Float64s(x), dims), hostDDIMTime(s, tensortest.Float64s(x), dims), hostDDIMTime(s, tensortest.Float64s(x), dims))
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		if _, err := sm.Sample(x, nil, 0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(time.Since(start))/float64(b.N)/float64(host), "host-ratio")
}

// hostDDIMTime returns the time of 50 DDIMStepFloat64 steps over every sample of x.
func hostDDIMTime(s Schedule, x []float64, dims []int) time.Duration {
	ts, _ := s.Timesteps(50)
	n := len(x) / dims[0]
	start := time.Now()
	for r := range dims[0] {
		cur := append([]float64(nil), x[r*n:(r+1)*n]...)
		for i := len(ts) - 1; i >= 0; i-- {
			e := make([]float64, n)
			for j := range e {
				e[j] = 0.5 * cur[j]
			}
			tp := -1
			if i > 0 {
				tp = ts[i-1]
			}
			cur, _, _ = DDIMStepFloat64(cur, e, dims[1], s.AlphaBar(ts[i]), s.AlphaBar(tp), s.GammaBar(ts[i]), s.GammaBar(tp))
		}
	}
	return time.Since(start)
}
