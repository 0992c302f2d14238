package navierstokes

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// ringCut is the relative level below which the Gaussian ring spectrum is set to zero, so that noise
// is drawn only where it matters (|k − k_f| ≲ 8.6 δ_f); the normalisation uses the truncated spectrum.
const ringCut = 1e-16

// forcing draws the white-in-time ring forcing (Hess et al. 2025, App. C.1; docs/NAVIER_STOKES.md): at each
// step F̂(k) = sqrt(S(k)/dt)·ξ(k), ξ complex standard normal (real and imaginary parts of variance ½) with
// ξ(−k) = conj ξ(k), so F is real. S(k) ∝ exp(−(|k| − k_f)²/(2δ_f²)) is normalised so that the expected
// energy injection rate is ε:
//
//	ε = 1/(2N⁴) Σ_k S(k)/|k|²    (sum over the whole plane, unnormalised DFT)
//
// which is GeophysicalFlows' ε₀ = parsevalsum(S/(2|k|²))/(L_x L_y) written out.
type forcing struct {
	idx []int     // spectral index of each forced mode (kx > 0, or kx = 0 and ky > 0)
	neg []int     // index of the conjugate mode for kx = 0 entries, −1 otherwise
	amp []float64 // sqrt(S/dt)
	rng *rand.Rand
}

// newForcing builds the forcing of s's parameters; with ε = 0 it draws nothing.
func newForcing(s *Solver) (*forcing, error) {
	f := &forcing{rng: rand.New(rand.NewPCG(s.p.Seed, 0x5eed_f0fc_e000_0001))}
	if s.p.Eps == 0 {
		return f, nil
	}
	spec := s.ForcingSpectrum()
	var sum float64
	for _, r := range s.rows {
		for kx := 0; kx < s.w; kx++ {
			i := r*s.w + kx
			if spec[i] > 0 {
				sum += halfPlaneWeight(kx) * spec[i] / s.k2[i]
			}
		}
	}
	n4 := math.Pow(float64(s.n), 4)
	if sum == 0 {
		return nil, fmt.Errorf("forcing: no grid mode lies on the ring k_f = %g, δ_f = %g", s.p.Kf, s.p.DeltaF)
	}
	norm := s.p.Eps / (sum / (2 * n4))
	for _, r := range s.rows {
		ky := s.kyOf(r)
		for kx := 0; kx < s.w; kx++ {
			i := r*s.w + kx
			if spec[i] == 0 || (kx == 0 && ky < 0) {
				continue
			}
			f.idx = append(f.idx, i)
			f.amp = append(f.amp, math.Sqrt(norm*spec[i]/s.p.Dt))
			if kx == 0 {
				f.neg = append(f.neg, (s.n-r)*s.w)
			} else {
				f.neg = append(f.neg, -1)
			}
		}
	}
	return f, nil
}

// ForcingSpectrum returns the unnormalised ring exp(−(|k| − k_f)²/(2δ_f²)) on the spectral layout,
// zero at k = 0, outside the 2/3 rule and below ringCut.
func (s *Solver) ForcingSpectrum() []float64 {
	spec := make([]float64, s.n*s.w)
	if s.p.Eps == 0 {
		return spec
	}
	for _, r := range s.rows {
		for kx := 0; kx < s.w; kx++ {
			i := r*s.w + kx
			if s.k2[i] == 0 {
				continue
			}
			d := (math.Sqrt(s.k2[i]) - s.p.Kf) / s.p.DeltaF
			if v := math.Exp(-d * d / 2); v >= ringCut {
				spec[i] = v
			}
		}
	}
	return spec
}

// halfPlaneWeight counts a half-plane column in a whole-plane sum: the kx = 0 column holds both ±ky,
// every other kept column (kx ≤ M < N/2) stands for itself and its mirror −kx.
func halfPlaneWeight(kx int) float64 {
	if kx == 0 {
		return 1
	}
	return 2
}

// draw writes a fresh realisation into fh (zero off the ring).
func (f *forcing) draw(fh []complex128) {
	for j, i := range f.idx {
		a := f.amp[j] * math.Sqrt2 / 2
		v := complex(a*f.rng.NormFloat64(), a*f.rng.NormFloat64())
		fh[i] = v
		if k := f.neg[j]; k >= 0 {
			fh[k] = complex(real(v), -imag(v))
		}
	}
}
