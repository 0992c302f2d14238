package edm

import "github.com/tidal-forecast/tidal/diffusion"

// DefaultGridOptions returns the σ grid of the vorticity setting of Hess et al. (2025, Tab. 1):
// σ_min 0.002, σ_max 80, ρ 7, N 50 (for diffusion.KarrasSigmas).
func DefaultGridOptions() diffusion.KarrasOptions {
	return diffusion.KarrasOptions{SigmaMin: 0.002, SigmaMax: 80, Rho: 7, Steps: 50}
}

// DefaultHeunOptions returns the stochastic Heun setting of the same table: S_churn 55, S_tmin 0,
// S_tmax 1000, S_noise 1.005 (for diffusion.NewHeun).
func DefaultHeunOptions() diffusion.HeunOptions {
	return diffusion.HeunOptions{Churn: 55, TMin: 0, TMax: 1000, Noise: 1.005}
}
