package diffusion

import (
	"fmt"
	"math"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// DDIMOptions configure NewDDIM. The zero value is deterministic DDIM, that is Euler's method on the
// probability-flow ODE in σ.
type DDIMOptions struct {
	// Eta is DDIM's η in [0, 1]: 0 is deterministic, 1 the ancestral (DDPM) variance.
	Eta float64
	// Seed picks the per-step noise streams (noise.Ensemble.Steps) for the function DDIM when Eta > 0; a
	// Sampler's Sample takes its seed per call instead.
	Seed uint64
}

// NewDDIM compiles DDIM (Song et al. 2021, eq. 12) written in σ variables. With σ' = σ_{i+1} and the
// VP chain x = √ᾱ·y, ᾱ = 1/(1+σ²), DDIM's noise std σ_t = η√((1−ᾱ')/(1−ᾱ)·(1−ᾱ/ᾱ')) becomes
// s = σ_t/√ᾱ' in y, and each step is
//
//	ŷ₀ = D(y; σ),   s = η·(σ'/σ)·√(σ² − σ'²)
//	y' = ŷ₀ + √(σ'² − s²)·(y − ŷ₀)/σ + s·z,   z ~ N(0, I)   (drawn only when s > 0)
//
// η = 0 is Euler's method on dy/dσ = (y − D(y; σ))/σ: y' = ŷ₀ + (σ'/σ)(y − ŷ₀). η = 1 equals the
// ancestral sampler NewDDPM. The last step to σ' = 0 returns ŷ₀. Sample first scales the noise to σ₀·x.
func NewDDIM(d Denoiser, sigmas []float64, opt DDIMOptions) (*Sampler, error) {
	if !(opt.Eta >= 0 && opt.Eta <= 1) {
		return nil, fmt.Errorf("diffusion: DDIM η = %v, expected 0 ≤ η ≤ 1", opt.Eta)
	}
	sm, err := newSampler("DDIM", d, sigmas)
	if err != nil {
		return nil, err
	}
	var kinds [2]int // [deterministic, stochastic]
	for i, noisy := range []bool{false, true} {
		if kinds[i], err = sm.add(sm.linearStep(false, false), 1, noisy); err != nil {
			return nil, err
		}
	}
	for i := range len(sigmas) - 1 {
		s, next := sigmas[i], sigmas[i+1]
		up := opt.Eta * next / s * math.Sqrt(s*s-next*next)
		a := math.Sqrt(max(next*next-up*up, 0)) / s
		k := kinds[0]
		if up > 0 {
			k = kinds[1]
		}
		sm.plan = append(sm.plan, planned{kind: k, c: []float64{s, a, 1 - a, 0, up}, noisy: up > 0, state: 1})
	}
	return sm, nil
}

// DDIM samples once with NewDDIM's sampler, seeded by opt.Seed, and closes it (see Heun).
func DDIM(d Denoiser, x *tensors.Tensor, cond []*tensors.Tensor, sigmas []float64, opt DDIMOptions) (*tensors.Tensor, error) {
	sm, err := NewDDIM(d, sigmas, opt)
	if err != nil {
		return nil, err
	}
	defer sm.Close()
	return sm.Sample(x, cond, opt.Seed)
}

// linearStep builds the step shared by DDIM, DDPM and DPM-Solver++: one denoiser call and a linear
// combination with host coefficients. State [y] (or [y, ŷ₀ of the previous step] with prev), scalars
// [σ, c_y, c_0, c_prev, s], noise z (noisy kinds):
//
//	ŷ₀ = D(y; σ);   y' = c_y·y + c_0·ŷ₀ [+ c_prev·ŷ₀_prev] [+ s·z]
//
// Its output is [y'], or [y', ŷ₀] with carry, for a next step that needs this step's ŷ₀.
func (sm *Sampler) linearStep(prev, carry bool) Step {
	return func(scope *model.Scope, x []*Node, c, z *Node, cond []*Node) []*Node {
		y := x[0]
		den := sm.denoise(scope, y, Elem(c, 0), cond)
		out := Add(Mul(Elem(c, 1), y), Mul(Elem(c, 2), den))
		if prev {
			out = Add(out, Mul(Elem(c, 3), x[1]))
		}
		if z != nil {
			out = Add(out, Mul(Elem(c, 4), z))
		}
		if carry {
			return []*Node{out, den}
		}
		return []*Node{out}
	}
}
