package diffusion

import (
	"math"

	"github.com/gomlx/gomlx/core/tensors"
)

// DPMSolverOptions configure NewDPMSolver2M; there are none yet but the seed of the function form.
type DPMSolverOptions struct {
	// Seed is passed to Sample by the function DPMSolver2M; the sampler is deterministic.
	Seed uint64
}

// NewDPMSolver2M compiles DPM-Solver++(2M) (Lu et al. 2022, Alg. 2), the multistep second-order solver
// of the probability-flow ODE for the data prediction ŷ₀ = D(y; σ), in the time λ = −log σ, as
// k-diffusion's sample_dpmpp_2m. With h = log(σ/σ') and h_last = log(σ_prev/σ) from the step before:
//
//	ŷ₀ = D(y; σ)
//	first step, or σ' = 0:  y' = (σ'/σ)·y + (1 − e^(−h))·ŷ₀                       (first order: Euler)
//	otherwise, r = h_last/h: D = (1 + 1/(2r))·ŷ₀ − 1/(2r)·ŷ₀_prev
//	                         y' = (σ'/σ)·y + (1 − e^(−h))·D
//
// so the last step to σ' = 0 returns ŷ₀. Each step calls D once; ŷ₀ is carried to the next step.
// Sample first scales the noise to σ₀·x.
func NewDPMSolver2M(d Denoiser, sigmas []float64, opt DPMSolverOptions) (*Sampler, error) {
	sm, err := newSampler("DPM-Solver++(2M)", d, sigmas)
	if err != nil {
		return nil, err
	}
	first, err := sm.add(sm.linearStep(false, true), 1, false)
	if err != nil {
		return nil, err
	}
	second, err := sm.add(sm.linearStep(true, true), 2, false)
	if err != nil {
		return nil, err
	}
	for i := range len(sigmas) - 1 {
		s, next := sigmas[i], sigmas[i+1]
		if i == 0 || next == 0 {
			sm.plan = append(sm.plan, planned{kind: first, c: []float64{s, next / s, 1 - next/s, 0, 0}, state: 1})
			continue
		}
		h, hLast := math.Log(s/next), math.Log(sigmas[i-1]/s)
		r := hLast / h
		w := -math.Expm1(-h) // 1 − σ'/σ
		sm.plan = append(sm.plan, planned{kind: second, c: []float64{s, next / s, w * (1 + 1/(2*r)), -w / (2 * r), 0}, state: 2})
	}
	return sm, nil
}

// DPMSolver2M samples once with NewDPMSolver2M's sampler and closes it (see Heun).
func DPMSolver2M(d Denoiser, x *tensors.Tensor, cond []*tensors.Tensor, sigmas []float64, opt DPMSolverOptions) (*tensors.Tensor, error) {
	sm, err := NewDPMSolver2M(d, sigmas, opt)
	if err != nil {
		return nil, err
	}
	defer sm.Close()
	return sm.Sample(x, cond, opt.Seed)
}
