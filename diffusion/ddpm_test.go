package diffusion

import (
	"math"

	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
	"github.com/tidal-forecast/tidal/noise"
)

// hostVPAncestral is DDPM's ancestral sampler (Ho et al. 2020, eqs. 6–7) on the VP state x = √ᾱ·y,
// in float64 on the host: x starts at √(1−ᾱ_T)·ξ (= √ᾱ_T·σ_T·ξ), and from each visited step t to the
// previous one (ᾱ' = 1 after the first), with β = 1 − ᾱ/ᾱ' and x̂₀ = D(x/√ᾱ; σ_t),
//
//	x ← √ᾱ'β/(1−ᾱ)·x̂₀ + √(1−β)(1−ᾱ')/(1−ᾱ)·x + √(β(1−ᾱ')/(1−ᾱ))·z
//
// returning x at ᾱ' = 1, which is y. It draws z from the same per-step streams as the samplers.
func hostVPAncestral(x0 []float64, e noise.Ensemble, dims []int, vp VP, ts []int, seed uint64,
	d func(y, s float64) float64) []float64 {
	z, _ := e.Steps(seed, dims[1:]...)
	top := vp.AlphaBar(ts[len(ts)-1])
	x := make([]float64, len(x0))
	for i := range x {
		x[i] = math.Sqrt(1-top) * x0[i]
	}
	for k := len(ts) - 1; k >= 0; k-- {
		a, ap := vp.AlphaBar(ts[k]), 1.0
		if k > 0 {
			ap = vp.AlphaBar(ts[k-1])
		}
		beta := 1 - a/ap
		v := beta * (1 - ap) / (1 - a)
		var eps []float64
		if v > 0 {
			eps = tensortest.Float64s(z.Next())
		}
		sigma := math.Sqrt((1 - a) / a)
		for j := range x {
			x0hat := d(x[j]/math.Sqrt(a), sigma)
			x[j] = math.Sqrt(ap)*beta/(1-a)*x0hat + math.Sqrt(1-beta)*(1-ap)/(1-a)*x[j]
			if eps != nil {
				x[j] += math.Sqrt(v) * eps[j]
			}
		}
	}
	return x
}
