package navierstokes

import "math"

// Domain averages, computed in spectral space by Parseval: for the unnormalised DFT,
// ⟨f g⟩ = 1/N⁴ Σ_k Re(conj f̂ ĝ) over the whole plane.

// Energy is E = ½⟨u² + v²⟩ = 1/(2N⁴) Σ |ζ̂|²/|k|².
func (s *Solver) Energy() float64 { return s.energyOf(s.zh) }

// Enstrophy is Z = ½⟨ζ²⟩ = 1/(2N⁴) Σ |ζ̂|².
func (s *Solver) Enstrophy() float64 {
	return s.sum(func(i int) float64 { return sqAbs(s.zh[i]) }) / 2
}

// Dissipation is the rate at which (hyper)viscosity removes energy, D = 1/N⁴ Σ ν|k|^(2nν)|ζ̂|²/|k|².
// With drag the energy budget reads dE/dt = P − 2μE − D, P the injection.
func (s *Solver) Dissipation() float64 { return s.dissipationOf(s.zh) }

func (s *Solver) energyOf(zh []complex128) float64 {
	return s.sum(func(i int) float64 { return sqAbs(zh[i]) / s.k2[i] }) / 2
}

func (s *Solver) dissipationOf(zh []complex128) float64 {
	return s.sum(func(i int) float64 { return s.dissipRate[i] * sqAbs(zh[i]) / s.k2[i] })
}

// injectionOf is the rate ⟨−ψF⟩ = 1/N⁴ Σ Re(conj ζ̂ F̂)/|k|² at which the forcing fh works on zh.
func (s *Solver) injectionOf(zh, fh []complex128) float64 {
	return s.sum(func(i int) float64 {
		return (real(zh[i])*real(fh[i]) + imag(zh[i])*imag(fh[i])) / s.k2[i]
	})
}

// sum is 1/N⁴ times the whole-plane sum of f over the kept modes other than k = 0.
func (s *Solver) sum(f func(i int) float64) float64 {
	var t float64
	for _, r := range s.rows {
		for kx := 0; kx < s.w; kx++ {
			if i := r*s.w + kx; s.k2[i] > 0 {
				t += halfPlaneWeight(kx) * f(i)
			}
		}
	}
	return t / math.Pow(float64(s.n), 4)
}

// EnstrophySpectrum returns Z(k) summed over integer shells k − ½ ≤ |k| < k + ½, k = 0..⌈√2·M⌉, so
// that Σ_k Z(k) = Enstrophy().
func (s *Solver) EnstrophySpectrum() []float64 {
	return s.shells(func(i int) float64 { return sqAbs(s.zh[i]) / 2 })
}

// EnergySpectrum returns E(k) summed over the same shells, Σ_k E(k) = Energy().
func (s *Solver) EnergySpectrum() []float64 {
	return s.shells(func(i int) float64 { return sqAbs(s.zh[i]) / (2 * s.k2[i]) })
}

func (s *Solver) shells(f func(i int) float64) []float64 {
	out := make([]float64, int(math.Ceil(math.Sqrt2*float64(s.m)))+2)
	n4 := math.Pow(float64(s.n), 4)
	for _, r := range s.rows {
		for kx := 0; kx < s.w; kx++ {
			if i := r*s.w + kx; s.k2[i] > 0 {
				out[int(math.Round(math.Sqrt(s.k2[i])))] += halfPlaneWeight(kx) * f(i) / n4
			}
		}
	}
	return out
}

func sqAbs(z complex128) float64 { return real(z)*real(z) + imag(z)*imag(z) }
