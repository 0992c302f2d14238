package diffusion

import "strconv"

// zLimit bounds the largest |z|-score of a correct sampler's moments (fixed seeds); zWrong is what a
// deliberately wrong sampler must exceed, so a test would catch it.
const zLimit, zWrong = 4.5, 10

// vorticityGrid is the grid of Hess et al. (2025, Tab. 1): σ_min 0.002, σ_max 80, ρ 7, 50 steps (edm's
// DefaultGridOptions, which this package cannot import).
func vorticityGrid() KarrasOptions {
	return KarrasOptions{SigmaMin: 0.002, SigmaMax: 80, Rho: 7, Steps: 50}
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
func itoa(v int) string     { return strconv.Itoa(v) }
