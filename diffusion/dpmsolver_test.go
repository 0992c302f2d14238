package diffusion

import "math"

// hostDPMSolver2M is k-diffusion's sample_dpmpp_2m on the host in float64, in its own variables
// t = −log σ, for an element-wise D.
func hostDPMSolver2M(x0 []float64, sigmas []float64, d func(y, s float64) float64) []float64 {
	y := make([]float64, len(x0))
	for i := range y {
		y[i] = sigmas[0] * x0[i]
	}
	tOf := func(s float64) float64 { return -math.Log(s) }
	var old []float64
	for i := range len(sigmas) - 1 {
		den := make([]float64, len(y))
		for j := range y {
			den[j] = d(y[j], sigmas[i])
		}
		for j := range y {
			if old == nil || sigmas[i+1] == 0 {
				if sigmas[i+1] == 0 {
					y[j] = den[j] // lim σ'→0 of (σ'/σ)y − expm1(−h)·D
				} else {
					h := tOf(sigmas[i+1]) - tOf(sigmas[i])
					y[j] = sigmas[i+1]/sigmas[i]*y[j] - math.Expm1(-h)*den[j]
				}
				continue
			}
			h := tOf(sigmas[i+1]) - tOf(sigmas[i])
			r := (tOf(sigmas[i]) - tOf(sigmas[i-1])) / h
			dd := (1+1/(2*r))*den[j] - 1/(2*r)*old[j]
			y[j] = sigmas[i+1]/sigmas[i]*y[j] - math.Expm1(-h)*dd
		}
		old = den
	}
	return y
}
