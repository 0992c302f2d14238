package guided

import (
	"fmt"

	"github.com/tidal-forecast/tidal/guard"
	"github.com/tidal-forecast/tidal/guidance"
	"github.com/tidal-forecast/tidal/nets"
	"github.com/tidal-forecast/tidal/nn"
	"github.com/tidal-forecast/tidal/train"
)

// TrainSettings are the settings shared by the trainings of the image model, the video model and the
// discriminator as `tidal train idm|vdm|discriminator` takes them (docs/GUIDED.md); Check names each
// by its flag there. Options, UNet and Disc turn them into a TrainSpec's parts.
type TrainSettings struct {
	// Steps, Batch, LR, Warmup, WeightDecay, Clip (global gradient norm, 0: none), EMAHalfLife (in
	// examples) and Seed are the optimiser's (train.Options).
	Steps, Batch, Warmup int
	LR, WeightDecay      float64
	Clip, EMAHalfLife    float64
	Seed                 uint64
	// LogEvery, CheckpointEvery (a multiple of LogEvery), ValEvery (0: none) and Keep are the loop's
	// bookkeeping.
	LogEvery, CheckpointEvery, ValEvery, Keep int
	// DataSeed fixes the data order, crops and discriminator examples; ValFraction is the share of the
	// series held out; Crop [h, w] trains on random crops (nil: whole fields).
	DataSeed    uint64
	ValFraction float64
	Crop        []int
	// Channels, Mults, Blocks, AttnLevels, Groups and Dropout shape the network; PeriodicH and PeriodicW
	// choose periodic padding per axis.
	Channels, Blocks, Groups int
	Mults, AttnLevels        []int
	Dropout                  float64
	PeriodicH, PeriodicW     bool
	// SigmaData, PMean and PStd are EDM's σ_data and training noise ln σ ~ N(PMean, PStd²).
	SigmaData, PMean, PStd float64
}

// Check refuses settings out of range, naming the flag.
func (s TrainSettings) Check() error {
	if err := guard.First(
		guard.Int("steps", s.Steps, 1, maxCount), guard.Int("batch", s.Batch, 1, 1<<16),
		guard.Between("lr", s.LR, 1e-12, 10), guard.Int("warmup", s.Warmup, 0, maxCount),
		guard.Between("weight-decay", s.WeightDecay, 0, 10), guard.AtLeast("clip-grad-norm", s.Clip, 0),
		guard.AtLeast("ema-halflife", s.EMAHalfLife, 0),
		guard.Between("val-fraction", s.ValFraction, 0, 0.9),
		guard.Int("log-every", s.LogEvery, 1, maxCount), guard.Int("checkpoint-every", s.CheckpointEvery, 1, maxCount),
		guard.Int("val-every", s.ValEvery, 0, maxCount), guard.Int("keep-checkpoints", s.Keep, 1, 1000),
		guard.Int("channels", s.Channels, 4, 4096), guard.Ints("mults", s.Mults, 1, 64), guard.Int("blocks", s.Blocks, 1, 64),
		guard.Ints("attn-levels", s.AttnLevels, 0, len(s.Mults)-1), guard.Int("groups", s.Groups, 1, 4096),
		guard.Between("dropout", s.Dropout, 0, 0.99), guard.Between("sigma-data", s.SigmaData, 1e-6, 1e6),
		guard.Between("p-mean", s.PMean, -20, 20), guard.Between("p-std", s.PStd, 1e-6, 20),
		guard.Ints("crop", s.Crop, 1, 1<<16),
	); err != nil {
		return err
	}
	if len(s.Mults) == 0 {
		return fmt.Errorf("--mults: expected at least one level")
	}
	if len(s.Crop) != 0 && len(s.Crop) != 2 {
		return fmt.Errorf("--crop %v: expected H,W", s.Crop)
	}
	if s.CheckpointEvery%s.LogEvery != 0 {
		return fmt.Errorf("--checkpoint-every %d: expected a multiple of --log-every %d", s.CheckpointEvery, s.LogEvery)
	}
	return nil
}

// maxCount bounds step counts, as tidal's flags do (cli.MaxCount).
const maxCount = 1 << 24

// Options are the training loop's options (train.Defaults with the settings).
func (s TrainSettings) Options() train.Options {
	o := train.Defaults()
	o.Steps, o.BatchSize, o.LR, o.WarmupSteps = s.Steps, s.Batch, s.LR, s.Warmup
	o.WeightDecay, o.ClipNorm, o.EMAHalfLife, o.Seed = s.WeightDecay, s.Clip, s.EMAHalfLife, int64(s.Seed)
	o.LogEvery, o.CheckpointEvery, o.ValEvery, o.Keep = s.LogEvery, s.CheckpointEvery, s.ValEvery, s.Keep
	return o
}

// Padding is periodic padding where periodic, else zero padding.
func Padding(periodic bool) nn.Padding {
	if periodic {
		return nn.Periodic
	}
	return nn.Zero
}

// UNet is the image or video network of the settings (no self-attention when AttnLevels is empty).
func (s TrainSettings) UNet() nets.Config {
	attn := s.AttnLevels
	if len(attn) == 0 { // none, however it was given (flag default, --config "attn: []")
		attn = nil
	}
	return nets.Config{Channels: s.Channels, Mults: s.Mults, Blocks: s.Blocks, AttnLevels: attn, Groups: s.Groups,
		Dropout: s.Dropout, PadH: Padding(s.PeriodicH), PadW: Padding(s.PeriodicW)}
}

// Disc is the discriminator's encoder of the settings with an MLP head of headLayers hidden layers of
// headWidth; without AttnLevels, self-attention at the coarsest level (UNCONFIRMED in the paper).
func (s TrainSettings) Disc(headWidth, headLayers int) guidance.Config {
	attn := s.AttnLevels
	if len(attn) == 0 {
		attn = []int{len(s.Mults) - 1}
	}
	return guidance.Config{Channels: s.Channels, Mults: s.Mults, Blocks: s.Blocks, AttnLevels: attn, Groups: s.Groups,
		Dropout: s.Dropout, PadH: Padding(s.PeriodicH), PadW: Padding(s.PeriodicW), HeadWidth: headWidth, HeadLayers: headLayers}
}

// Activations is TrainActivationBytes of the settings' batch and network.
func (s TrainSettings) Activations() int64 {
	return TrainActivationBytes(s.Batch, s.Channels, len(s.Mults), s.Blocks)
}
