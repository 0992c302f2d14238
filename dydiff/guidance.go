package dydiff

import (
	"fmt"
	"math"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"

	"github.com/tidal-forecast/tidal/diffusion"
)

// FrameGuide is a guide's log-odds (a discriminator's logit, summed over the frames it judges) of a
// window in the per-frame variables of EDM (Karras et al. 2022): xe [batch, frames, ...] holds every
// frame of the noisy window as clean frame plus white noise of std sigma [batch], xe = y/√ᾱ_t with
// y = InvDyn(x_t, γ̄_t); x0 [batch, frames, ...] is the sampler's current estimate of the clean window
// (no gradient flows through it), for guides conditioned on the frames before the one they judge; cond
// are the network's conditioning inputs. It returns one value per sample, [batch]. It takes its
// variables from scope.
type FrameGuide func(scope *model.Scope, xe, sigma, x0 *Node, cond []*Node) *Node

// Guided wraps net with the guidance of Hess et al. (2025, eq. 5: λ∇ₓ log-odds added to the score)
// carried over to DyDiff's process. No published system has it; this is tidal's construction.
//
// Why it is exact: y = InvDyn(x_t, γ̄_t) = √ᾱ_t x₀ + √(1−ᾱ_t) ε with ε i.i.d. (DependentNoise), so each
// frame of xe = y/√ᾱ_t is an EDM state at σ = √((1−ᾱ_t)/ᾱ_t), the guide's input. The network predicts
// ê = Dyn(ε̂, γ̄_t), and in EDM variables ε̂ = (xe − D)/σ; adding λ∇ log-odds to the score, as
// D′ = D + λσ²∇ does (diffusion.Guided), moves ε̂ by −λσ∇_xe log-odds, hence
//
//	ê′ = ê − λσ Dyn(∇_xe Σ guide, γ̄_t)
//
// which is also what the score of x_t itself gives (its noise covariance is (1−ᾱ) Dyn·Dynᵀ and
// ∇ₓ = InvDynᵀ∇_y). Every sampler (DDIM at any η_ddim, DDPM) then follows the guided score.
//
// The DependentNoise process is required: with IndependentNoise or NoiseDynamicsOnly the frames of xe
// are not frames plus white noise (unless η = 0, where all three are the same process). λ = 0 returns
// net itself. The guide gets a fresh sub-scope of the net's; keep its variables under a scope of its
// own (e.g. scope.In("guide")).
func Guided(net Net, s Schedule, guide FrameGuide, lambda float64) (Net, error) {
	if net == nil || guide == nil {
		return nil, fmt.Errorf("dydiff: Guided needs a network and a guide")
	}
	if err := s.valid(); err != nil {
		return nil, err
	}
	if math.IsNaN(lambda) || math.IsInf(lambda, 0) || lambda < 0 {
		return nil, fmt.Errorf("dydiff: guidance strength λ = %v, expected a finite number ≥ 0", lambda)
	}
	if s.noising != DependentNoise && s.eta != 0 {
		return nil, fmt.Errorf("dydiff: guidance needs the dependent-noise process (frames plus white noise after InvDyn); this schedule uses %s at η = %g", s.noising, s.eta)
	}
	if lambda == 0 {
		return net, nil
	}
	return func(scope *model.Scope, xt, t *Node, cond []*Node) *Node {
		e := net(scope, xt, t, cond)
		if !e.Shape().Equal(xt.Shape()) {
			exceptions.Panicf("dydiff: Net returned %s for input %s", e.Shape(), xt.Shape())
		}
		g := xt.Graph()
		sa, s1a := coefAt(g, s.alphaBar, t)
		sg, s1g := coefAt(g, s.gammaBar, t)
		sa, s1a = ConvertDType(sa, xt.DType()), ConvertDType(s1a, xt.DType())
		sg, s1g = diffusion.PerSample(xt, ConvertDType(sg, xt.DType())), diffusion.PerSample(xt, ConvertDType(s1g, xt.DType()))
		sigma := Div(s1a, sa)
		psa := diffusion.PerSample(xt, sa)
		xe := Div(inverseDynamics(xt, sg, s1g), psa)
		x0 := StopGradient(inverseDynamics(Div(Sub(xt, Mul(diffusion.PerSample(xt, s1a), e)), psa), sg, s1g))
		l := guide(diffusion.Fresh(scope), xe, sigma, x0, cond)
		if l.Rank() != 1 || l.Shape().Dimensions[0] != xt.Shape().Dimensions[0] {
			exceptions.Panicf("dydiff: guide returned %s for a window %s, expected [%d]", l.Shape(), xt.Shape(), xt.Shape().Dimensions[0])
		}
		grad := Gradient(ReduceAllSum(l), xe)[0]
		return Sub(e, Mul(MulScalar(diffusion.PerSample(xt, sigma), lambda), dynamics(grad, sg, s1g)))
	}, nil
}
