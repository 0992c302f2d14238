package dydiff

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/core/tensors"
)

// DefaultDDIMSteps is the reference code's number of DDIM steps (spec §6.1).
const DefaultDDIMSteps = 50

// DDIMOptions configure DDIM. The zero value is the reference sampler: 50 uniform steps, η_ddim = 0.
type DDIMOptions struct {
	// Steps is the number of sampling steps, turned into diffusion steps by Schedule.Timesteps;
	// 0 means DefaultDDIMSteps (50: τ = 1, 21, …, 981).
	Steps int
	// Timesteps, when set, is the explicit ascending list of diffusion steps to visit; it overrides Steps.
	Timesteps []int
	// EtaDDIM is DDIM's η (spec §6.2): 0 is the deterministic reference sampler, 1 matches DDPM's
	// ancestral variance. The reference code implements only 0.
	EtaDDIM float64
	// Seed picks the per-step noise streams (package noise, NewSteps) when EtaDDIM > 0.
	Seed uint64
}

// DDIM samples with the DyDiff DDIM sampler (spec §6.1, code ddim_dydiff.py; η_ddim > 0 as spec §6.2).
// x is i.i.d. standard normal noise [batch, frames, ...] (see noise.Initial); the sampler correlates it
// as x ← Dyn(x, γ̄[τ_max]) and then, for i = n−1..0 with t = τ_i, ᾱ = ᾱ_t, ᾱ_p = ᾱ_{τ_{i−1}} (1 at i = 0)
// and γ̄, γ̄_p likewise:
//
//	ê = net(x, t);  x̂₀ = InvDyn((x − √(1−ᾱ) ê)/√ᾱ, γ̄)
//	σ = η_ddim·√((1−ᾱ_p)/(1−ᾱ) · (1 − ᾱ/ᾱ_p))
//	x ← √ᾱ_p Dyn(x̂₀, γ̄_p) + √(1−ᾱ_p−σ²) Dyn(InvDyn(ê, γ̄), γ̄_p) + σ Dyn(z, γ̄_p),   z ~ N(0, I)
//
// It returns all frames of the last x̂₀ (observed frames are regenerated, not clamped; spec §6.1).
// The Schedule's Noising switch drops Dynamics where the ablated process has none (as the reference
// sampler does).
func DDIM(d Denoiser, x *tensors.Tensor, s Schedule, opt DDIMOptions) (*tensors.Tensor, error) {
	ts, err := pickTimesteps(s, opt.Steps, DefaultDDIMSteps, opt.Timesteps)
	if err != nil {
		return nil, err
	}
	if math.IsNaN(opt.EtaDDIM) || opt.EtaDDIM < 0 {
		return nil, fmt.Errorf("dydiff: EtaDDIM=%v, expected ≥ 0", opt.EtaDDIM)
	}
	return run(d, x, s, ts, opt.Seed, func(a, ap float64) (c0, ce, cz float64) {
		sigma := opt.EtaDDIM * math.Sqrt((1-ap)/(1-a)*(1-a/ap))
		return math.Sqrt(ap), math.Sqrt(max(1-ap-sigma*sigma, 0)), sigma
	})
}

// DDPMOptions configure DDPM. The zero value walks every one of the T steps.
type DDPMOptions struct {
	// Steps is the number of sampling steps (Schedule.Timesteps); 0 means all T steps, t = T−1..0.
	// With fewer steps, β is the effective β between visited steps, 1 − ᾱ_t/ᾱ_prev.
	Steps int
	// Timesteps, when set, is the explicit ascending list of diffusion steps to visit; it overrides Steps.
	Timesteps []int
	// Seed picks the per-step noise streams (package noise, NewSteps).
	Seed uint64
}

// DDPM samples with the ancestral sampler of spec §6.2 (not in the reference code; its form is derived
// there from the y-space view y_t = InvDyn(x_t, γ̄_t), whose marginals are the standard DDPM ones).
// x is i.i.d. standard normal noise, correlated first as in DDIM; then at each step, with
// β = 1 − ᾱ_t/ᾱ_prev, y = InvDyn(x, γ̄_t), ε̂ = InvDyn(ê, γ̄_t), ŷ₀ = (y − √(1−ᾱ_t) ε̂)/√ᾱ_t:
//
//	μ = √ᾱ_prev β/(1−ᾱ_t) ŷ₀ + √(1−β)(1−ᾱ_prev)/(1−ᾱ_t) y,   σ² = β(1−ᾱ_prev)/(1−ᾱ_t)
//	x ← Dyn(μ + σ z, γ̄_prev),   z ~ N(0, I)   (σ = 0 at the last step)
//
// computed by linearity as c0 Dyn(x̂₀) + ce Dyn(ε̂) + σ Dyn(z) with y = √ᾱ_t ŷ₀ + √(1−ᾱ_t) ε̂. The
// ablation switches drop Dynamics from the same terms as in DDIM.
func DDPM(d Denoiser, x *tensors.Tensor, s Schedule, opt DDPMOptions) (*tensors.Tensor, error) {
	ts, err := pickTimesteps(s, opt.Steps, s.T(), opt.Timesteps)
	if err != nil {
		return nil, err
	}
	return run(d, x, s, ts, opt.Seed, func(a, ap float64) (c0, ce, cz float64) {
		beta := 1 - a/ap
		cy := math.Sqrt(1-beta) * (1 - ap) / (1 - a)
		c0 = math.Sqrt(ap)*beta/(1-a) + cy*math.Sqrt(a)
		return c0, cy * math.Sqrt(1-a), math.Sqrt(beta * (1 - ap) / (1 - a))
	})
}

// pickTimesteps returns the explicit list if given (validated), else s.Timesteps(steps or def).
func pickTimesteps(s Schedule, steps, def int, explicit []int) ([]int, error) {
	if err := s.valid(); err != nil {
		return nil, err
	}
	if explicit != nil {
		if err := s.checkTimesteps(explicit); err != nil {
			return nil, err
		}
		return append([]int(nil), explicit...), nil
	}
	if steps == 0 {
		steps = def
	}
	return s.Timesteps(steps)
}
