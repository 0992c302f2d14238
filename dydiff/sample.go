package dydiff

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/core/tensors"
)

// DefaultDDIMSteps is the reference code's number of DDIM steps (docs/DIFFUSION.md).
const DefaultDDIMSteps = 50

// DDIMOptions configure DDIM. The zero value is the reference sampler: 50 uniform steps, η_ddim = 0.
type DDIMOptions struct {
	// Steps is the number of sampling steps, turned into diffusion steps by Schedule.Timesteps;
	// 0 means DefaultDDIMSteps (50: τ = 1, 21, …, 981).
	Steps int
	// Timesteps, when set, is the explicit ascending list of diffusion steps to visit; it overrides Steps.
	Timesteps []int
	// EtaDDIM is DDIM's η, in [0, 1]: 0 is the deterministic reference sampler, 1 matches DDPM's
	// ancestral variance. The reference code implements only 0.
	EtaDDIM float64
	// Seed picks the per-step noise streams (noise.Ensemble.Steps) when EtaDDIM > 0, for the function
	// DDIM; a Sampler's Sample takes its seed per call instead.
	Seed uint64
	// ClipX0, when > 0, clips every x̂₀ (after InverseDynamics) to [−ClipX0, ClipX0] before it is
	// re-projected; ê is kept as predicted (diffusers' clip_sample with use_clipped_model_output=false;
	// DDPM's clip_denoised). 0, the reference's setting, clips nothing. With an under-trained network the
	// first x̂₀ of a schedule that starts at τ = 981 carries its ε error ×√((1−ᾱ)/ᾱ) ≈ 36, and
	// clipping keeps that from entering the trajectory (docs/DYDIFF.md, "DDIM steps").
	ClipX0 float64
}

// NewDDIM compiles the DyDiff DDIM sampler (docs/DIFFUSION.md, "DDIM"; code ddim_dydiff.py, with
// η_ddim > 0 as DDIM's paper). Its Sample correlates the i.i.d. noise as x ← Dyn(x, γ̄[τ_max]) and then,
// for i = n−1..0 with t = τ_i, ᾱ = ᾱ_t, ᾱ_p = ᾱ_{τ_{i−1}} (1 at i = 0) and γ̄, γ̄_p likewise:
//
//	ê = net(x, t);  x̂₀ = InvDyn((x − √(1−ᾱ) ê)/√ᾱ, γ̄)
//	σ = η_ddim·√((1−ᾱ_p)/(1−ᾱ) · (1 − ᾱ/ᾱ_p))
//	x ← √ᾱ_p Dyn(x̂₀, γ̄_p) + √(1−ᾱ_p−σ²) Dyn(InvDyn(ê, γ̄), γ̄_p) + σ Dyn(z, γ̄_p),   z ~ N(0, I)
//
// and returns the last x̂₀ (with opt.ClipX0 > 0 every x̂₀ is first clipped to ±ClipX0). The Schedule's Noising switch drops Dynamics where the ablated process has
// none (as the reference sampler does). opt.Seed is not used (Sample takes the seed).
func NewDDIM(d NoisePredictor, s Schedule, opt DDIMOptions) (*Sampler, error) {
	ts, err := pickTimesteps(s, opt.Steps, DefaultDDIMSteps, opt.Timesteps)
	if err != nil {
		return nil, err
	}
	if math.IsNaN(opt.EtaDDIM) || opt.EtaDDIM < 0 || opt.EtaDDIM > 1 {
		return nil, fmt.Errorf("dydiff: EtaDDIM=%v, expected 0 ≤ η_ddim ≤ 1", opt.EtaDDIM)
	}
	if math.IsNaN(opt.ClipX0) || math.IsInf(opt.ClipX0, 0) || opt.ClipX0 < 0 {
		return nil, fmt.Errorf("dydiff: ClipX0=%v, expected 0 (no clipping) or a positive bound", opt.ClipX0)
	}
	return newSampler(d, s, ts, opt.ClipX0, func(a, ap float64) (c0, ce, cz float64) {
		sigma := opt.EtaDDIM * math.Sqrt((1-ap)/(1-a)*(1-a/ap))
		return math.Sqrt(ap), math.Sqrt(max(1-ap-sigma*sigma, 0)), sigma
	})
}

// DDIM samples once with NewDDIM's sampler, seeded by opt.Seed, and closes it: x is i.i.d. standard
// normal noise [B·M, frames, ...] and cond the conditioning inputs [B, ...] (see Sampler.Sample). To
// sample many times (once per frame of a rollout), keep a Sampler instead: it compiles once.
func DDIM(d NoisePredictor, x *tensors.Tensor, cond []*tensors.Tensor, s Schedule, opt DDIMOptions) (*tensors.Tensor, error) {
	sm, err := NewDDIM(d, s, opt)
	if err != nil {
		return nil, err
	}
	defer sm.Close()
	return sm.Sample(x, cond, opt.Seed)
}

// DDPMOptions configure DDPM. The zero value walks every one of the T steps.
type DDPMOptions struct {
	// Steps is the number of sampling steps (Schedule.Timesteps); 0 means all T steps, t = T−1..0.
	// With fewer steps, β is the effective β between visited steps, 1 − ᾱ_t/ᾱ_prev.
	Steps int
	// Timesteps, when set, is the explicit ascending list of diffusion steps to visit; it overrides Steps.
	Timesteps []int
	// Seed picks the per-step noise streams (noise.Ensemble.Steps) for the function DDPM; a Sampler's
	// Sample takes its seed per call instead.
	Seed uint64
}

// NewDDPM compiles the ancestral sampler of docs/DIFFUSION.md, "DDPM" (not in the reference code;
// derived from the y-space view y_t = InvDyn(x_t, γ̄_t), whose marginals are the standard DDPM ones).
// Its Sample correlates the noise first as DDIM does; then at each step, with β = 1 − ᾱ_t/ᾱ_prev,
// y = InvDyn(x, γ̄_t), ε̂ = InvDyn(ê, γ̄_t), ŷ₀ = (y − √(1−ᾱ_t) ε̂)/√ᾱ_t:
//
//	μ = √ᾱ_prev β/(1−ᾱ_t) ŷ₀ + √(1−β)(1−ᾱ_prev)/(1−ᾱ_t) y,   σ² = β(1−ᾱ_prev)/(1−ᾱ_t)
//	x ← Dyn(μ + σ z, γ̄_prev),   z ~ N(0, I)   (σ = 0 at the last step)
//
// computed by linearity as c0 Dyn(x̂₀) + ce Dyn(ε̂) + σ Dyn(z) with y = √ᾱ_t ŷ₀ + √(1−ᾱ_t) ε̂. The
// ablation switches drop Dynamics from the same terms as in DDIM. opt.Seed is not used.
func NewDDPM(d NoisePredictor, s Schedule, opt DDPMOptions) (*Sampler, error) {
	ts, err := pickTimesteps(s, opt.Steps, s.T(), opt.Timesteps)
	if err != nil {
		return nil, err
	}
	return newSampler(d, s, ts, 0, func(a, ap float64) (c0, ce, cz float64) {
		beta := 1 - a/ap
		cy := math.Sqrt(1-beta) * (1 - ap) / (1 - a)
		c0 = math.Sqrt(ap)*beta/(1-a) + cy*math.Sqrt(a)
		return c0, cy * math.Sqrt(1-a), math.Sqrt(beta * (1 - ap) / (1 - a))
	})
}

// DDPM samples once with NewDDPM's sampler, seeded by opt.Seed, and closes it (see DDIM).
func DDPM(d NoisePredictor, x *tensors.Tensor, cond []*tensors.Tensor, s Schedule, opt DDPMOptions) (*tensors.Tensor, error) {
	sm, err := NewDDPM(d, s, opt)
	if err != nil {
		return nil, err
	}
	defer sm.Close()
	return sm.Sample(x, cond, opt.Seed)
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
