package main

import (
	"fmt"

	"github.com/tidal-forecast/tidal/cli"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/guard"
)

// addForecastActionsFlag adds --actions to `forecast`.
func addForecastActionsFlag(f *pflag.FlagSet, v *string) {
	f.StringVar(v, "actions", "", "a model trained with actions: the actions driving the forecast, an NPY [rows, A] (row t the action between frames t and t + 1; for video --data, every video alike) or [videos, rows, A]; default: the video --data file's own")
}

// readActionsFlag reads the --actions NPY of `forecast` (dymodel.ReadActions).
func readActionsFlag(path string, A int, videos bool) (*data.Array, error) {
	a, err := dymodel.ReadActions(path, A, videos)
	if err != nil {
		return nil, fmt.Errorf("--actions %w", err)
	}
	return a, nil
}

// forecastActions are the actions of a forecast of field series (not videos): --actions, for a model
// trained with actions.
func forecastActions(fl forecastFlags, m *dymodel.Model) (*data.Array, error) {
	switch {
	case fl.actions == "" || fl.actions == actionsNone:
		return nil, nil // a model with actions refuses the forecast, naming what it needs
	case m.Config.Actions == 0:
		return nil, fmt.Errorf("--actions %s: --run %s was trained without actions", fl.actions, fl.model)
	}
	return readActionsFlag(fl.actions, m.Config.Actions, false)
}

// runForecastVideo is `forecast` on a video file: case v forecasts video v from its frame Context on
// (--cases N: the first N videos; default all), driven by the file's actions or --actions.
func runForecastVideo(cmd *cobra.Command, fl forecastFlags, b guard.Budget) error {
	shape, fileA, ins, err := videoForecastInputs(fl)
	if err != nil {
		return err
	}
	in := ins[0]
	m, snap, err := loadForecastRun(&fl, warner(cmd))
	if err != nil {
		return err
	}
	defer snap.Store.Finalize()
	mc := m.Config
	cases, lead, err := videoCasesLead(cmd, fl, m, in, shape)
	if err != nil {
		return err
	}
	acts, err := videoForecastActions(fl, mc, in, fileA)
	if err != nil {
		return err
	}
	name, backend := backendNamed()
	j := dymodel.Job{Trained: &dymodel.Trained{Dir: fl.model, Model: m, Snapshot: snap}, Backend: backend, Cases: forecast.Cases{Context: mc.Context, Lead: lead}, Videos: cases,
		Options: dymodel.ForecastOptions{Members: fl.members, Sampler: fl.samplerOptions(), Seed: fl.seed, Actions: acts}, Out: fl.out, Budget: b,
		Size: dymodel.ForecastSize{Unit: "videos", Held: guard.Product(in.Bytes(), 3)}, Name: fmt.Sprintf("--run %s on %s", fl.model, in),
		Read: func() (*data.Array, *data.Array, error) {
			v, err := readVideoFlag("data", fl.data, b)
			if err != nil {
				return nil, nil, err
			}
			return v.Frames, v.Actions, nil
		}}
	if !fl.quiet {
		j.Options.Progress = cmd.ErrOrStderr()
	}
	f, err := j.Run(cmd.Context())
	if err != nil {
		return err
	}
	if err := writeForecast(cmd, fl, ins, f); err != nil { // NPY: --format nc is refused for videos
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s: forecast %v of %s step %d (%s, %d steps, backend %s), videos 0..%d from frame %d; truth %s\n",
		fl.out, f.Ensemble.Shape, fl.model, snap.Step, fl.sampler, fl.steps, *name, cases-1, mc.Context, fl.truthOut)
	return nil
}

// videoForecastInputs refuses the flags of fields for videos, checks the video file's header and the
// outputs against the inputs; the inputs are --data, --run and --actions FILE.
func videoForecastInputs(fl forecastFlags) (shape []int, fileA int, ins []*cli.Input, err error) {
	switch {
	case fl.disc != "":
		return nil, 0, nil, fmt.Errorf("--disc %s: guidance is for fields; --data %s holds videos", fl.disc, fl.data)
	case fl.static.Path != "":
		return nil, 0, nil, fmt.Errorf("--static %s: static fields are for fields on a grid; --data %s holds videos", fl.static.Path, fl.data)
	case len(fl.starts) > 0:
		return nil, 0, nil, fmt.Errorf("--starts %v: each video is forecast from its frame --context on; choose the videos with --cases N (the first N)", fl.starts)
	case cli.WantNC(fl.outFormat, fl.out) || cli.WantNC(fl.outFormat, fl.truthOut):
		return nil, 0, nil, fmt.Errorf("--format nc: forecasts of videos are written as NPY")
	}
	if shape, fileA, err = statVideoFlag("data", fl.data); err != nil {
		return nil, 0, nil, err
	}
	ins = []*cli.Input{{Flag: "data", Path: fl.data, Shape: shape, DType: data.Float32}, cli.RunDirInput("run", fl.model)}
	if fl.actions != "" && fl.actions != actionsNone {
		ins = append(ins, &cli.Input{Flag: "actions", Path: fl.actions})
	}
	if err := cli.CheckOutputs(ins, cli.WithSidecars([2]string{"out", fl.out}, [2]string{"truth-out", fl.truthOut})...); err != nil {
		return nil, 0, nil, err
	}
	return shape, fileA, ins, nil
}

// videoCasesLead checks the model against the videos and returns the number of videos forecast and the
// lead.
func videoCasesLead(cmd *cobra.Command, fl forecastFlags, m *dymodel.Model, in *cli.Input, shape []int) (cases, lead int, err error) {
	mc := m.Config
	if mc.Net == "series" {
		return 0, 0, fmt.Errorf("--run %s is a time-series model; --data %s holds videos", fl.model, fl.data)
	}
	if err := m.CheckFrame(in.String(), shape[2:]); err != nil {
		return 0, 0, err
	}
	V, T := shape[0], shape[1]
	cases = V
	if cmd.Flags().Changed("cases") || cmd.Flags().Changed("num-cases") {
		if fl.cases > V {
			return 0, 0, fmt.Errorf("--cases %d: %s holds %d videos", fl.cases, in, V)
		}
		cases = fl.cases
	}
	lead = fl.lead
	if lead == 0 {
		lead = mc.Predict
	}
	if lead > T-mc.Context {
		return 0, 0, fmt.Errorf("--lead %d: the videos of %s have %d frames, the model's %d context frames leave %d to forecast", lead, in, T, mc.Context, T-mc.Context)
	}
	return cases, lead, nil
}

// videoForecastActions is --actions FILE read for the model (nil: the video file's own, or none).
func videoForecastActions(fl forecastFlags, mc dymodel.Config, in *cli.Input, fileA int) (*data.Array, error) {
	switch {
	case mc.Actions > 0 && fl.actions == actionsNone:
		return nil, fmt.Errorf("--actions none: --run %s was trained with %d-component actions and needs them", fl.model, mc.Actions)
	case mc.Actions == 0 && fl.actions != "" && fl.actions != actionsNone:
		return nil, fmt.Errorf("--actions %s: --run %s was trained without actions", fl.actions, fl.model)
	case mc.Actions > 0 && fl.actions != "":
		return readActionsFlag(fl.actions, mc.Actions, true)
	case mc.Actions > 0 && fileA != mc.Actions:
		return nil, fmt.Errorf("%s: %d action components, --run %s takes %d; give --actions FILE", in, fileA, fl.model, mc.Actions)
	}
	return nil, nil
}
