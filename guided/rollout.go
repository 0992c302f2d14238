package guided

import (
	"context"
	"fmt"

	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/rollout"
)

// Step is the rollout step of members trajectories (rollout.Run with History 2): the next frame from
// xⁿ⁻¹ and xⁿ, its noise keyed by (seed, frame, member), so a resumed rollout makes the same frames.
func (g *Generator) Step(seed uint64, members int) rollout.Step {
	return func(ctx context.Context, history [][]float32, frame int) ([]float32, error) {
		if len(history) != Context {
			return nil, fmt.Errorf("guided: %d history frames, expected %d", len(history), Context)
		}
		return g.Next(history[0], history[1], members, FrameSeed(seed, frame))
	}
}

// Forecast makes an ensemble forecast from series [T, C, H, W] (T·F values, physical units) for the
// cases c (c.Context ≥ 2: the last two observed frames condition the first lead): members trajectories
// of c.Lead frames each, all cases and members in one batch. The result is [cases, members, lead,
// C, H, W]; row b·members+m draws its noise from the stream of (seed, lead, b·members+m).
func (g *Generator) Forecast(ctx context.Context, series []float32, c forecast.Cases, members int, seed uint64) ([]float32, error) {
	F := g.FrameSize()
	if c.Context < Context {
		return nil, fmt.Errorf("guided: forecasts need %d observed frames per case, got %d", Context, c.Context)
	}
	K := len(c.Starts)
	R := K * members
	prev, cur := make([]float32, R*F), make([]float32, R*F)
	for b, s := range c.Starts {
		if s < Context || (s+c.Lead)*F > len(series) {
			return nil, fmt.Errorf("guided: case %d starts at frame %d with %d lead frames: outside the series of %d frames", b, s, c.Lead, len(series)/F)
		}
		for m := range members {
			r := b*members + m
			copy(prev[r*F:(r+1)*F], series[(s-2)*F:(s-1)*F])
			copy(cur[r*F:(r+1)*F], series[(s-1)*F:s*F])
		}
	}
	out := make([]float32, R*c.Lead*F)
	for l := range c.Lead {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		next, err := g.Next(prev, cur, R, FrameSeed(seed, l))
		if err != nil {
			return nil, fmt.Errorf("lead %d: %w", l+1, err)
		}
		for r := range R {
			copy(out[(r*c.Lead+l)*F:][:F], next[r*F:(r+1)*F])
		}
		prev, cur = cur, next
	}
	return out, nil
}

// Describe names what the generator samples from with its guidance strength, e.g. "unguided image
// model", "video model guided with λ = 14" or "image model guided with λ bands 0.05=40,inf=4".
func (g *Generator) Describe() string {
	video := g.model.Config.Kind == KindVDM
	switch {
	case video && g.Guided():
		return "video model guided with " + g.opt.describeStrength()
	case video:
		return "video model"
	case g.Guided():
		return "image model guided with " + g.opt.describeStrength()
	}
	return "unguided image model"
}

// RolloutIdentity is the identity of a long rollout of m guided by disc (the run discRun; nil and "" for
// none) with the sampler options and seed: rollout.Run resumes a partial rollout only of the same identity.
// Options without λ bands keep the identity they had before bands existed.
func RolloutIdentity(m, disc *Model, discRun string, opt SamplerOptions, seed uint64) string {
	identity := fmt.Sprintf("guided rollout v1: %s %s step %d; disc %q", m.Config.Kind, m.Run, m.Step, discRun)
	if disc != nil {
		identity += fmt.Sprintf(" step %d", disc.Step)
	}
	identity += fmt.Sprintf("; λ %g; grid %+v; heun %+v; seed %d", opt.Lambda, opt.Grid, opt.Heun, seed)
	if opt.GuideSigmaMax > 0 {
		identity += fmt.Sprintf("; guide σ ≤ %g", opt.GuideSigmaMax)
	}
	if len(opt.LambdaBands) > 0 {
		identity += "; λ bands " + opt.LambdaBands.String()
	}
	return identity
}

// InitialFrames are the frames a rollout of members trajectories starts from: the last two frames of
// series [T, F] (T·F values), each repeated for every member, oldest first, as rollout.Config.Initial.
func InitialFrames(series []float32, F, members int) []float32 {
	T := len(series) / F
	initial := make([]float32, 0, Context*members*F)
	for _, n := range []int{T - 2, T - 1} {
		for range members {
			initial = append(initial, series[n*F:(n+1)*F]...)
		}
	}
	return initial
}
