package guided

import (
	"fmt"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"

	"github.com/tidal-forecast/tidal/dataset"
	"github.com/tidal-forecast/tidal/diffusion"
)

// DyDiffGuide makes the time-consistency discriminator disc a guide of DyDiff (guided DyDiff, which no
// published system has; docs/GUIDED.md): it checks that disc was trained on the frames [C, H, W] of
// the DyDiff model named what, normalised by norm (as CheckGuide does for an image model), puts disc's
// weights into store under the scope "guide", and returns the guide's log-odds as a diffusion.Logit of
// windows (frames plus white noise of std σ, the state y of a DyDiff model's denoiser with its anchor
// added back) of context observed frames followed by predicted ones, whose conditioning input cond[0] is
// the observed frames [batch, context, C, H, W] (dymodel's).
//
// Each predicted frame f of the window is judged on its own, as the discriminator was trained: the
// candidate is frame f of the noisy window in EDM variables, conditioned on the two frames before it,
// where those are observed frames, or the sampler's current estimate x̂₀ of the predicted ones (a
// choice of tidal's: the discriminator was trained on clean conditioning frames, and x̂₀ is the best
// clean guess the sampler has). The guide is the sum of the predicted frames' logits.
func DyDiffGuide(store *model.Store, disc *Model, what string, frame []int, norm dataset.Norm, context int) (diffusion.Logit, error) {
	if len(frame) != 3 {
		return nil, fmt.Errorf("%s has frames %v; a discriminator guides fields [channels, height, width]", what, frame)
	}
	if context < Context {
		return nil, fmt.Errorf("%s observes %d frames per window; the discriminator is conditioned on %d", what, context, Context)
	}
	d, sigmaScale, toDisc, err := loadGuide(store, disc, what, frame, norm)
	if err != nil {
		return nil, err
	}
	return func(scope *model.Scope, xe, sigma, x0 *Node, cond []*Node) *Node {
		if len(cond) != 1 || xe.Rank() != 5 {
			exceptions.Panicf("guided: a DyDiff guide takes windows [batch, frames, C, H, W] and their observed frames, got %s and %d inputs", xe.Shape(), len(cond))
		}
		dims := xe.Shape().Dimensions
		B, L, S := dims[0], dims[1], dims[1]-context
		if S < 1 || cond[0].Shape().Dimensions[1] != context {
			exceptions.Panicf("guided: window %s with observed frames %s: expected %d observed frames and at least one predicted", xe.Shape(), cond[0].Shape(), context)
		}
		clean := Concatenate([]*Node{ConvertDType(cond[0], xe.DType()), SliceAxis(x0, 1, AxisRange(context, L))}, 1)
		frames := func(w *Node, from int) *Node { // frames from..from+S−1 of a window, one per row
			return Reshape(SliceAxis(w, 1, AxisRange(from, from+S)), append([]int{B * S}, dims[2:]...)...)
		}
		sig := Reshape(BroadcastToDims(ExpandAxes(sigma, -1), B, S), B*S)
		cand := toDisc(frames(xe, context))
		f := d.Logit(scope.In("guide"), cand, MulScalar(sig, sigmaScale),
			withStatic([]*Node{toDisc(frames(clean, context-1)), toDisc(frames(clean, context-2))}, disc.Config.Static, disc.static, cand)) // xⁿ, xⁿ⁻¹
		return ReduceSum(Reshape(f, B, S), 1)
	}, nil
}
