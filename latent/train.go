package latent

import (
	"context"
	"fmt"
	"io"
	"reflect"

	"github.com/gomlx/compute"

	"github.com/tidal-forecast/tidal/backend"
	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dataset"
	"github.com/tidal-forecast/tidal/train"
)

// DefaultTrainOptions are the loop's options `tidal train vae` uses when no flag changes them:
// train.Defaults with AdamW's learning rate 1e-3 and batches of 16 frames.
func DefaultTrainOptions() train.Options {
	o := train.Defaults()
	o.LR = 1e-3
	return o
}

// TrainSpec is one training run of a VAE on a series of fields [frames, channels, height, width] in
// physical units. The last HoldOut frames are kept out of training: the run's reconstruction PSNR is
// measured on them. The run directory has the layout of package train (options.json, norm.json,
// stats.jsonl, checkpoints, snapshots) plus RecordFile, written after training; the same spec run again
// resumes it.
type TrainSpec struct {
	// Data is the series; when nil, Path names an NPY file holding it.
	Data *data.Array
	Path string
	// HoldOut is the number of frames at the end kept out of training for the PSNR (0: a tenth, at least
	// one).
	HoldOut int
	// Config is the model; its zero value stands for DefaultConfig(). Frame is taken from the data.
	Config Config
	// Options are the loop's; their zero value stands for DefaultTrainOptions().
	Options train.Options
	// Dir is the run directory.
	Dir string
	// Backend computes the steps; nil creates $TIDAL_BACKEND's (default "go") for the run.
	Backend compute.Backend
	// Log hears the loop's progress (nil: silent). StartOver replaces a run recorded with other options.
	Log       io.Writer
	StartOver bool
}

// Trainer is a prepared VAE training run.
type Trainer struct {
	// Model is the VAE of the run, Job the training job of package train that trains it (its Config is
	// the model's Config).
	Model *Model
	Job   train.Job
	// Frames is the number of training frames, HeldOut the held-out frames (physical units).
	Frames  int
	HeldOut *data.Array
	train   dataset.Series
	own     compute.Backend
}

// NewTrainer checks the spec against its data and prepares the run: it refuses data that is not
// [frames, channels, height, width], holds non-finite values, has a grid the VAE's factor does not
// divide, or leaves no training frame; the frames are normalised per channel with the training frames'
// mean and standard deviation.
func NewTrainer(s TrainSpec) (*Trainer, error) {
	if s.Dir == "" {
		return nil, fmt.Errorf("latent: a training spec needs Dir, the run directory")
	}
	a, name := s.Data, "training data"
	if a == nil {
		if s.Path == "" {
			return nil, fmt.Errorf("latent: no training data: expected Data, an array [frames, channels, height, width], or Path, an NPY file")
		}
		var err error
		if a, err = data.ReadNPY(s.Path); err != nil {
			return nil, fmt.Errorf("latent: %w", err)
		}
		name = s.Path
	}
	if len(a.Shape) != 4 {
		return nil, fmt.Errorf("latent: %s of shape %v (rank %d): expected fields [frames, channels, height, width] (rank 4)", name, a.Shape, len(a.Shape))
	}
	all, err := dataset.FromArray(name, a)
	if err != nil {
		return nil, fmt.Errorf("latent: %w", err)
	}
	T := all.Frames()
	hold := s.HoldOut
	if hold == 0 {
		hold = max(1, T/10)
	}
	if hold < 0 || hold >= T {
		return nil, fmt.Errorf("latent: %s has %d frames: holding out %d leaves none to train on (expected 1 ≤ held-out < frames)", name, T, hold)
	}
	c := s.Config
	if reflect.DeepEqual(c, Config{}) {
		c = DefaultConfig()
	}
	if c.Method == "" {
		c.Method = Method
	}
	if len(c.Frame) == 0 {
		c.Frame = append([]int(nil), all.Shape[1:]...)
	} else if fmt.Sprint(c.Frame) != fmt.Sprint(all.Shape[1:]) {
		return nil, fmt.Errorf("latent: Config.Frame %v, but %s has frames %v", c.Frame, name, all.Shape[1:])
	}
	m, err := New(c)
	if err != nil {
		return nil, fmt.Errorf("latent: %s: %w", name, err)
	}
	o := s.Options
	if reflect.DeepEqual(o, train.Options{}) {
		o = DefaultTrainOptions()
	}
	o.ValEvery, o.PreviewEvery = 0, 0
	if err := o.Validate(); err != nil {
		return nil, fmt.Errorf("latent: training options: %w", err)
	}
	F := all.FrameSize()
	tr := dataset.Series{Name: name, Shape: append([]int{T - hold}, all.Shape[1:]...), Data: all.Data[:(T-hold)*F]}
	held := data.FromFloat32(all.Data[(T-hold)*F:], append([]int{hold}, all.Shape[1:]...)...)
	w, _, norm, err := dataset.Split([]dataset.Series{tr}, dataset.Options{Frames: 1, Seed: uint64(o.Seed)})
	if err != nil {
		return nil, fmt.Errorf("latent: %s: %w", name, err)
	}
	t := &Trainer{Model: m, Frames: T - hold, HeldOut: held, train: tr}
	t.Job = train.Job{Dir: s.Dir, Options: o, Config: c, Norm: norm, Backend: s.Backend, Loss: m.Loss, Train: w, Log: s.Log, StartOver: s.StartOver}
	if t.Job.Backend == nil {
		bn, err := backend.Resolve("")
		if err != nil {
			return nil, err
		}
		if t.own, err = backend.New(bn); err != nil {
			return nil, err
		}
		t.Job.Backend = t.own
	}
	return t, nil
}

// Run trains the run to Options.Steps (resuming what Dir holds) with package train's loop, then measures
// the newest snapshot (Measure: the latent scale over the training frames, the PSNR on the held-out
// frames) and writes it to the run's RecordFile.
func (t *Trainer) Run(ctx context.Context) (train.Result, *Record, error) {
	res, err := train.Run(ctx, t.Job)
	if err != nil {
		return res, nil, err
	}
	v, err := openSnapshot(t.Job.Dir)
	if err != nil {
		return res, nil, err
	}
	defer v.Close()
	v.Backend = t.Job.Backend
	rec, err := v.Measure(ctx, data.FromFloat32(t.train.Data, t.train.Shape...), t.HeldOut)
	if err != nil {
		return res, nil, err
	}
	if err := rec.save(t.Job.Dir); err != nil {
		return res, nil, err
	}
	return res, rec, nil
}

// Close releases the backend NewTrainer made.
func (t *Trainer) Close() {
	if t.own != nil {
		t.own.Finalize()
		t.own = nil
	}
}

// Train trains the run of spec (NewTrainer, Trainer.Run) and opens it. Close the result when done.
func Train(ctx context.Context, spec TrainSpec) (*VAE, error) {
	t, err := NewTrainer(spec)
	if err != nil {
		return nil, err
	}
	_, _, err = t.Run(ctx)
	t.Close()
	if err != nil {
		return nil, err
	}
	v, err := Open(spec.Dir)
	if err != nil {
		return nil, err
	}
	v.Backend = spec.Backend
	return v, nil
}
