package metricsbench

import (
	"math/rand/v2"
	"testing"

	"github.com/tidal-forecast/tidal/metrics"
)

// BenchmarkCRPS scores one case of the benchmark's size, 50 members × 10 leads × 128×128 float32, with
// each estimator: go test -run '^$' -bench CRPS ./bench/metricsbench
func BenchmarkCRPS(b *testing.B) {
	const m, l, hw = 50, 10, 128 * 128
	normal := func(seed uint64, n int) []float32 {
		r := rand.New(rand.NewPCG(seed, 1))
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(r.NormFloat64())
		}
		return v
	}
	f, err := metrics.NewEnsemble(normal(1, m*l*hw), []int{1, m, l, 128, 128}, metrics.DefaultLayout)
	if err != nil {
		b.Fatal(err)
	}
	o, err := metrics.NewTruth(normal(2, l*hw), []int{1, l, 128, 128}, metrics.DefaultLayout)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(4 * m * l * hw))
	for _, est := range []metrics.Estimator{metrics.Empirical, metrics.Fair} {
		b.Run(est.String(), func(b *testing.B) {
			for b.Loop() {
				if _, err := metrics.CRPS(f, o, metrics.CRPSOptions{Estimator: est}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
