package diffusion

import (
	"fmt"
	"math"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"
)

// Logit is a discriminator's logit f(y; σ, cond) = log(D/(1−D)) at noisy y [batch, ...] and noise
// levels sigma [batch]: one value per sample, [batch]. y0 is the denoiser's current estimate of the clean
// sample, D(y; σ), with no gradient flowing through it, for guides that judge part of a sample given
// the estimate of the rest (a frame given the frames before it); others ignore it. It takes its
// variables from scope and gets the same conditioning inputs as the denoiser it guides.
type Logit func(scope *model.Scope, y, sigma, y0 *Node, cond []*Node) *Node

// Guided wraps the denoiser d with discriminator guidance (Hess et al. 2025, eq. 5, following DG's
// code; docs/DIFFUSION.md, "Discriminator guidance"):
//
//	D′(x; σ) = D(x; σ) + λ σ² ∇ₓ logit(x; σ)
//
// so that the ODE derivative (x − D′)/σ is (x − D)/σ − λσ∇ₓ logit: λ∇ₓ logit is added to the score.
// The gradient is taken inside the compiled sampler step with graph.Gradient of the summed logits
// (each sample's logit depends on its own row only). The samplers never know about the guidance.
//
// The guide is evaluated at every denoiser evaluation, that is at both stages of each Heun step, as
// Hess et al. report matters. Guiding the first (Euler) stage only, as DG's CIFAR-10 setting does,
// cannot be expressed as a wrapper: the denoiser does not know which stage calls it (without churn the
// second stage of step i and the first of step i+1 are both at t_{i+1}), so it is not offered.
//
// d and logit get the same scope; when their networks live in one store, give each its own sub-scope
// (e.g. the denoiser under scope.In("denoiser"), the discriminator under scope.In("guide")). logit must
// not depend on x through layers.Dense, whose input-only gradient panics on the Go backend; tidal's nn
// layers and plain matrix products are fine.
func Guided(d DenoiserFn, logit Logit, lambda float64) (DenoiserFn, error) {
	if d == nil || logit == nil {
		return nil, fmt.Errorf("diffusion: Guided needs a denoiser and a logit")
	}
	if math.IsNaN(lambda) || math.IsInf(lambda, 0) {
		return nil, fmt.Errorf("diffusion: guidance strength λ = %v, expected a finite number", lambda)
	}
	return func(scope *model.Scope, x, sigma *Node, cond []*Node) *Node {
		den := d(scope, x, sigma, cond)
		if lambda == 0 {
			return den
		}
		l := logit(Fresh(scope), x, sigma, StopGradient(den), cond)
		if l.Rank() != 1 || l.Shape().Dimensions[0] != x.Shape().Dimensions[0] {
			exceptions.Panicf("diffusion: logit returned %s for input %s, expected [%d]", l.Shape(), x.Shape(), x.Shape().Dimensions[0])
		}
		grad := Gradient(ReduceAllSum(l), x)[0]
		s := PerSample(x, sigma)
		return Add(den, Mul(MulScalar(Square(s), lambda), grad))
	}, nil
}
