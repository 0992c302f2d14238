package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/guard"
	"github.com/tidal-forecast/tidal/guided"
	"github.com/tidal-forecast/tidal/internal/config"
)

func init() { rootCmd.AddCommand(newRolloutCmd()) }

// rolloutFlags are the flags of `tidal rollout`: the inputs and outputs and the settings
// (guided.RolloutSettings).
type rolloutFlags struct {
	idm, vdm, disc, init, out, truthOut string
	outFormat                           string
	quiet                               bool
	static                              cli.StaticFlags
	guided.RolloutSettings
}

func newRolloutCmd() *cobra.Command {
	var fl rolloutFlags
	cmd := &cobra.Command{
		Use:   "rollout (--idm RUN | --vdm RUN) [--disc RUN --lambda 14] --init frames.npy --frames N --out roll.npy",
		Short: "Roll the guided image model (or the video baseline) forward autoregressively, or make ensemble forecasts",
		Long: `rollout generates a trajectory frame after frame (Hess et al. 2025, §3–4; docs/GUIDED.md): each new
frame starts from fresh noise and is sampled with EDM's stochastic Heun sampler (Tab. 1 defaults), by the
image model --idm guided by the discriminator --disc with strength --lambda (D′ = D + λσ²∇ₓ logit, at
both Heun stages), by the unguided image model (no --disc, or --lambda 0), or by the video model --vdm,
which --disc guides too (the paper's open question 2). Frames of several channels (e.g. ζ, u, v) are
guided alike. The guide and the video model are conditioned on the two previous frames; the rollout starts from the last
two frames of --init [frames, channels, height, width].

Rollout (default): --members trajectories in one batch, streamed to --out [frames, members, C, H, W]
with flat memory; an interrupted run (even kill -9) resumes when the same command is run again, to the
same bytes, because each frame's noise is keyed by (--seed, frame, member).

Forecasts (--cases K): K cases spread evenly over --init, each with --members members and --lead frames,
written to --out [cases, members, lead, C, H, W] and the true frames to --truth-out [cases, lead, C, H, W]:
'tidal score --forecast OUT --obs TRUTH' scores them.`,
		Example: `  tidal rollout --idm runs/idm --disc runs/disc --lambda 14 --init test.npy --frames 4000 --out guided.npy
  tidal rollout --vdm runs/vdm --init test.npy --frames 4000 --out vdm.npy
  tidal rollout --idm runs/idm --disc runs/disc --init test.npy --cases 20 --lead 10 --members 10 --out fc.npy --truth-out truth.npy`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := config.Apply(cmd); err != nil {
				return err
			}
			return runRollout(cmd, fl)
		},
	}
	addRolloutFlags(cmd, &fl)
	return cmd
}

// runRollout maps the flags to a long rollout or, with --cases, to ensemble forecasts of the model.
func runRollout(cmd *cobra.Command, fl rolloutFlags) error {
	if err := checkRolloutFlags(&fl); err != nil {
		return err
	}
	b, err := cli.Budget()
	if err != nil {
		return err
	}
	init, m, disc, inputs, err := rolloutInputs(cmd, fl, b)
	if err != nil {
		return err
	}
	cases, err := fl.ForecastCases(init.Shape[0], init.String())
	if err != nil {
		return err
	}
	if err := checkRolloutBudget(b, fl, init, m); err != nil {
		return err
	}
	a, err := init.Read(b)
	if err != nil {
		return err
	}
	if err := m.CheckObserved(a); err != nil {
		return fmt.Errorf("%s: %w", init, err)
	}
	_, be, err := cli.NewBackend()
	if err != nil {
		return err
	}
	defer be.Finalize()
	gen, err := guided.NewGenerator(be, m, disc, fl.Sampler)
	if err != nil {
		return err
	}
	defer gen.Close()
	if fl.Cases > 0 {
		return rolloutForecasts(cmd, fl, gen, init, a, cases, inputs)
	}
	done := cli.TrackRollout(fl.out, true, false)
	res, err := gen.Rollout(cmd.Context(), a, guided.RolloutOptions{Path: fl.out, Frames: fl.Frames, Members: fl.Members, Seed: fl.Seed, Progress: cli.ProgressWriter(cmd, fl.quiet)})
	if err := done(err); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s: %d frames × %d members of the %s (%d resumed), %.3g s per frame\n", fl.out, fl.Frames, fl.Members, gen.Describe(fl.Sampler.Lambda),
		res.Resumed, res.StepTime.Seconds()/float64(max(res.Made, 1)))
	return nil
}

// addRolloutFlags adds the flags of `tidal rollout`, the sampler's defaulting to the paper's (Tab. 1).
func addRolloutFlags(cmd *cobra.Command, fl *rolloutFlags) {
	d := guided.DefaultSamplerOptions()
	f := cmd.Flags()
	f.StringVar(&fl.idm, "idm", "", "run directory of 'tidal train idm' (the image model)")
	f.StringVar(&fl.vdm, "vdm", "", "run directory of 'tidal train vdm' (the video baseline), instead of --idm")
	f.StringVar(&fl.disc, "disc", "", "run directory of 'tidal train discriminator' guiding --idm or --vdm (none: unguided)")
	f.Float64Var(&fl.Sampler.Lambda, "lambda", d.Lambda, "guidance strength λ (Tab. 1: 14 for vorticity, 68 for ERA5; 0: unguided)")
	f.StringVar(&fl.init, "init", "", "frames [frames, channels, height, width] (NPY): the rollout starts from the last two; forecasts take their cases from it")
	f.IntVar(&fl.Frames, "frames", 100, "frames to generate (rollout)")
	f.IntVar(&fl.Members, "members", 1, "trajectories (ensemble members) sampled in one batch")
	f.Uint64Var(&fl.Seed, "seed", 0, "seed of the noise (keyed by frame and member)")
	f.StringVar(&fl.out, "out", "", "output NPY: the rollout [frames, members, C, H, W], or with --cases the forecast [cases, members, lead, C, H, W]")
	f.Var((*cli.CasesCount)(&fl.Cases), "cases", "make ensemble forecasts for this many cases spread over --init instead of a rollout (0: a rollout)")
	f.IntSliceVar(&fl.Starts, "starts", nil, "make ensemble forecasts for the cases starting at these frames of --init instead of --cases, e.g. 5,20,35")
	f.IntVar(&fl.Lead, "lead", 10, "frames per forecast (with --cases)")
	f.StringVar(&fl.truthOut, "truth-out", "", "with --cases: the true frames [cases, lead, C, H, W] (NPY)")
	f.IntVar(&fl.Sampler.Grid.Steps, "sampler-steps", d.Grid.Steps, "sampler steps N (Tab. 1: 50 vorticity, 100 ERA5)")
	f.Float64Var(&fl.Sampler.Grid.SigmaMin, "sigma-min", d.Grid.SigmaMin, "smallest noise level σ_min")
	f.Float64Var(&fl.Sampler.Grid.SigmaMax, "sigma-max", d.Grid.SigmaMax, "largest noise level σ_max")
	f.Float64Var(&fl.Sampler.Grid.Rho, "rho", d.Grid.Rho, "ρ of the σ grid")
	f.Float64Var(&fl.Sampler.Heun.Churn, "churn", d.Heun.Churn, "S_churn (Tab. 1: 55 vorticity, 80 ERA5)")
	f.Float64Var(&fl.Sampler.Heun.Noise, "s-noise", d.Heun.Noise, "S_noise (Tab. 1: 1.005 vorticity, 1.0 ERA5)")
	f.Float64Var(&fl.Sampler.Heun.TMin, "s-tmin", d.Heun.TMin, "S_tmin: churn only for σ ≥ S_tmin")
	f.Float64Var(&fl.Sampler.Heun.TMax, "s-tmax", d.Heun.TMax, "S_tmax: churn only for σ ≤ S_tmax")
	f.Float64Var(&fl.Sampler.GuideSigmaMax, "guide-sigma-max", 0, "guide only at σ ≤ this (0: at every step, the paper's; DG uses a window, UNCONFIRMED)")
	cli.AddOutFormatFlag(f, &fl.outFormat)
	cli.AddStaticFlags(f, &fl.static, "optional; a model trained with --static uses the fields its run keeps (static.npy), and this must be the same")
	f.BoolVar(&fl.quiet, "quiet", false, "no progress output")
	config.AddFlag(cmd)
	cli.DeprecatedAlias(f, "steps", "sampler-steps")
}

// checkRolloutFlags refuses bad flags of `tidal rollout` by name; --starts sets the forecast mode's cases.
func checkRolloutFlags(fl *rolloutFlags) error {
	if fl.out == "" {
		return fmt.Errorf("--out is required: the output NPY")
	}
	if (fl.idm == "") == (fl.vdm == "") {
		return fmt.Errorf("give exactly one of --idm (the image model, guided by --disc) and --vdm (the video baseline)")
	}
	if err := fl.RolloutSettings.Check(); err != nil {
		return err
	}
	if fl.truthOut != "" && fl.Cases == 0 {
		return fmt.Errorf("--truth-out needs --cases (forecast mode)")
	}
	if err := checkRolloutOutFormat(*fl); err != nil {
		return err
	}
	return nil
}

// rolloutInputs reads the header of --init and the runs, checking that the model's frames are --init's,
// the static fields and the outputs; it returns them and the inputs the outputs may not overwrite.
func rolloutInputs(cmd *cobra.Command, fl rolloutFlags, b guard.Budget) (init *cli.Input, m, disc *guided.Model, inputs []*cli.Input, err error) {
	if err := cli.CheckRunDirs("idm", fl.idm, "vdm", fl.vdm, "disc", fl.disc); err != nil {
		return nil, nil, nil, nil, err
	}
	init, err = cli.StatInput("init", fl.init, 4, 4, "[frames, channels, height, width]")
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if init.Shape[0] < guided.Context {
		return nil, nil, nil, nil, fmt.Errorf("%s has %d frame(s): a rollout starts from %d frames xⁿ⁻¹, xⁿ", init, init.Shape[0], guided.Context)
	}
	warn := func(format string, a ...any) { fmt.Fprintf(cmd.ErrOrStderr(), "warning: "+format+"\n", a...) }
	m, disc, err = guided.LoadModels(fl.idm, fl.vdm, fl.disc, warn)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if err := m.CheckShape(init.Shape); err != nil {
		return nil, nil, nil, nil, fmt.Errorf("%s has %w", init, err)
	}
	if err := cli.CheckForecastStatic(b, fl.static, m.Run, m.Static(), m.Config.Height, m.Config.Width); err != nil {
		return nil, nil, nil, nil, err
	}
	inputs = []*cli.Input{init, cli.RunDirInput("idm", fl.idm), cli.RunDirInput("vdm", fl.vdm), cli.RunDirInput("disc", fl.disc)}
	if err := cli.CheckOutputs(inputs, [2]string{"out", fl.out}, [2]string{"truth-out", fl.truthOut}); err != nil {
		return nil, nil, nil, nil, err
	}
	return init, m, disc, inputs, nil
}

// rolloutForecasts is the forecast mode: an ensemble of each case, written with its truth and sidecars.
func rolloutForecasts(cmd *cobra.Command, fl rolloutFlags, gen *guided.Generator, init *cli.Input, a *data.Array, cases forecast.Cases, inputs []*cli.Input) error {
	fc, err := gen.Ensemble(cmd.Context(), a, guided.ForecastOptions{Cases: cases, Members: fl.Members, Seed: fl.Seed, Truth: fl.truthOut != ""})
	if err != nil {
		return err
	}
	meta := cli.NCMeta{Cmd: cmd, Format: fl.outFormat, Src: init.Src, Run: fl.idm + fl.vdm, Seed: fl.Seed, Starts: cases.Starts}
	sides, err := cli.ForecastSidecars(init.Path, cases, cli.Maker{Kind: forecast.KindForecast, Method: fc.Kind, Model: fc.Run,
		Members: fl.Members, Step: fc.Step, Seed: fl.Seed}, fl.out, fl.truthOut, fc.Ensemble.Shape, cli.ShapeOf(fc.Truth))
	if err != nil {
		return err
	}
	if err := cli.WriteNPYs(inputs, append([]cli.Output{meta.Output("out", fl.out, "forecast", fc.Ensemble, forecast.Axes([]string{"init", "member", "lead"}, 3)...),
		meta.Output("truth-out", fl.truthOut, "truth", fc.Truth, forecast.Axes([]string{"init", "lead"}, 3)...)}, sides...)); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s: forecasts of the %s %v (cases starting at frames %v)\n", fl.out, fc.What, fc.Ensemble.Shape, cases.Starts)
	return nil
}

// checkRolloutBudget checks the memory of a rollout and the size of its output
// (guided.RolloutSettings.Bytes) and refuses a finished rollout at --out.
func checkRolloutBudget(b guard.Budget, fl rolloutFlags, init *cli.Input, m *guided.Model) error {
	c := m.Config
	need, outBytes, rows := fl.Bytes(c, init.Bytes(), fl.truthOut != "")
	what := fmt.Sprintf("a rollout of %d rows of %d×%d×%d", rows, c.Channels, c.Height, c.Width)
	if err := b.CheckMemory(what, need); err != nil {
		return err
	}
	if _, err := os.Stat(fl.out); err == nil {
		return fmt.Errorf("--out %s exists; a finished rollout is never overwritten", fl.out)
	}
	return b.CheckDisk(what, fl.out, outBytes)
}

// checkRolloutOutFormat refuses NetCDF for the long rollout, which streams to a resumable NPY.
func checkRolloutOutFormat(fl rolloutFlags) error {
	if err := cli.CheckOutFormat(fl.outFormat); err != nil {
		return err
	}
	if fl.Cases == 0 && cli.WantNC(fl.outFormat, fl.out) {
		return fmt.Errorf("--out %s: NetCDF is written for forecasts (--cases); a rollout streams to a resumable NPY [frames, members, C, H, W]", fl.out)
	}
	return nil
}
