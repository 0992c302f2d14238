package forecastrun

import (
	"fmt"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/guard"
	"github.com/tidal-forecast/tidal/trainrun"
)

// readActions reads the --actions NPY (dymodel.ReadActions).
func readActions(path string, A int, videos bool) (*data.Array, error) {
	a, err := dymodel.ReadActions(path, A, videos)
	if err != nil {
		return nil, fmt.Errorf("--actions %w", err)
	}
	return a, nil
}

// fieldActions are the actions of a forecast of field series (not videos): --actions, for a model
// trained with actions.
func fieldActions(o Options, m *dymodel.Model) (*data.Array, error) {
	switch {
	case o.Actions == "" || o.Actions == trainrun.ActionsNone:
		return nil, nil // a model with actions refuses the forecast, naming what it needs
	case m.Config.Actions == 0:
		return nil, fmt.Errorf("--actions %s: --run %s was trained without actions", o.Actions, o.Run)
	}
	return readActions(o.Actions, m.Config.Actions, false)
}

// forecastVideo forecasts a video file (action-conditioned video prediction, DyDiff §4.3): case v
// forecasts video v from its frame Context on (--cases N: the first N videos; default all), driven by
// the file's actions or --actions.
func forecastVideo(o Options) error {
	shape, fileA, ins, err := videoInputs(o)
	if err != nil {
		return err
	}
	in := ins[0]
	m, snap, err := loadRun(&o)
	if err != nil {
		return err
	}
	defer snap.Store.Finalize()
	mc := m.Config
	if err := m.CheckFrame(in.String(), shape[2:]); err != nil {
		return err
	}
	cases, lead, err := videoCasesLead(o, m, in, shape)
	if err != nil {
		return err
	}
	acts, err := videoActions(o, mc, in, fileA)
	if err != nil {
		return err
	}
	name, backend := o.backendNamed()
	j := dymodel.Job{Trained: &dymodel.Trained{Dir: o.Run, Model: m, Snapshot: snap}, Backend: backend, Cases: forecast.Cases{Context: mc.Context, Lead: lead}, Videos: cases,
		Options: dymodel.ForecastOptions{Members: o.Members, Sampler: o.samplerOptions(), Seed: o.Seed, Actions: acts, Progress: o.progress()}, Out: o.Out, Budget: o.Budget,
		Size: dymodel.ForecastSize{Unit: "videos", Held: guard.Product(in.Bytes(), 3)}, Name: fmt.Sprintf("--run %s on %s", o.Run, in),
		Read: func() (*data.Array, *data.Array, error) {
			v, err := trainrun.ReadVideoFlag("data", o.Data, o.Budget)
			if err != nil {
				return nil, nil, err
			}
			return v.Frames, v.Actions, nil
		}}
	f, err := j.Run(o.ctx())
	if err != nil {
		return err
	}
	if err := writeForecast(o, ins, f); err != nil { // NPY: --format nc is refused for videos
		return err
	}
	fmt.Fprintf(o.stdout(), "%s: forecast %v of %s step %d (%s, %d steps, backend %s), videos 0..%d from frame %d; truth %s\n",
		o.Out, f.Ensemble.Shape, o.Run, snap.Step, o.Sampler, o.Steps, *name, cases-1, mc.Context, o.TruthOut)
	return nil
}

// videoInputs refuses the options of fields for videos, checks the video file's header and the outputs
// against the inputs; the inputs are --data, --run and --actions FILE.
func videoInputs(o Options) (shape []int, fileA int, ins []*cli.Input, err error) {
	switch {
	case o.Disc != "":
		return nil, 0, nil, fmt.Errorf("--disc %s: guidance is for fields; --data %s holds videos", o.Disc, o.Data)
	case o.Static.Path != "":
		return nil, 0, nil, fmt.Errorf("--static %s: static fields are for fields on a grid; --data %s holds videos", o.Static.Path, o.Data)
	case len(o.Starts) > 0:
		return nil, 0, nil, fmt.Errorf("--starts %v: each video is forecast from its frame --context on; choose the videos with --cases N (the first N)", o.Starts)
	case cli.WantNC(o.Format, o.Out) || cli.WantNC(o.Format, o.TruthOut):
		return nil, 0, nil, fmt.Errorf("--format nc: forecasts of videos are written as NPY")
	}
	if shape, fileA, err = trainrun.StatVideoFlag("data", o.Data); err != nil {
		return nil, 0, nil, err
	}
	ins = []*cli.Input{{Flag: "data", Path: o.Data, Shape: shape, DType: data.Float32}, cli.RunDirInput("run", o.Run)}
	if o.Actions != "" && o.Actions != trainrun.ActionsNone {
		ins = append(ins, &cli.Input{Flag: "actions", Path: o.Actions})
	}
	if err := cli.CheckOutputs(ins, cli.WithSidecars([2]string{"out", o.Out}, [2]string{"truth-out", o.TruthOut})...); err != nil {
		return nil, 0, nil, err
	}
	return shape, fileA, ins, nil
}

// videoCasesLead refuses a time-series model for videos and returns the number of videos forecast
// (--cases, default all) and the lead (--lead, default the model's); the caller checks the frames.
func videoCasesLead(o Options, m *dymodel.Model, in *cli.Input, shape []int) (cases, lead int, err error) {
	mc := m.Config
	if mc.Net == "series" {
		return 0, 0, fmt.Errorf("--run %s is a time-series model; --data %s holds videos", o.Run, o.Data)
	}
	V, T := shape[0], shape[1]
	cases = V
	if o.casesGiven() {
		if o.Cases > V {
			return 0, 0, fmt.Errorf("--cases %d: %s holds %d videos", o.Cases, in, V)
		}
		cases = o.Cases
	}
	lead = o.Lead
	if lead == 0 {
		lead = mc.Predict
	}
	if lead > T-mc.Context {
		return 0, 0, fmt.Errorf("--lead %d: the videos of %s have %d frames, the model's %d context frames leave %d to forecast", lead, in, T, mc.Context, T-mc.Context)
	}
	return cases, lead, nil
}

// videoActions is --actions FILE read for the model (nil: the video file's own, or none).
func videoActions(o Options, mc dymodel.Config, in *cli.Input, fileA int) (*data.Array, error) {
	switch {
	case mc.Actions > 0 && o.Actions == trainrun.ActionsNone:
		return nil, fmt.Errorf("--actions none: --run %s was trained with %d-component actions and needs them", o.Run, mc.Actions)
	case mc.Actions == 0 && o.Actions != "" && o.Actions != trainrun.ActionsNone:
		return nil, fmt.Errorf("--actions %s: --run %s was trained without actions", o.Actions, o.Run)
	case mc.Actions > 0 && o.Actions != "":
		return readActions(o.Actions, mc.Actions, true)
	case mc.Actions > 0 && fileA != mc.Actions:
		return nil, fmt.Errorf("%s: %d action components, --run %s takes %d; give --actions FILE", in, fileA, o.Run, mc.Actions)
	}
	return nil, nil
}
