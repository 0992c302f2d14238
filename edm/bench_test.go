package edm

import (
	"testing"
	"time"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/internal/tensortest"
	"github.com/tidal-forecast/tidal/noise"
)

// BenchmarkHeun times the paper's vorticity sampler (50 steps, S_churn 55, S_noise 1.005) on 8 members of
// a 64×64 field with a trivial denoiser, so it measures the sampler's own cost (churn noise drawn on the
// host, the compiled two-stage step, the per-step call). It reports host-ratio: its time over the same
// algorithm run element by element in float64 on the host (hostHeun, one thread; the fastest of 3), timed
// in the same run.
func BenchmarkHeun(b *testing.B) {
	dims := []int{8, 64 * 64}
	x, _ := noise.Initial(1, dims...)
	be, err := tensortest.Shared()
	if err != nil {
		b.Fatal(err)
	}
	d := Denoiser{Backend: be, D: func(_ *model.Scope, x, s *Node, _ []*Node) *Node { return Div(x, OnePlus(Square(sigmaCol(s)))) }}
	sigmas, _ := Sigmas(DefaultGridOptions())
	opt := HeunOptions{Churn: 55, TMax: 1000, Noise: 1.005, Seed: 1}
	sm, err := NewHeun(d, sigmas, opt)
	if err != nil {
		b.Fatal(err)
	}
	defer sm.Close()
	if _, err := sm.Sample(x, nil, 1); err != nil { // compile once outside the timing
		b.Fatal(err)
	}
	host := time.Duration(1 << 62)
	for range 3 {
		start := time.Now()
		hostHeun(tensortest.Float64s(x), noise.Ensemble{Cases: dims[0], Members: 1}, dims, make([]float64, dims[0]), sigmas, opt, func(x, s float64) float64 { return x / (1 + s*s) }, 0)
		host = min(host, time.Since(start))
	}
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		if _, err := sm.Sample(x, nil, 1); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(time.Since(start))/float64(b.N)/float64(host), "host-ratio")
}
