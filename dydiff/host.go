package dydiff

import (
	"fmt"
	"math"
)

// DDIMStepFloat64 is one deterministic DyDiff DDIM step (η_ddim = 0, DependentNoise) on the host in
// float64, for one frame-major sample x with predicted noise eps (docs/DIFFUSION.md, "Samplers"):
//
//	x̂₀ = InvDyn((x − √(1−a)·ε̂)/√a, g),   x_prev = √a_p·Dyn(x̂₀, g_p) + √(1−a_p)·Dyn(InvDyn(ε̂, g), g_p)
//
// with a = ᾱ_t, a_p = ᾱ_prev, g = γ̄_t, g_p = γ̄_prev. It is the reference the compiled step is tested
// against, and a building block for host-side checks.
func DDIMStepFloat64(x, eps []float64, frames int, a, aPrev, g, gPrev float64) (xPrev, x0Hat []float64, err error) {
	if len(x) != len(eps) {
		return nil, nil, fmt.Errorf("dydiff: x has %d values, eps %d", len(x), len(eps))
	}
	if !(a > 0 && a <= 1 && aPrev > 0 && aPrev <= 1) {
		return nil, nil, fmt.Errorf("dydiff: ᾱ_t=%v, ᾱ_prev=%v, expected both in (0, 1]", a, aPrev)
	}
	raw := make([]float64, len(x))
	for i := range x {
		raw[i] = (x[i] - math.Sqrt(1-a)*eps[i]) / math.Sqrt(a)
	}
	if x0Hat, err = InverseDynamicsFloat64(raw, frames, g); err != nil {
		return nil, nil, err
	}
	x0d, err := DynamicsFloat64(x0Hat, frames, gPrev)
	if err != nil {
		return nil, nil, err
	}
	e, err := InverseDynamicsFloat64(eps, frames, g)
	if err != nil {
		return nil, nil, err
	}
	if e, err = DynamicsFloat64(e, frames, gPrev); err != nil {
		return nil, nil, err
	}
	xPrev = make([]float64, len(x))
	for i := range x {
		xPrev[i] = math.Sqrt(aPrev)*x0d[i] + math.Sqrt(1-aPrev)*e[i]
	}
	return xPrev, x0Hat, nil
}
