package imagerun

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/gomlx/compute"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/guard"
	"github.com/tidal-forecast/tidal/guided"
)

// RolloutOptions are the settings of `tidal rollout` (docs/GUIDED.md), named for its flags: the model
// runs (--idm or --vdm, and --disc), the frames it starts from (--init), the outputs (--out, --truth-out,
// --format), the static fields and the sampler's and rollout's settings; the errors of Rollout name them.
type RolloutOptions struct {
	IDM, VDM, Disc, Init, Out, TruthOut, OutFormat string
	Static                                         cli.StaticFlags
	guided.RolloutSettings
	// Command is the command line the NetCDF outputs record; Budget bounds the memory and disk (the zero
	// value: what the machine has); Backend makes the backend (nil: $TIDAL_BACKEND's); Progress hears
	// the rollout's progress and Warn the warnings about the runs (nil: silent).
	Command        string
	Budget         guard.Budget
	Backend        func() (string, compute.Backend, error)
	Progress, Warn io.Writer
}

// CheckRollout refuses bad options of `tidal rollout` by name; --starts sets the forecast mode's cases.
func CheckRollout(o *RolloutOptions) error {
	if o.Out == "" {
		return fmt.Errorf("--out is required: the output NPY")
	}
	if (o.IDM == "") == (o.VDM == "") {
		return fmt.Errorf("give exactly one of --idm (the image model, guided by --disc) and --vdm (the video baseline)")
	}
	if err := o.RolloutSettings.Check(); err != nil {
		return err
	}
	if o.TruthOut != "" && o.Cases == 0 {
		return fmt.Errorf("--truth-out needs --cases (forecast mode)")
	}
	if err := cli.CheckOutFormat(o.OutFormat); err != nil {
		return err
	}
	if o.Cases == 0 && cli.WantNC(o.OutFormat, o.Out) {
		return fmt.Errorf("--out %s: NetCDF is written for forecasts (--cases); a rollout streams to a resumable NPY [frames, members, C, H, W]", o.Out)
	}
	return nil
}

// Rollout is `tidal rollout`: a long rollout of the model streamed to --out, or with --cases ensemble
// forecasts of the model written with their truth and sidecars. It returns the line the command prints.
func Rollout(ctx context.Context, o RolloutOptions) (string, error) {
	if err := CheckRollout(&o); err != nil {
		return "", err
	}
	init, m, disc, inputs, err := rolloutInputs(o)
	if err != nil {
		return "", err
	}
	cases, err := o.ForecastCases(init.Shape[0], init.String())
	if err != nil {
		return "", err
	}
	if err := checkRolloutBudget(o, init, m); err != nil {
		return "", err
	}
	a, err := init.Read(o.Budget)
	if err != nil {
		return "", err
	}
	if err := m.CheckObserved(a); err != nil {
		return "", fmt.Errorf("%s: %w", init, err)
	}
	_, be, err := newBackend(o.Backend)
	if err != nil {
		return "", err
	}
	defer be.Finalize()
	gen, err := guided.NewGenerator(be, m, disc, o.Sampler)
	if err != nil {
		return "", err
	}
	defer gen.Close()
	if o.Cases > 0 {
		return forecasts(ctx, o, gen, init, a, cases, inputs)
	}
	done := cli.TrackRollout(o.Out, true, false)
	res, err := gen.Rollout(ctx, a, guided.RolloutOptions{Path: o.Out, Frames: o.Frames, Members: o.Members, Seed: o.Seed, Progress: o.Progress})
	if err := done(err); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s: %d frames × %d members of the %s (%d resumed), %.3g s per frame", o.Out, o.Frames, o.Members, gen.Describe(),
		res.Resumed, res.StepTime.Seconds()/float64(max(res.Made, 1))), nil
}

// rolloutInputs reads the header of --init and the runs, checking that the model's frames are --init's,
// the static fields and the outputs; it returns them and the inputs the outputs may not overwrite.
func rolloutInputs(o RolloutOptions) (init *cli.Input, m, disc *guided.Model, inputs []*cli.Input, err error) {
	if err := cli.CheckRunDirs("idm", o.IDM, "vdm", o.VDM, "disc", o.Disc); err != nil {
		return nil, nil, nil, nil, err
	}
	init, err = cli.StatInput("init", o.Init, 4, 4, "[frames, channels, height, width]")
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if init.Shape[0] < guided.Context {
		return nil, nil, nil, nil, fmt.Errorf("%s has %d frame(s): a rollout starts from %d frames xⁿ⁻¹, xⁿ", init, init.Shape[0], guided.Context)
	}
	warn := func(format string, a ...any) {
		if o.Warn != nil {
			fmt.Fprintf(o.Warn, "warning: "+format+"\n", a...)
		}
	}
	if m, disc, err = guided.OpenModels(o.IDM, o.VDM, o.Disc, warn); err != nil {
		return nil, nil, nil, nil, guided.WithFlag(err)
	}
	if err := m.CheckShape(init.Shape); err != nil {
		return nil, nil, nil, nil, fmt.Errorf("%s has %w", init, err)
	}
	if err := cli.CheckForecastStatic(o.Budget, o.Static, m.Run, m.Static(), m.Config.Height, m.Config.Width); err != nil {
		return nil, nil, nil, nil, err
	}
	inputs = []*cli.Input{init, cli.RunDirInput("idm", o.IDM), cli.RunDirInput("vdm", o.VDM), cli.RunDirInput("disc", o.Disc)}
	if err := cli.CheckOutputs(inputs, [2]string{"out", o.Out}, [2]string{"truth-out", o.TruthOut}); err != nil {
		return nil, nil, nil, nil, err
	}
	return init, m, disc, inputs, nil
}

// checkRolloutBudget checks the memory of a rollout and the size of its output
// (guided.RolloutSettings.Bytes) and refuses a finished rollout at --out.
func checkRolloutBudget(o RolloutOptions, init *cli.Input, m *guided.Model) error {
	c := m.Config
	need, outBytes, rows := o.Bytes(c, init.Bytes(), o.TruthOut != "")
	what := fmt.Sprintf("a rollout of %d rows of %d×%d×%d", rows, c.Channels, c.Height, c.Width)
	if err := o.Budget.CheckMemory(what, need); err != nil {
		return err
	}
	if _, err := os.Stat(o.Out); err == nil {
		return fmt.Errorf("--out %s exists; a finished rollout is never overwritten", o.Out)
	}
	return o.Budget.CheckDisk(what, o.Out, outBytes)
}

// forecasts is the forecast mode: an ensemble of each case, written with its truth and sidecars.
func forecasts(ctx context.Context, o RolloutOptions, gen *guided.Generator, init *cli.Input, a *data.Array, cases forecast.Cases, inputs []*cli.Input) (string, error) {
	fc, err := gen.Ensemble(ctx, a, guided.ForecastOptions{Cases: cases, Members: o.Members, Seed: o.Seed, Truth: o.TruthOut != ""})
	if err != nil {
		return "", err
	}
	meta := cli.NCMeta{Command: o.Command, Format: o.OutFormat, Src: init.Src, Run: o.IDM + o.VDM, Seed: o.Seed, Starts: cases.Starts}
	sides, err := cli.ForecastSidecars(init.Path, cases, cli.Maker{Kind: forecast.KindForecast, Method: fc.Kind, Model: fc.Run,
		Members: o.Members, Step: fc.Step, Seed: o.Seed}, o.Out, o.TruthOut, fc.Ensemble.Shape, cli.ShapeOf(fc.Truth))
	if err != nil {
		return "", err
	}
	if err := cli.WriteNPYs(inputs, append([]cli.Output{meta.Output("out", o.Out, "forecast", fc.Ensemble, forecast.Axes([]string{"init", "member", "lead"}, 3)...),
		meta.Output("truth-out", o.TruthOut, "truth", fc.Truth, forecast.Axes([]string{"init", "lead"}, 3)...)}, sides...)); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s: forecasts of the %s %v (cases starting at frames %v)", o.Out, fc.What, fc.Ensemble.Shape, cases.Starts), nil
}
