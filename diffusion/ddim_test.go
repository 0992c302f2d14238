package diffusion

import (
	"math"

	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
	"github.com/tidal-forecast/tidal/noise"
)

// hostEulerAncestral is k-diffusion's sample_euler_ancestral with η written out on the host in float64
// for an element-wise D, as the test's own transcription of DDIM in σ (not NewDDIM's form): σ_up =
// min(σ', η√(σ'²(σ² − σ'²)/σ²)), σ_down = √(σ'² − σ_up²), y ← y + (σ_down − σ)(y − D(y; σ))/σ + σ_up·z.
func hostEulerAncestral(x0 []float64, e noise.Ensemble, dims []int, sigmas []float64, eta float64, seed uint64,
	d func(y, s float64) float64) []float64 {
	z, _ := e.Steps(seed, dims[1:]...)
	y := make([]float64, len(x0))
	for i := range y {
		y[i] = sigmas[0] * x0[i]
	}
	for i := range len(sigmas) - 1 {
		s, next := sigmas[i], sigmas[i+1]
		up := math.Min(next, eta*math.Sqrt(next*next*(s*s-next*next)/(s*s)))
		down := math.Sqrt(next*next - up*up)
		var eps []float64
		if up > 0 {
			eps = tensortest.Float64s(z.Next())
		}
		for j := range y {
			y[j] += (down - s) * (y[j] - d(y[j], s)) / s
			if eps != nil {
				y[j] += up * eps[j]
			}
		}
	}
	return y
}
