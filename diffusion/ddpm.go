package diffusion

import (
	"math"

	"github.com/gomlx/gomlx/core/tensors"
)

// DDPMOptions configure NewDDPM.
type DDPMOptions struct {
	// Seed picks the per-step noise streams (noise.Ensemble.Steps) for the function DDPM; a Sampler's
	// Sample takes its seed per call instead.
	Seed uint64
}

// NewDDPM compiles the ancestral sampler of DDPM (Ho et al. 2020, eqs. 6–7) in σ variables. The VP
// chain x = √ᾱ·y with ᾱ = 1/(1+σ²) (AlphaBarOfSigma) has the posterior q(x' | x, x₀) between the levels
// σ > σ' of the grid, with β = 1 − ᾱ/ᾱ' (the effective β between visited levels):
//
//	μ_x = √ᾱ'·β/(1−ᾱ)·x̂₀ + √(1−β)·(1−ᾱ')/(1−ᾱ)·x,   v_x = β(1−ᾱ')/(1−ᾱ)
//
// and dividing by √ᾱ' gives each step, with ŷ₀ = D(y; σ):
//
//	y' = β/(1−ᾱ)·ŷ₀ + √(1−β)(1−ᾱ')/(1−ᾱ)·√(ᾱ/ᾱ')·y + √(v_x/ᾱ')·z,   z ~ N(0, I)
//
// which simplifies to y' = ŷ₀ + (σ'/σ)²(y − ŷ₀) + (σ'/σ)√(σ² − σ'²)·z: the same step as DDIM with η = 1.
// The last step to σ' = 0 (ᾱ' = 1) returns ŷ₀. For the reference's full chain, pass a VP table's
// Sigmas over every step; Sample first scales the noise to σ₀·x.
func NewDDPM(d Denoiser, sigmas []float64, opt DDPMOptions) (*Sampler, error) {
	sm, err := newSampler("DDPM", d, sigmas)
	if err != nil {
		return nil, err
	}
	var kinds [2]int // [last (deterministic), stochastic]
	for i, noisy := range []bool{false, true} {
		if kinds[i], err = sm.add(sm.linearStep(false, false), 1, noisy); err != nil {
			return nil, err
		}
	}
	for i := range len(sigmas) - 1 {
		a, ap := AlphaBarOfSigma(sigmas[i]), AlphaBarOfSigma(sigmas[i+1])
		beta := 1 - a/ap
		c0 := beta / (1 - a)
		cy := math.Sqrt(1-beta) * (1 - ap) / (1 - a) * math.Sqrt(a/ap)
		std := math.Sqrt(beta * (1 - ap) / (1 - a) / ap)
		k := kinds[0]
		if std > 0 {
			k = kinds[1]
		}
		sm.plan = append(sm.plan, planned{kind: k, c: []float64{sigmas[i], cy, c0, 0, std}, noisy: std > 0, state: 1})
	}
	return sm, nil
}

// DDPM samples once with NewDDPM's sampler, seeded by opt.Seed, and closes it (see Heun).
func DDPM(d Denoiser, x *tensors.Tensor, cond []*tensors.Tensor, sigmas []float64, opt DDPMOptions) (*tensors.Tensor, error) {
	sm, err := NewDDPM(d, sigmas, opt)
	if err != nil {
		return nil, err
	}
	defer sm.Close()
	return sm.Sample(x, cond, opt.Seed)
}
