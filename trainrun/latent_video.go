package trainrun

import (
	"context"
	"fmt"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/guard"
	"github.com/tidal-forecast/tidal/latent"
)

// prepareLatentVideo is `tidal train dydiff --latent` on a video file (docs/VIDEO.md, docs/LATENT.md):
// every frame of every video is encoded with the VAE (the training file through the run's cache), and
// DyDiff trains on the latent videos [V, T, z, h, w] as on pixel videos, conditioned on the file's
// actions (tiled over the latent grid, scaled by their root mean square) unless --actions none. A fresh
// run that fails while it encodes is removed again.
func prepareLatentVideo(o Options, b guard.Budget) (_ *Run, err error) {
	if err := refuseLatentData(o, false); err != nil {
		return nil, err
	}
	shape, vshape, A, inputs, err := videoTrainInputs(&o)
	if err != nil {
		return nil, err
	}
	if err := checkLatentApart(o); err != nil {
		return nil, err
	}
	tr := inputs[0]
	clearLatentSkeleton(o.Run)
	to, err := cli.CheckTrainOut(o.Run, append(inputs, cli.RunDirInput("latent", o.Latent))...)
	if err != nil {
		return nil, err
	}
	r, v, err := openLatentRun(o.Latent, to)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			r.Close()
		}
	}()
	mc, err := latentVideoModel(o, b, v, A, tr, vshape)
	if err != nil {
		return nil, err
	}
	name, be, err := r.startBackend(o, v)
	if err != nil {
		return nil, err
	}
	done := to.Guard()
	defer func() { done(err) }()
	spec := fieldSpec(o, mc)
	spec.Backend = be
	how, err := encodeLatentVideos(o, b, v, &spec, A)
	if err != nil {
		return nil, err
	}
	t, err := dymodel.NewTrainer(spec)
	if err != nil {
		return nil, fmt.Errorf("--data %s (encoded): %w", o.Data, err)
	}
	fmt.Fprintf(o.stderr(), "train dydiff: latent space of %s (frames %v → %v, scale %.6g; %s), η %v, %d-parameter %s network, windows %d+%d from %d videos, %d action components, %d training windows, backend %s\n",
		o.Latent, v.Model.Config.Frame, mc.Frame, v.Record.Scale, how, o.Eta, t.Model.NumParams(), o.Net, o.Context, o.Predict, shape[0], A, t.Windows, name)
	r.Job = t.Job
	return r, nil
}

// latentVideoModel checks the VAE against the videos' frames and the run (checkLatentRun), and the
// latent model's memory (checkVideoModel) and the disk of the cached encoding; it returns the model's
// configuration, its actions' scale left to the training data.
func latentVideoModel(o Options, b guard.Budget, v *latent.VAE, A int, tr *cli.Input, vshape []int) (dymodel.Config, error) {
	if err := checkLatentRun(o, v, tr); err != nil {
		return dymodel.Config{}, err
	}
	mc, err := latentModelConfig(o, v.LatentFrame())
	if err != nil {
		return mc, err
	}
	if err := checkVideoModel(o, b, mc, A, tr, vshape); err != nil {
		return mc, err
	}
	mc.Actions = A
	return mc, b.CheckDisk("the run's latent encoding of --data", o.Run, FrameBytes(tr.Shape[0]*tr.Shape[1], mc.Frame))
}

// encodeLatentVideos reads the videos of --data and --val (with their actions when the model takes A >
// 0 components) and puts their latents into spec: the training videos through the run's cache (which
// encodeLatentData links to the VAE), the validation videos encoded afresh. It says how the training
// videos were encoded.
func encodeLatentVideos(o Options, b guard.Budget, v *latent.VAE, spec *dymodel.TrainSpec, A int) (string, error) {
	if err := readVideoSpec(o, b, spec, A); err != nil {
		return "", err
	}
	z, how, err := encodeLatentData(context.Background(), o, v, spec.Data)
	if err != nil {
		return "", err
	}
	spec.Data = z
	if spec.Val != nil {
		if spec.Val, err = v.EncodeVideos(context.Background(), spec.Val, o.Seed); err != nil {
			return "", fmt.Errorf("--val %s: encoding with --latent %s: %w", o.Val, o.Latent, err)
		}
	}
	return how, nil
}
