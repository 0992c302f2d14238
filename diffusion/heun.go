package diffusion

import (
	"fmt"
	"math"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// HeunOptions configure NewHeun. The zero value is EDM's deterministic Heun sampler.
type HeunOptions struct {
	// Churn is S_churn: each step inside [TMin, TMax] raises σ by the factor 1 + min(Churn/N, √2−1),
	// N the number of steps.
	Churn float64
	// TMin and TMax bound the noise levels where churn applies (S_tmin, S_tmax); TMax 0 means +∞.
	TMin, TMax float64
	// Noise is S_noise, the scale of the churn noise; 0 means 1.
	Noise float64
	// Seed picks the per-step churn noise streams (noise.Ensemble.Steps) for the function Heun; a
	// Sampler's Sample takes its seed per call instead.
	Seed uint64
}

// resolved returns the options with their defaults filled in, or an error naming the bad one.
func (o HeunOptions) resolved() (HeunOptions, error) {
	if o.TMax == 0 {
		o.TMax = math.Inf(1)
	}
	if o.Noise == 0 {
		o.Noise = 1
	}
	if !(o.Churn >= 0) || !(o.Noise >= 0) || !(o.TMin >= 0) || !(o.TMax >= o.TMin) {
		return o, fmt.Errorf("diffusion: Heun options: Churn %v, Noise %v and TMin %v must be ≥ 0 and TMax %v ≥ TMin",
			o.Churn, o.Noise, o.TMin, o.TMax)
	}
	return o, nil
}

// NewHeun compiles EDM's stochastic Heun sampler (Karras et al. 2022, Alg. 2). sigmas is the grid
// σ₀ > σ₁ > … > σ_N ≥ 0 (e.g. KarrasSigmas). Sample scales the noise to y = σ₀·x, then for i = 0..N−1:
//
//	γ = min(S_churn/N, √2−1) if S_tmin ≤ σ_i ≤ S_tmax, else 0;   σ̂ = σ_i + γ σ_i
//	ŷ = y + √(σ̂² − σ_i²)·S_noise·ε,  ε ~ N(0, I)                         (drawn only when γ > 0)
//	d = (ŷ − D(ŷ; σ̂))/σ̂
//	y' = ŷ + (σ_{i+1} − σ̂)·d
//	if σ_{i+1} ≠ 0:  d' = (y' − D(y'; σ_{i+1}))/σ_{i+1};  y' = ŷ + (σ_{i+1} − σ̂)(d + d')/2
//
// Discriminator guidance is not an option of the sampler: it wraps the denoiser (Guided).
func NewHeun(d Denoiser, sigmas []float64, opt HeunOptions) (*Sampler, error) {
	opt, err := opt.resolved()
	if err != nil {
		return nil, err
	}
	sm, err := newSampler("Heun", d, sigmas)
	if err != nil {
		return nil, err
	}
	var kinds [2][2]int // [stochastic][heun]
	for i, stochastic := range []bool{false, true} {
		for j, heun := range []bool{false, true} {
			if kinds[i][j], err = sm.add(sm.heunStep(heun), 1, stochastic); err != nil {
				return nil, err
			}
		}
	}
	N := len(sigmas) - 1
	for i := range N {
		s, next := sigmas[i], sigmas[i+1]
		gamma := 0.0
		if opt.TMin <= s && s <= opt.TMax {
			gamma = min(opt.Churn/float64(N), math.Sqrt2-1)
		}
		sHat := s + gamma*s
		std := math.Sqrt(sHat*sHat-s*s) * opt.Noise
		stochastic, heun := 0, 0
		if std > 0 {
			stochastic = 1
		}
		if next != 0 {
			heun = 1
		}
		sm.plan = append(sm.plan, planned{kind: kinds[stochastic][heun], c: []float64{sHat, next, std}, noisy: std > 0, state: 1})
	}
	return sm, nil
}

// heunStep builds one Heun step: state [y], scalars [σ̂, σ_next, churn noise std], churn noise z
// (stochastic steps); output [y'].
func (sm *Sampler) heunStep(heun bool) Step {
	return func(scope *model.Scope, x []*Node, c, z *Node, cond []*Node) []*Node {
		y := x[0]
		if z != nil {
			y = Add(y, Mul(Elem(c, 2), z))
		}
		sHat, next := Elem(c, 0), Elem(c, 1)
		deriv := func(y, s *Node) *Node { return Div(Sub(y, sm.denoise(scope, y, s, cond)), s) }
		d1 := deriv(y, sHat)
		h := Sub(next, sHat)
		yn := Add(y, Mul(h, d1))
		if heun {
			d2 := deriv(yn, next)
			yn = Add(y, Mul(h, MulScalar(Add(d1, d2), 0.5)))
		}
		return []*Node{yn}
	}
}

// Heun samples once with NewHeun's sampler, seeded by opt.Seed, and closes it: x is i.i.d. standard
// normal noise [B·M, ...] and cond the conditioning inputs [B, ...] (see Sampler.Sample). To sample many
// times (once per frame of a rollout), keep a Sampler instead: it compiles once.
func Heun(d Denoiser, x *tensors.Tensor, cond []*tensors.Tensor, sigmas []float64, opt HeunOptions) (*tensors.Tensor, error) {
	sm, err := NewHeun(d, sigmas, opt)
	if err != nil {
		return nil, err
	}
	defer sm.Close()
	return sm.Sample(x, cond, opt.Seed)
}
