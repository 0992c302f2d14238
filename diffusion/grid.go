package diffusion

import (
	"fmt"
	"math"
)

// KarrasOptions define EDM's σ grid (Karras et al. 2022, eq. 5; Hess et al. 2025, eq. 8).
type KarrasOptions struct {
	// SigmaMin and SigmaMax bound the grid; Rho bends it towards small σ; Steps is N.
	SigmaMin, SigmaMax, Rho float64
	Steps                   int
}

// KarrasSigmas returns the N+1 noise levels of EDM's grid (Karras et al. 2022, eq. 5):
//
//	σ_i = (σ_max^(1/ρ) + i/(N−1)·(σ_min^(1/ρ) − σ_max^(1/ρ)))^ρ   for i = 0..N−1,   σ_N = 0
//
// so σ₀ = σ_max and σ_{N−1} = σ_min. N = 1 gives [σ_max, 0].
func KarrasSigmas(o KarrasOptions) ([]float64, error) {
	if o.Steps < 1 || !(o.SigmaMin > 0) || !(o.SigmaMax > o.SigmaMin) || !(o.Rho > 0) {
		return nil, fmt.Errorf("diffusion: grid %+v: need Steps ≥ 1, 0 < SigmaMin < SigmaMax and Rho > 0", o)
	}
	out := make([]float64, o.Steps+1)
	lo, hi := math.Pow(o.SigmaMin, 1/o.Rho), math.Pow(o.SigmaMax, 1/o.Rho)
	for i := range o.Steps {
		f := 0.0
		if o.Steps > 1 {
			f = float64(i) / float64(o.Steps-1)
		}
		out[i] = math.Pow(hi+f*(lo-hi), o.Rho)
	}
	return out, nil
}
