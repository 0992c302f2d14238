package trainrun

import (
	"fmt"
	"os"

	"github.com/gomlx/compute"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dataset"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/guard"
	"github.com/tidal-forecast/tidal/train"
)

// Prepare checks the options, reads the inputs and prepares the run: DyDiff on fields, on a time series
// (SeriesNet, dymodel.SeriesTrainSpec), on videos with actions, or in a VAE's latent space (Latent: of
// fields, or of videos with actions). It resolves the defaults that depend on the data and on a run
// recorded in Run before, and refuses bad options, inputs and a run directory recorded otherwise, each
// error naming its flag or file; a network that cannot be built is a *NetworkError. Close the run when
// done.
func Prepare(o Options) (*Run, error) {
	if o.Run == "" {
		return nil, fmt.Errorf("--run is required: the run directory")
	}
	seriesData, err := resolveTrainFlags(&o)
	if err != nil {
		return nil, err
	}
	if err := checkTrainDyDiffFlags(&o, seriesData); err != nil {
		return nil, err
	}
	b := o.Budget
	video := IsVideoFile(o.Data) && !seriesData
	if o.Latent != "" && video {
		return prepareLatentVideo(o, b)
	}
	if video {
		return prepareVideo(o, b)
	} else if o.Actions != "" && !seriesData {
		return nil, fmt.Errorf("--actions %s: for video data (--data FILE.npz with frames and actions, tidal data pushing); --data %s holds none", o.Actions, o.Data)
	}
	if o.Latent != "" {
		return prepareLatent(o, b, seriesData)
	}
	if seriesData {
		if o.Static.Path != "" {
			return nil, fmt.Errorf("--static %s: static fields condition networks on fields [frames, channels, H, W]; --data %s is a time series", o.Static.Path, o.Data)
		}
		return prepareSeries(o, b)
	}
	tr, va, static, to, err := fieldTrainInputs(&o, b)
	if err != nil {
		return nil, err
	}
	mc, err := fieldModelConfig(o, tr.Shape[1:], static)
	if err != nil {
		return nil, err
	}
	return prepareFields(o, b, mc, tr, va, static, to)
}

// fieldTrainInputs reads the headers of --data and --val, resolves the grid's periodicity, reads the
// static fields and checks the run directory.
func fieldTrainInputs(o *Options, b guard.Budget) (tr, va *cli.Input, static *dataset.Static, to *cli.TrainOut, err error) {
	changed := o.given
	L := o.Context + o.Predict
	layout := "[frames, channels, height, width]"
	tr, err = cli.StatInput("data", o.Data, 4, 4, layout)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if tr.Shape[0] < L {
		return nil, nil, nil, nil, fmt.Errorf("%s has %d frames, fewer than --context %d + --predict %d = %d of one window", tr, tr.Shape[0], o.Context, o.Predict, L)
	}
	inputs := []*cli.Input{tr}
	if o.Val != "" {
		if va, err = cli.StatInput("val", o.Val, 4, 4, layout); err != nil {
			return nil, nil, nil, nil, err
		}
		if fmt.Sprint(va.Shape[1:]) != fmt.Sprint(tr.Shape[1:]) {
			return nil, nil, nil, nil, fmt.Errorf("%s has frames %v, --data %s has %v", va, va.Shape[1:], o.Data, tr.Shape[1:])
		}
		if va.Shape[0] < L {
			return nil, nil, nil, nil, fmt.Errorf("%s has %d frames, fewer than --context %d + --predict %d = %d of one window", va, va.Shape[0], o.Context, o.Predict, L)
		}
		inputs = append(inputs, va)
	}
	switch {
	case changed("periodic-lon") && o.PeriodicLon && changed("periodic") && o.Periodic:
		return nil, nil, nil, nil, fmt.Errorf("--periodic (both axes) and --periodic-lon (longitude only) exclude each other: give one")
	case !changed("periodic-lon") && !changed("periodic") && tr.Src.IsLatLon():
		o.PeriodicLon = true // a global lat-lon grid: periodic in longitude, not across the poles
	}
	if o.PeriodicLon {
		o.Periodic = false
	}
	static, err = cli.ReadStatic(b, o.Static, tr.Shape[2], tr.Shape[3])
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if static != nil {
		inputs = append(inputs, &cli.Input{Flag: "static", Path: o.Static.Path})
	}
	if info, err := os.Stat(o.Run); err == nil && !info.IsDir() {
		return nil, nil, nil, nil, fmt.Errorf("--run %s is a file; expected a run directory", o.Run)
	}
	to, err = cli.CheckTrainOut(o.Run, inputs...)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	return tr, va, static, to, nil
}

// fieldModelConfig is the DyDiff configuration of the options for frames of the given shape.
func fieldModelConfig(o Options, frame []int, static *dataset.Static) (dymodel.Config, error) {
	mc := dymodel.Config{Method: dymodel.Method, Net: o.Net, Context: o.Context, Predict: o.Predict, Eta: o.Eta,
		Noising: o.Noising, Frame: append([]int(nil), frame...),
		UNet: dymodel.UNetConfig{Channels: o.Channels, Mults: o.Mults, Blocks: o.Blocks, AttnLevels: o.AttnLevels,
			Heads: o.Heads, Groups: o.Groups, Periodic: o.Periodic, PeriodicLon: o.PeriodicLon, Dropout: o.Dropout,
			TemporalConv: o.TemporalConv, TemporalAttn: o.TemporalAttn, Head: o.Head},
		Param: o.Param, Anchor: o.Anchor, ContextNoise: o.CtxNoise}
	if o.Param == dymodel.ParamEDM {
		mc.EDM = dymodel.EDMConfig{SigmaData: o.SigmaData, PMean: o.PMean, PStd: o.PStd, Output: o.EDMOutput}
	}
	if err := setDiT(&mc, o); err != nil {
		return mc, err
	}
	if static != nil {
		n := static.Norm()
		mc.Static = &dymodel.StaticConfig{Channels: static.Channels, Mean: n.Mean, Std: n.Std}
	}
	return mc, nil
}

// prepareFields checks the model and the memory, reads the data and prepares the field model's run.
func prepareFields(o Options, b guard.Budget, mc dymodel.Config, tr, va *cli.Input, static *dataset.Static, to *cli.TrainOut) (*Run, error) {
	L := o.Context + o.Predict
	m, err := dymodel.New(mc)
	if err != nil {
		return nil, &NetworkError{What: tr.String(), Err: err, Options: o}
	}
	if err := m.SetStatic(static); err != nil {
		return nil, fmt.Errorf("--static: %w", err)
	}
	if _, err := m.Schedule.Timesteps(o.PreviewSteps); err != nil && !mc.IsEDM() {
		return nil, fmt.Errorf("--preview-steps %d: %w", o.PreviewSteps, err)
	}
	need := guard.Sum(tr.Bytes(), guard.Product(int64(data.NumElements(tr.Shape)), 4, 2), m.TrainBytes(o.Batch))
	if va != nil {
		need = guard.Sum(need, va.Bytes(), guard.Product(int64(data.NumElements(va.Shape)), 4, 2), m.SampleBytes(o.PreviewMembers))
	}
	what := fmt.Sprintf("training a %d-parameter DyDiff %s network on batches of %d windows %v", m.NumParams(), o.Net, o.Batch, append([]int{L}, mc.Frame...))
	if err := b.CheckMemory(what, need); err != nil {
		return nil, err
	}
	spec := fieldSpec(o, mc)
	spec.Static = static
	if spec.Data, err = tr.Read(b); err != nil {
		return nil, err
	}
	if va != nil {
		if spec.Val, err = va.Read(b); err != nil {
			return nil, err
		}
	}
	r, name, t, err := startTrainer(o, to, spec)
	if err != nil {
		return nil, err
	}
	if err := cli.SaveRunStatic(o.Run, static, o.StartOver); err != nil {
		r.Close()
		return nil, err
	}
	fmt.Fprintf(o.stderr(), "train dydiff: η %v (%s noise), %d-parameter %s network, windows %d+%d of %v, %d training windows, backend %s\n",
		o.Eta, o.Noising, m.NumParams(), o.Net, o.Context, o.Predict, mc.Frame, t.Windows, name)
	r.Job = t.Job
	return r, nil
}

// trainOptions are the training loop's options (package train) from the run's.
func trainOptions(o Options) train.Options {
	t := train.Defaults()
	t.Steps, t.BatchSize, t.LR, t.WarmupSteps, t.Schedule = o.Steps, o.Batch, o.LR, o.Warmup, o.Schedule
	t.WeightDecay, t.ClipNorm, t.EMAHalfLife, t.EMARampUp = o.WeightDecay, o.ClipGradNorm, o.EMAHalfLife, o.EMARampUp
	t.LogEvery, t.CheckpointEvery, t.Keep, t.Seed = o.LogEvery, o.CheckpointEvery, o.KeepCheckpoints, int64(o.Seed)
	t.ValEvery, t.ValBatches, t.PreviewEvery = o.ValEvery, o.ValBatches, o.PreviewEvery
	return t
}

// backendRun makes the backend of the run of o into to: the Run, which releases it, and its name.
// fieldSpec is the training spec of fields and videos as the flags give it, without its data: one copy of
// the training data, not two (Take).
func fieldSpec(o Options, mc dymodel.Config) dymodel.TrainSpec {
	return dymodel.TrainSpec{Config: mc, Options: trainOptions(o), Stride: o.Stride, Dir: o.Run,
		Preview: &dymodel.PreviewOptions{Cases: o.PreviewCases, Members: o.PreviewMembers, Steps: o.PreviewSteps},
		Log:     o.Log, StartOver: o.StartOver, Take: true}
}

// startTrainer starts the backend and prepares the trainer of spec on it, releasing the backend when the
// spec is refused (the error names --data).
func startTrainer(o Options, to *cli.TrainOut, spec dymodel.TrainSpec) (*Run, string, *dymodel.Trainer, error) {
	r, name, be, err := backendRun(o, to)
	if err != nil {
		return nil, "", nil, err
	}
	spec.Backend = be
	t, err := dymodel.NewTrainer(spec)
	if err != nil {
		r.Close()
		return nil, "", nil, fmt.Errorf("--data %s: %w", o.Data, err)
	}
	return r, name, t, nil
}

func backendRun(o Options, to *cli.TrainOut) (*Run, string, compute.Backend, error) {
	name, be, err := newBackend(o.Backend)
	if err != nil {
		return nil, "", nil, err
	}
	return &Run{Out: to, release: []func(){be.Finalize}}, name, be, nil
}

// ReadSeries reads a field series within the budget and checks it (finite values, naming the frame).
func ReadSeries(b guard.Budget, in *cli.Input) (dataset.Series, error) {
	a, err := in.Read(b)
	if err != nil {
		return dataset.Series{}, err
	}
	s, err := dataset.TakeArray(in.String(), a) // one copy of the training data, not two
	if err != nil {
		return dataset.Series{}, err
	}
	return s, nil
}
