package dymodel

import (
	"context"
	"fmt"
	"io"
	"reflect"

	"github.com/gomlx/compute"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dataset"
	"github.com/tidal-forecast/tidal/train"
)

// DefaultConfig is the configuration `tidal train dydiff` gives a new run of fields when no flag
// changes it: windows of 4 observed and 11 predicted frames (the reference's Turbulence setting), η 0.5
// with the dependent noise of Dynamical Diffusion (Guo et al. 2025), trained as EDM (Karras et al.
// 2022; DefaultEDM) on departures from the last observed frame (AnchorLast), and a periodic UNet of
// width 32, multipliers 1, 2, 2, two blocks per level and the linear output head (DefaultHead), trained
// on contexts with DefaultContextNoise for stable long rollouts. Frame is left empty: TrainSpec fills it
// in from the data.
func DefaultConfig() Config {
	return Config{Method: Method, Net: "unet", Context: 4, Predict: 11, Eta: 0.5, Noising: "dependent",
		UNet:  UNetConfig{Channels: 32, Mults: []int{1, 2, 2}, Blocks: 2, Heads: 1, Groups: 32, Periodic: true, Head: DefaultHead},
		Param: ParamEDM, Anchor: AnchorLast, EDM: DefaultEDM(), ContextNoise: DefaultContextNoise}
}

// DefaultTrainOptions are the training loop's options `tidal train dydiff` uses when no flag changes
// them: train.Defaults with AdamW's learning rate 1e-3 (measured better than the reference's 1e-4 at CPU
// budgets, docs/RESULTS.md), the gradient norm clipped to DefaultClipGradNorm, and validation losses and sample previews every 100 steps when the spec
// has validation data (without it there are none).
func DefaultTrainOptions() train.Options {
	o := train.Defaults()
	o.LR = 1e-3
	o.ClipNorm = DefaultClipGradNorm
	o.ValEvery, o.PreviewEvery = 100, 100
	return o
}

// DefaultPreview is the preview `tidal train dydiff` scores during training with validation data:
// 4 validation windows, 4 members each, 10 sampling steps.
func DefaultPreview() PreviewOptions { return PreviewOptions{Cases: 4, Members: 4, Steps: 10} }

// RecordedConfig is the configuration a DyDiff run directory records (options.json and every snapshot):
// the model's, which is all a forecast needs, and the settings of the previews scored while training.
// Its JSON is the model's configuration itself when there is no preview, so Load reads either.
type RecordedConfig struct {
	Config
	Preview *PreviewOptions `json:"preview,omitempty"`
}

// TrainSpec is one training run of DyDiff on a series of fields [frames, channels, height, width]:
// the data in physical units, the model, the loop's options and the run directory. The run directory
// it writes has the layout of `tidal train dydiff` (options.json, norm.json, stats.jsonl, checkpoints,
// snapshots), so `tidal forecast --run DIR`, Load and Open read it, and the same spec run again
// resumes it.
type TrainSpec struct {
	// Data is the training series [frames, channels, height, width] in physical units, or videos
	// [videos, frames, channels, height, width] (windows never cross from one video into the next).
	// When it is nil, Path names an NPY file holding it.
	Data *data.Array
	Path string
	// Actions, when not nil, are the actions that drive the frames, in the BAIR layout: [frames − 1, A]
	// for a series, [videos, frames − 1, A] for videos, row t the action between frames t and t + 1. The
	// model is then conditioned on them (Config.Actions = A; docs/VIDEO.md). ValActions are Val's.
	Actions, ValActions *data.Array
	// Take lets the run take Data's and Val's float32 values over instead of copying them
	// (dataset.TakeArray): the caller must not use them again. A run holds one copy of its data this
	// way, not two.
	Take bool
	// Static, when not nil, are time-invariant conditioning fields [S, H, W] on the data's grid
	// (orography, a land-sea mask): normalised per channel and concatenated to the network's input,
	// never noised or predicted. The run keeps them (dataset.StaticFile), and Open gives them back.
	Static *dataset.Static
	// Val, when not nil, is a validation series with frames of the same shape, normalised with the
	// training data's statistics; the loop scores the EMA weights on its windows every
	// Options.ValEvery steps and previews forecasts of them every Options.PreviewEvery steps. Without
	// it both are off.
	Val *data.Array
	// Config is the model; its zero value stands for DefaultConfig(). Frame is taken from the data (a
	// Frame that is set must agree with it) and an empty Method is Method.
	Config Config
	// Options are the loop's (steps, batch, learning rate, EMA, seed, checkpoints); their zero value
	// stands for DefaultTrainOptions(). Options.Seed also fixes the order of the training windows.
	Options train.Options
	// Preview sizes the previews (nil: DefaultPreview()).
	Preview *PreviewOptions
	// Stride is the number of frames between the starts of successive training windows (0: 1).
	Stride int
	// Dir is the run directory: created, or resumed when it holds a run with the same options.
	Dir string
	// Backend computes the steps; nil creates the backend that $TIDAL_BACKEND names (default "go",
	// GoMLX's CPU backend) for the run and releases it after.
	Backend compute.Backend
	// Log hears the loop's progress (nil: silent). StartOver replaces a run recorded with other
	// options instead of refusing it.
	Log       io.Writer
	StartOver bool
}

// Trainer is a prepared DyDiff training run: the model, and the job of package train that trains it.
type Trainer struct {
	// Model is the network of the run, Job the training job (its Config is a RecordedConfig).
	Model *Model
	Job   train.Job
	// Windows is the number of training windows.
	Windows int
	own     compute.Backend // the backend NewTrainer made, released by Close
	static  *dataset.Static // the run's static fields, kept in its directory by Run
}

// NewTrainer checks the spec against its data and prepares the run; nothing is trained or written yet.
// It reads Path when Data is nil, refuses data that is not [frames, channels, height, width], holds
// non-finite values or is shorter than one window, and normalises the windows per channel with the
// training data's mean and standard deviation (dataset.Split), as `tidal train dydiff` does.
func NewTrainer(s TrainSpec) (*Trainer, error) {
	if s.Dir == "" {
		return nil, fmt.Errorf("dymodel: a training spec needs Dir, the run directory")
	}
	trs, A, err := specSeries("training data", s.Data, s.Path, s.Actions, s.Take)
	if err != nil {
		return nil, err
	}
	tr := trs[0]
	c := s.Config
	if reflect.DeepEqual(c, Config{}) {
		c = DefaultConfig()
	}
	if c.Method == "" {
		c.Method = Method
	}
	if c.Net == "series" {
		return nil, fmt.Errorf("dymodel: net %q: TrainSpec trains on fields [frames, channels, height, width]; time series need `tidal train dydiff` on [T, N]", c.Net)
	}
	switch {
	case c.Actions == 0:
		c.Actions = A
	case c.Actions != A:
		return nil, fmt.Errorf("dymodel: Config.Actions %d, but the training data carry %d-component actions (TrainSpec.Actions)", c.Actions, A)
	}
	if A > 0 && c.ActionScale == nil {
		c.ActionScale = ActionScale(trs)
	}
	if s.Static != nil {
		n := s.Static.Norm()
		c.Static = &StaticConfig{Channels: s.Static.Channels, Mean: n.Mean, Std: n.Std}
	} else if c.Static != nil {
		return nil, fmt.Errorf("dymodel: Config.Static describes %d static channels, but the spec gives no Static fields", c.Static.Channels)
	}
	frame := tr.Shape[1:]
	if len(c.Frame) == 0 {
		c.Frame = append([]int(nil), frame...)
	} else if fmt.Sprint(c.Frame) != fmt.Sprint(frame) {
		return nil, fmt.Errorf("dymodel: Config.Frame %v, but the training data %s has frames %v", c.Frame, tr.Name, frame)
	}
	if c.Net == "video" {
		if c.UNet.TemporalConv == nil {
			for i := range c.UNet.Mults {
				c.UNet.TemporalConv = append(c.UNet.TemporalConv, i)
			}
		}
		if c.UNet.TemporalAttn == nil && len(c.UNet.Mults) > 0 {
			c.UNet.TemporalAttn = []int{len(c.UNet.Mults) - 1}
		}
	}
	if c.Eta >= 1 {
		return nil, fmt.Errorf("dymodel: η = %v: expected 0 ≤ η < 1 (η = 1 makes InverseDynamics divide by √γ̄ ≈ 5e-5 near t = T)", c.Eta)
	}
	m, err := New(c)
	if err != nil {
		return nil, fmt.Errorf("dymodel: %w", err)
	}
	if err := m.SetStatic(s.Static); err != nil {
		return nil, fmt.Errorf("dymodel: static fields: %w", err)
	}
	L := c.Frames()
	if tr.Frames() < L {
		return nil, fmt.Errorf("dymodel: %s has %d frames, fewer than the %d + %d = %d of one window", tr.Name, tr.Frames(), c.Context, c.Predict, L)
	}
	if len(trs) > 1 {
		tr.Name = fmt.Sprintf("%s (%d videos)", tr.Name, len(trs))
	}
	o, err := loopOptions(s.Options, s.Val != nil)
	if err != nil {
		return nil, err
	}
	if s.Stride < 0 {
		return nil, fmt.Errorf("dymodel: stride %d: expected ≥ 1 frame between windows (0: 1)", s.Stride)
	}
	trw, _, norm, err := dataset.Split(trs, dataset.Options{Frames: L, Stride: s.Stride, Seed: uint64(o.Seed)})
	if err != nil {
		return nil, fmt.Errorf("dymodel: %s: %w", tr.Name, err)
	}
	rc := RecordedConfig{Config: c}
	t := &Trainer{Model: m, Windows: trw.Len(), static: s.Static}
	t.Job = train.Job{Dir: s.Dir, Options: o, Norm: norm, Backend: s.Backend, Loss: m.Loss, Train: trw, Log: s.Log, StartOver: s.StartOver}
	if s.Val != nil {
		vas, vA, err := specSeries("validation data", s.Val, "", s.ValActions, s.Take)
		if err != nil {
			return nil, err
		}
		va := vas[0]
		if fmt.Sprint(va.Shape[1:]) != fmt.Sprint(frame) {
			return nil, fmt.Errorf("dymodel: validation data of shape %v: expected frames %v like the training data's, [frames, %d, %d, %d]", s.Val.Shape, frame, frame[0], frame[1], frame[2])
		}
		if va.Frames() < L {
			return nil, fmt.Errorf("dymodel: validation data has %d frames, fewer than the %d of one window", va.Frames(), L)
		}
		if vA != c.Actions {
			return nil, fmt.Errorf("dymodel: validation data carry %d-component actions, the training data %d (TrainSpec.ValActions)", vA, c.Actions)
		}
		vw, _, vnorm, err := dataset.Split(vas, dataset.Options{Frames: L, Seed: 1})
		if err != nil {
			return nil, fmt.Errorf("dymodel: validation data: %w", err)
		}
		t.Job.Val = Renormalized{Src: vw, From: vnorm, To: norm}
		if o.PreviewEvery > 0 {
			po, err := previewOptions(s.Preview)
			if err != nil {
				return nil, err
			}
			if _, err := m.Schedule.Timesteps(po.Steps); err != nil && !c.IsEDM() {
				return nil, fmt.Errorf("dymodel: preview steps %d: %w", po.Steps, err)
			}
			rc.Preview = &po
		}
	}
	if err := t.ownBackend(); err != nil {
		return nil, err
	}
	if rc.Preview != nil {
		t.Job.Preview = m.Preview(t.Job.Backend, t.Job.Val, *rc.Preview)
	}
	t.Job.Config = rc
	return t, nil
}

// Run trains the run to Options.Steps (resuming what Dir holds) with package train's loop: AdamW, the
// EMA of the weights, checkpoints and snapshots of the EMA weights with the configuration and the
// normalisation.
func (t *Trainer) Run(ctx context.Context) (train.Result, error) {
	if err := dataset.KeepStatic(t.Job.Dir, t.static, t.Job.StartOver); err != nil {
		return train.Result{}, fmt.Errorf("dymodel: static fields: %w", err)
	}
	return train.Run(ctx, t.Job)
}

// Close releases the backend NewTrainer made (none when the spec gave one).
func (t *Trainer) Close() {
	if t.own != nil {
		t.own.Finalize()
		t.own = nil
	}
}

// Train trains the run of spec (NewTrainer, then Trainer.Run) and opens its newest snapshot: the
// trained model, ready to forecast. Close the result when done.
func Train(ctx context.Context, spec TrainSpec) (*Trained, error) {
	t, err := NewTrainer(spec)
	if err != nil {
		return nil, err
	}
	_, err = t.Run(ctx)
	t.Close()
	if err != nil {
		return nil, err
	}
	tm, err := Open(spec.Dir)
	if err != nil {
		return nil, err
	}
	tm.Backend = spec.Backend
	return tm, nil
}

// specData is the series of a (its values taken over when take), or of the NPY file path when a is
// nil, checked to be fields [frames, channels, height, width] of finite values.
func specData(what string, a *data.Array, path string, take bool) (dataset.Series, error) {
	name := what
	if a == nil {
		if path == "" {
			return dataset.Series{}, fmt.Errorf("dymodel: no %s: expected Data, an array [frames, channels, height, width], or Path, an NPY file", what)
		}
		var err error
		if a, err = data.ReadNPY(path); err != nil {
			return dataset.Series{}, fmt.Errorf("dymodel: %s: %w", what, err)
		}
		name, take = path, true // the array read here is the run's own
	}
	if len(a.Shape) != 4 {
		return dataset.Series{}, fmt.Errorf("dymodel: %s of shape %v (rank %d): expected fields [frames, channels, height, width] (rank 4)", name, a.Shape, len(a.Shape))
	}
	s, err := arraySeries(take)(name, a)
	if err != nil {
		return dataset.Series{}, fmt.Errorf("dymodel: %w", err)
	}
	return s, nil
}

// arraySeries is dataset.TakeArray when the spec gives its arrays away (take), else dataset.FromArray.
func arraySeries(take bool) func(string, *data.Array) (dataset.Series, error) {
	if take {
		return dataset.TakeArray
	}
	return dataset.FromArray
}
