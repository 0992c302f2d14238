package navierstokes

import (
	"math"
	"math/rand/v2"
)

// setRandomFlow sets a random smooth vorticity field, deterministic in seed, whose energy spectrum peaks
// near kPeak, scaled to energy e.
func (s *Solver) setRandomFlow(seed uint64, kPeak, e float64) {
	rng := rand.New(rand.NewPCG(seed, 99))
	s.SetVorticitySpectrum(func(kx, ky int) complex128 {
		k := math.Hypot(float64(kx), float64(ky))
		a := k * math.Exp(-(k-kPeak)*(k-kPeak)/4)
		return complex(a*rng.NormFloat64(), a*rng.NormFloat64())
	})
	f := math.Sqrt(e / s.Energy())
	for i := range s.zh {
		s.zh[i] = scale(f, s.zh[i])
	}
}
