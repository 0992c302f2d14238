package guided

import (
	"fmt"

	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/guard"
)

// RolloutSettings are the settings of a long rollout or of ensemble forecasts of an image or video
// model as `tidal rollout` takes them (docs/GUIDED.md); Check and Cases name each by its flag there.
type RolloutSettings struct {
	// Sampler is the stochastic Heun sampler with its guidance (DefaultSamplerOptions: Tab. 1).
	Sampler SamplerOptions
	// Frames is a rollout's length; Members the trajectories per rollout or per forecast case.
	Frames, Members int
	// Cases > 0 (or Starts) asks for forecasts instead of a rollout: Cases spread evenly over the
	// observed frames, or those starting at Starts, each Lead frames long.
	Cases, Lead int
	Starts      []int
	// Seed keys the noise by frame (or lead) and member.
	Seed uint64
}

// Check refuses settings out of range, naming the flag; Starts set Cases (the forecast mode).
func (s *RolloutSettings) Check() error {
	g, h := s.Sampler.Grid, s.Sampler.Heun
	if err := guard.First(
		guard.Between("lambda", s.Sampler.Lambda, 0, 1e6), guard.Int("frames", s.Frames, 1, maxCount),
		guard.Int("members", s.Members, 1, 1<<16), guard.Int("cases", s.Cases, 0, 1<<16), guard.Int("lead", s.Lead, 1, maxCount),
		guard.Int("sampler-steps", g.Steps, 1, 10000), guard.Between("sigma-min", g.SigmaMin, 1e-9, 1e6),
		guard.Between("sigma-max", g.SigmaMax, 1e-9, 1e9), guard.Between("rho", g.Rho, 1e-3, 1e3),
		guard.Between("churn", h.Churn, 0, 1e6), guard.Between("s-noise", h.Noise, 1e-6, 100),
		guard.Between("s-tmin", h.TMin, 0, 1e9), guard.Between("s-tmax", h.TMax, 0, 1e12),
		guard.Between("guide-sigma-max", s.Sampler.GuideSigmaMax, 0, 1e9), guard.Ints("starts", s.Starts, 0, maxCount),
	); err != nil {
		return err
	}
	if b := s.Sampler.LambdaBands; len(b) > 0 {
		switch {
		case s.Sampler.Lambda != 0:
			return fmt.Errorf("--lambda %g and --lambda-bands %s: give one of them (the bands set λ at every σ)", s.Sampler.Lambda, b)
		case s.Sampler.GuideSigmaMax != 0:
			return fmt.Errorf("--guide-sigma-max %g and --lambda-bands %s: give one of them (the window σ ≤ s is the bands s=λ,inf=0)", s.Sampler.GuideSigmaMax, b)
		}
		if err := b.Check(); err != nil {
			return fmt.Errorf("--lambda-bands %s: %w", b, err)
		}
	}
	if len(s.Starts) > 0 {
		if s.Cases > 0 {
			return fmt.Errorf("--cases %d and --starts %v: give the number of cases or their start frames, not both", s.Cases, s.Starts)
		}
		s.Cases = len(s.Starts) // forecast mode
	}
	if !(g.SigmaMax > g.SigmaMin) {
		return fmt.Errorf("--sigma-max %g: expected above --sigma-min %g", g.SigmaMax, g.SigmaMin)
	}
	if h.TMax < h.TMin {
		return fmt.Errorf("--s-tmax %g: expected at least --s-tmin %g", h.TMax, h.TMin)
	}
	return nil
}

// ForecastCases are the forecast mode's cases over observed frames (named name in errors): Starts,
// each checked to have Context frames before it and Lead from it, or Cases spread evenly
// (forecast.EvenCases), refused when the frames have room for fewer distinct cases. None in rollout mode.
func (s RolloutSettings) ForecastCases(frames int, name string) (forecast.Cases, error) {
	if len(s.Starts) > 0 {
		for _, st := range s.Starts {
			if st < Context || st+s.Lead > frames {
				return forecast.Cases{}, fmt.Errorf("--starts %d: a case needs %d context frames before its start and %d lead frames from it, within the %d frames of %s (starts %d to %d)",
					st, Context, s.Lead, frames, name, Context, frames-s.Lead)
			}
		}
		return forecast.Cases{Context: Context, Lead: s.Lead, Starts: append([]int(nil), s.Starts...)}, nil
	}
	if s.Cases == 0 {
		return forecast.Cases{}, nil
	}
	cases, err := forecast.EvenCases(frames, Context, s.Lead, s.Cases)
	if err != nil {
		return cases, fmt.Errorf("%s: %w", name, err)
	}
	if room := frames - Context - s.Lead + 1; s.Cases > room {
		return cases, fmt.Errorf("--cases %d: %s has %d frames, room for %d distinct cases of %d context + --lead %d frames",
			s.Cases, name, frames, room, Context, s.Lead)
	}
	return cases, nil
}

// Bytes are the memory and the output size of the rollout or forecasts of the model c from observed
// frames stored in observedBytes: the observed frames twice and the sampler's (ModelConfig.SampleBytes)
// for all rows at once, forecasts holding their output (and the truth, with truth) too. rows is the
// number of trajectories sampled together.
func (s RolloutSettings) Bytes(c ModelConfig, observedBytes int64, truth bool) (mem, out, rows int64) {
	rows, frame := int64(s.Members), guard.Product(int64(c.Channels), int64(c.Height), int64(c.Width), 4)
	out = guard.Product(int64(s.Frames), rows, frame)
	if s.Cases > 0 {
		rows = guard.Product(rows, int64(s.Cases))
		out = guard.Product(rows, int64(s.Lead), frame)
		if truth {
			out = guard.Sum(out, guard.Product(int64(s.Cases), int64(s.Lead), frame))
		}
	}
	mem = guard.Sum(observedBytes, observedBytes, c.SampleBytes(rows))
	if s.Cases > 0 {
		mem = guard.Sum(mem, out)
	}
	return mem, out, rows
}
