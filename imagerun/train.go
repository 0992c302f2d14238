// Package imagerun runs the models of discriminator-guided image diffusion (Hess et al. 2025;
// docs/GUIDED.md) from plain options, the values of the flags of `tidal train idm|vdm|discriminator`
// and `tidal rollout`: it reads and checks the inputs within the memory budget, refuses bad options
// with errors that name the flag or the file the user gave, checks that no output overwrites an input,
// builds the trainer or the generator of package guided and writes the outputs atomically. The command
// line maps its flags onto these options and nothing else.
package imagerun

import (
	"context"
	"fmt"
	"io"

	"github.com/gomlx/compute"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/dataset"
	"github.com/tidal-forecast/tidal/guard"
	"github.com/tidal-forecast/tidal/guided"
	"github.com/tidal-forecast/tidal/nets"
)

// TrainOptions are the settings of one training run of the image model, the video baseline or the
// discriminator (guided.TrainSpec), named for the flags of `tidal train idm|vdm|discriminator` that
// give them (docs/GUIDED.md); the errors of PrepareTraining name those flags. The caller has checked
// --run and the TrainSettings (guided.TrainSettings.Check).
type TrainOptions struct {
	// Kind is guided.KindIDM, KindVDM or KindDiscriminator; Data the training series (--data), Run the
	// run directory (--run).
	Kind, Data, Run string
	guided.TrainSettings
	// PeriodicHGiven says whether --periodic-h was given: if not, a lat-lon grid is not periodic in height.
	PeriodicHGiven, StartOver bool
	Static                    cli.StaticFlags
	// ActivationBytes is the activation estimate per field point of a step (TrainSettings.Activations,
	// or the DiT's); DiT, when not nil, is the image DiT for frames of shape [frames, channels, H, W].
	ActivationBytes int64
	DiT             func(shape []int) (*nets.DiTConfig, error)
	// The discriminator's own settings (--sigma-step, --future-only, --head-width, --head-layers,
	// --preview-every, --val-pairs).
	SigmaStep                                     float64
	FutureOnly                                    bool
	HeadWidth, HeadLayers, PreviewEvery, ValPairs int
	// Budget bounds the memory (the zero value: what the machine has); Backend makes the backend that
	// trains (nil: the one $TIDAL_BACKEND names); Log hears the loop's progress (nil: silent).
	Budget  guard.Budget
	Backend func() (string, compute.Backend, error)
	Log     io.Writer
	// Resolved hears a flag whose value PrepareTraining chose from the data (--periodic-h false on a
	// lat-lon grid), so that the command records what the run used; nil: nobody.
	Resolved func(name, value string)
}

// Training is a prepared training run: the trainer, the run directory (whose Guard removes a run that
// fails before its first step) and the static fields it keeps.
type Training struct {
	Trainer *guided.Trainer
	Out     *cli.TrainOut
	Static  *dataset.Static
	backend func() (string, compute.Backend, error)
}

// PrepareTraining checks the discriminator's options, reads the header of --data and the static fields,
// estimates the run's memory (guided.TrainingBytes), reads the series and builds the trainer; errors
// name the flag or the file.
func PrepareTraining(o TrainOptions) (*Training, error) {
	if o.Kind == guided.KindDiscriminator {
		if err := checkDiscOptions(o); err != nil {
			return nil, err
		}
	}
	t := &Training{backend: o.Backend}
	series, err := t.readSeries(&o)
	if err != nil {
		return nil, err
	}
	spec := guided.TrainSpec{Kind: o.Kind, Series: series, Options: o.Options(), PMean: o.PMean, PStd: o.PStd, Crop: o.Crop,
		ValFraction: o.ValFraction, DataSeed: o.DataSeed, Static: t.Static, Dir: o.Run, Log: o.Log, StartOver: o.StartOver}
	if o.Kind == guided.KindDiscriminator {
		spec.Options.PreviewEvery = o.PreviewEvery // 0: every checkpoint (guided.NewTrainer)
		spec.Disc, spec.SigmaStep, spec.FutureOnly, spec.ValPairs = o.Disc(o.HeadWidth, o.HeadLayers), o.SigmaStep, o.FutureOnly, o.ValPairs
	} else {
		spec.UNet, spec.SigmaData = o.UNet(), o.SigmaData
		if o.DiT != nil {
			if spec.DiT, err = o.DiT(series.Shape); err != nil {
				return nil, err
			}
		}
	}
	if t.Trainer, err = guided.NewTrainer(spec); err != nil {
		return nil, cli.DataError(o.Data, err)
	}
	return t, nil
}

// checkDiscOptions refuses the discriminator's own options out of range, and an odd --batch.
func checkDiscOptions(o TrainOptions) error {
	if err := guard.First(guard.Between("sigma-step", o.SigmaStep, 0.05, 1000), guard.Int("head-width", o.HeadWidth, 1, 1<<16),
		guard.Int("head-layers", o.HeadLayers, 0, 16), guard.Int("preview-every", o.PreviewEvery, 0, cli.MaxCount),
		guard.Int("val-pairs", o.ValPairs, 1, 1<<16)); err != nil {
		return err
	}
	if o.Batch%2 != 0 {
		return fmt.Errorf("--batch %d: expected an even number (pairs of a positive and a negative)", o.Batch)
	}
	return nil
}

// readSeries checks the header of --data, the static fields and the run directory, checks the memory
// and reads the series; a lat-lon grid is not periodic in height unless --periodic-h was given.
func (t *Training) readSeries(o *TrainOptions) (dataset.Series, error) {
	in, err := cli.StatInput("data", o.Data, 4, 4, "[frames, channels, height, width]")
	if err != nil {
		return dataset.Series{}, err
	}
	if err := guided.CheckTrainingShape(in.String(), in.Shape, o.Crop); err != nil {
		return dataset.Series{}, err
	}
	if in.Src.IsLatLon() && !o.PeriodicHGiven {
		o.PeriodicH = false // periodic in longitude only (--periodic-w), never across the poles
		if o.Resolved != nil {
			o.Resolved("periodic-h", "false")
		}
	}
	if t.Static, err = cli.ReadStatic(o.Budget, o.Static, in.Shape[2], in.Shape[3]); err != nil {
		return dataset.Series{}, err
	}
	if t.Static != nil && len(o.Crop) == 2 && (o.Crop[0] != in.Shape[2] || o.Crop[1] != in.Shape[3]) {
		return dataset.Series{}, fmt.Errorf("--static %s with --crop %d,%d: the static fields would need the same random crops; train on whole %d×%d fields", o.Static.Path, o.Crop[0], o.Crop[1], in.Shape[2], in.Shape[3])
	}
	ins := []*cli.Input{in}
	if o.Static.Path != "" {
		ins = append(ins, &cli.Input{Flag: "static", Path: o.Static.Path})
	}
	if t.Out, err = cli.CheckTrainOut(o.Run, ins...); err != nil {
		return dataset.Series{}, err
	}
	if err := o.Budget.CheckMemory(fmt.Sprintf("training on %s %v", o.Data, in.Shape), guided.TrainingBytes(in.Shape, in.Bytes(), o.ActivationBytes)); err != nil {
		return dataset.Series{}, err
	}
	a, err := in.Read(o.Budget)
	if err != nil {
		return dataset.Series{}, err
	}
	return dataset.TakeArray(in.String(), a) // one copy of the training data, not two
}

// Run keeps the static fields in the run directory, makes the backend and trains (or resumes) the run;
// a run that fails before its first step is removed.
func (t *Training) Run(ctx context.Context) (guided.Summary, error) {
	job := &t.Trainer.Job
	if err := cli.SaveRunStatic(job.Dir, t.Static, job.StartOver); err != nil {
		return guided.Summary{}, err
	}
	_, be, err := newBackend(t.backend)
	if err != nil {
		return guided.Summary{}, err
	}
	defer be.Finalize()
	job.Backend = be
	done := t.Out.Guard()
	sum, err := t.Trainer.Run(ctx)
	done(err)
	return sum, err
}

// newBackend makes a backend with mk, or the one $TIDAL_BACKEND names when mk is nil.
func newBackend(mk func() (string, compute.Backend, error)) (string, compute.Backend, error) {
	if mk != nil {
		return mk()
	}
	return cli.NewBackend()
}
