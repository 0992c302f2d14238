package diffusion

import (
	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// DenoiserFn is a denoiser D(y; σ): for noisy y = x₀ + σ·ε [batch, ...] at per-sample noise levels
// sigma [batch] it returns the estimate ŷ₀ of the clean x₀, shaped like y, in the data's units.
type DenoiserFn func(scope *model.Scope, y, sigma *Node, cond []*Node) *Node

// Denoiser is what a sampler evaluates: D(y; σ) with its variables.
type Denoiser struct {
	// Backend runs the compiled steps ("go" or "cuda", see package backend).
	Backend compute.Backend
	// Scope holds the variables of D (and of a guide wrapped into it by Guided); nil gives an empty
	// store. The sampler reads them live at every call, so it samples with the current weights after
	// more training or after others are loaded into the same variables.
	Scope *model.Scope
	// D is the denoiser, e.g. Precondition(net, σ_data), or Guided(Precondition(net, σ_data), logit, λ).
	D DenoiserFn
}
