package guided

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func TestRolloutSettings(t *testing.T) {
	s := RolloutSettings{Sampler: DefaultSamplerOptions(), Frames: 10, Members: 2, Lead: 3, Starts: []int{2, 5}}
	if err := s.Check(); err != nil || s.Cases != 2 {
		t.Fatalf("Check: %v, cases %d: want the starts to set 2 cases", err, s.Cases)
	}
	c, err := s.ForecastCases(8, "--init x.npy")
	if err != nil || !slices.Equal(c.Starts, []int{2, 5}) || c.Context != Context || c.Lead != 3 {
		t.Errorf("cases at starts: %+v, %v", c, err)
	}
	if _, err := s.ForecastCases(7, "--init x.npy"); err == nil || !strings.HasPrefix(err.Error(), "--starts 5: ") || !strings.Contains(err.Error(), "(starts 2 to 4)") {
		t.Errorf("a start too late: %v", err)
	}
	even := RolloutSettings{Members: 1, Lead: 3, Cases: 3}
	if c, err := even.ForecastCases(9, "--init x.npy"); err != nil || !slices.Equal(c.Starts, []int{2, 4, 6}) {
		t.Errorf("even cases: %+v, %v", c, err)
	}
	even.Cases = 6
	if _, err := even.ForecastCases(9, "--init x.npy"); err == nil || !strings.Contains(err.Error(), "room for 5 distinct cases") {
		t.Errorf("too many cases: %v", err)
	}
	if c, err := (RolloutSettings{Lead: 3}).ForecastCases(9, "x"); err != nil || c.Starts != nil {
		t.Errorf("rollout mode: %+v, %v", c, err)
	}
	// Rollout: 10 frames × 2 members of 1×4×4 float32; forecasts: 2 cases × 2 members × 3 leads (+ truth).
	m := ModelConfig{Channels: 1, Height: 4, Width: 4}
	roll := RolloutSettings{Frames: 10, Members: 2}
	if mem, out, rows := roll.Bytes(m, 100, true); rows != 2 || out != 10*2*64 || mem != 200+m.SampleBytes(2) {
		t.Errorf("rollout bytes %d %d %d", mem, out, rows)
	}
	if mem, out, rows := s.Bytes(m, 100, true); rows != 4 || out != 4*3*64+2*3*64 || mem != 200+m.SampleBytes(4)+out {
		t.Errorf("forecast bytes %d %d %d", mem, out, rows)
	}
	for _, c := range []struct {
		change func(*RolloutSettings)
		want   string
	}{
		{func(s *RolloutSettings) { s.Cases = 2 }, "--cases 2 and --starts [2 5]: give the number of cases or their start frames, not both"},
		{func(s *RolloutSettings) { s.Sampler.Grid.SigmaMin = 90 }, "--sigma-max 80: expected above --sigma-min 90"},
		{func(s *RolloutSettings) { s.Sampler.Heun.TMin, s.Sampler.Heun.TMax = 5, 1 }, "--s-tmax 1: expected at least --s-tmin 5"},
		{func(s *RolloutSettings) { s.Members = 0 }, "members"},
		{func(s *RolloutSettings) { s.Sampler.Lambda = -1 }, "lambda"},
		{func(s *RolloutSettings) { s.Sampler.LambdaBands = LambdaBands{{1, 3}, {math.Inf(1), 1}} }, "--lambda 14 and --lambda-bands 1=3,inf=1: give one of them"},
		{func(s *RolloutSettings) {
			s.Sampler.Lambda, s.Sampler.GuideSigmaMax, s.Sampler.LambdaBands = 0, 2, LambdaBands{{1, 3}, {math.Inf(1), 1}}
		}, "--guide-sigma-max 2 and --lambda-bands 1=3,inf=1: give one of them"},
		{func(s *RolloutSettings) {
			s.Sampler.Lambda, s.Sampler.LambdaBands = 0, LambdaBands{{1, 3}, {0.5, 1}, {math.Inf(1), 2}}
		}, "--lambda-bands 1=3,0.5=1,inf=2: band 0.5=1"},
	} {
		bad := RolloutSettings{Sampler: DefaultSamplerOptions(), Frames: 10, Members: 2, Lead: 3, Starts: []int{2, 5}}
		c.change(&bad)
		if err := bad.Check(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v, want an error with %q", err, c.want)
		}
	}
}
