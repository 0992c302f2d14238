package guided

import (
	"slices"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/nn"
)

func TestTrainSettings(t *testing.T) {
	s := TrainSettings{Steps: 100, Batch: 8, LR: 1e-3, Warmup: 5, WeightDecay: 0.01, Clip: 1, EMAHalfLife: 500, Seed: 9,
		LogEvery: 10, CheckpointEvery: 50, ValEvery: 0, Keep: 2, ValFraction: 0.1, Channels: 16, Blocks: 2, Groups: 8,
		Mults: []int{1, 2, 2}, AttnLevels: []int{}, PeriodicH: false, PeriodicW: true, SigmaData: 0.5, PMean: -1.2, PStd: 1.2}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	o := s.Options()
	if o.Steps != 100 || o.BatchSize != 8 || o.LR != 1e-3 || o.WarmupSteps != 5 || o.ClipNorm != 1 || o.EMAHalfLife != 500 || o.Seed != 9 ||
		o.LogEvery != 10 || o.CheckpointEvery != 50 || o.Keep != 2 {
		t.Errorf("options %+v", o)
	}
	u := s.UNet()
	if u.AttnLevels != nil || u.PadH != nn.Zero || u.PadW != nn.Periodic || u.Channels != 16 || u.Groups != 8 {
		t.Errorf("UNet %+v", u)
	}
	d := s.Disc(32, 1)
	if !slices.Equal(d.AttnLevels, []int{2}) || d.HeadWidth != 32 || d.HeadLayers != 1 || d.PadW != nn.Periodic {
		t.Errorf("Disc %+v: want attention at the coarsest level 2", d)
	}
	if s.Activations() != TrainActivationBytes(8, 16, 3, 2) {
		t.Error("Activations differs from TrainActivationBytes")
	}
	for _, c := range []struct {
		change func(*TrainSettings)
		want   string
	}{
		{func(s *TrainSettings) { s.CheckpointEvery = 55 }, "--checkpoint-every 55: expected a multiple of --log-every 10"},
		{func(s *TrainSettings) { s.Crop = []int{4} }, "--crop [4]: expected H,W"},
		{func(s *TrainSettings) { s.Mults = nil; s.AttnLevels = nil }, "--mults: expected at least one level"},
		{func(s *TrainSettings) { s.AttnLevels = []int{3} }, "attn-levels"},
		{func(s *TrainSettings) { s.LR = 0 }, "lr"},
		{func(s *TrainSettings) { s.PStd = 0 }, "p-std"},
	} {
		bad := s
		c.change(&bad)
		if err := bad.Check(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v, want an error with %q", err, c.want)
		}
	}
}
