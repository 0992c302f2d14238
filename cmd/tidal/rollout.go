package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/cli/config"
	"github.com/tidal-forecast/tidal/guided"
	"github.com/tidal-forecast/tidal/imagerun"
)

func init() { rootCmd.AddCommand(newRolloutCmd()) }

// rolloutFlags are the flags of `tidal rollout`: the job's options (imagerun.RolloutOptions) and --quiet.
type rolloutFlags struct {
	imagerun.RolloutOptions
	quiet bool
}

func newRolloutCmd() *cobra.Command {
	var fl rolloutFlags
	cmd := &cobra.Command{
		Use:   "rollout (--idm RUN | --vdm RUN) [--disc RUN --lambda 14] --init frames.npy --frames N --out roll.npy",
		Short: "Roll the guided image model (or the video baseline) forward autoregressively, or make ensemble forecasts",
		Long: `rollout generates a trajectory frame after frame (Hess et al. 2025, §3–4; docs/GUIDED.md): each new
frame starts from fresh noise and is sampled with EDM's stochastic Heun sampler (Tab. 1 defaults), by the
image model --idm guided by the discriminator --disc with strength --lambda (D′ = D + λσ²∇ₓ logit, at
both Heun stages; or λ per noise band, --lambda-bands), by the unguided image model (no --disc, or --lambda 0), or by the video model --vdm,
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

// runRollout maps the flags onto imagerun.RolloutOptions: a long rollout or, with --cases, ensemble
// forecasts of the model.
func runRollout(cmd *cobra.Command, fl rolloutFlags) error {
	o := fl.RolloutOptions
	if len(o.Sampler.LambdaBands) > 0 {
		if cmd.Flags().Changed("lambda") {
			return fmt.Errorf("--lambda %g and --lambda-bands %s: give one of them (the bands set λ at every σ)", o.Sampler.Lambda, o.Sampler.LambdaBands)
		}
		o.Sampler.Lambda = 0 // the bands replace --lambda's default
	}
	o.Command, o.Backend, o.Progress, o.Warn = cli.CommandLine(cmd), cli.NewBackend, cli.ProgressWriter(cmd, fl.quiet), cmd.ErrOrStderr()
	var err error
	if o.Budget, err = cli.Budget(); err != nil {
		return err
	}
	line, err := imagerun.Rollout(cmd.Context(), o)
	if err != nil {
		return err
	}
	fmt.Fprintln(cmd.OutOrStdout(), line)
	return nil
}

// addRolloutFlags adds the flags of `tidal rollout`, the sampler's defaulting to the paper's (Tab. 1).
func addRolloutFlags(cmd *cobra.Command, fl *rolloutFlags) {
	d := guided.DefaultSamplerOptions()
	f := cmd.Flags()
	f.StringVar(&fl.IDM, "idm", "", "run directory of 'tidal train idm' (the image model)")
	f.StringVar(&fl.VDM, "vdm", "", "run directory of 'tidal train vdm' (the video baseline), instead of --idm")
	f.StringVar(&fl.Disc, "disc", "", "run directory of 'tidal train discriminator' guiding --idm or --vdm (none: unguided)")
	f.Float64Var(&fl.Sampler.Lambda, "lambda", d.Lambda, "guidance strength λ (Tab. 1: 14 for vorticity, 68 for ERA5; 0: unguided)")
	f.StringVar(&fl.Init, "init", "", "frames [frames, channels, height, width] (NPY): the rollout starts from the last two; forecasts take their cases from it")
	f.IntVar(&fl.Frames, "frames", 100, "frames to generate (rollout)")
	f.IntVar(&fl.Members, "members", 1, "trajectories (ensemble members) sampled in one batch")
	f.Uint64Var(&fl.Seed, "seed", 0, "seed of the noise (keyed by frame and member)")
	f.StringVar(&fl.Out, "out", "", "output NPY: the rollout [frames, members, C, H, W], or with --cases the forecast [cases, members, lead, C, H, W]")
	f.Var((*cli.CasesCount)(&fl.Cases), "cases", "make ensemble forecasts for this many cases spread over --init instead of a rollout (0: a rollout)")
	f.IntSliceVar(&fl.Starts, "starts", nil, "make ensemble forecasts for the cases starting at these frames of --init instead of --cases, e.g. 5,20,35")
	f.IntVar(&fl.Lead, "lead", 10, "frames per forecast (with --cases)")
	f.StringVar(&fl.TruthOut, "truth-out", "", "with --cases: the true frames [cases, lead, C, H, W] (NPY)")
	f.IntVar(&fl.Sampler.Grid.Steps, "sampler-steps", d.Grid.Steps, "sampler steps N (Tab. 1: 50 vorticity, 100 ERA5)")
	f.Float64Var(&fl.Sampler.Grid.SigmaMin, "sigma-min", d.Grid.SigmaMin, "smallest noise level σ_min")
	f.Float64Var(&fl.Sampler.Grid.SigmaMax, "sigma-max", d.Grid.SigmaMax, "largest noise level σ_max")
	f.Float64Var(&fl.Sampler.Grid.Rho, "rho", d.Grid.Rho, "ρ of the σ grid")
	f.Float64Var(&fl.Sampler.Heun.Churn, "churn", d.Heun.Churn, "S_churn (Tab. 1: 55 vorticity, 80 ERA5)")
	f.Float64Var(&fl.Sampler.Heun.Noise, "s-noise", d.Heun.Noise, "S_noise (Tab. 1: 1.005 vorticity, 1.0 ERA5)")
	f.Float64Var(&fl.Sampler.Heun.TMin, "s-tmin", d.Heun.TMin, "S_tmin: churn only for σ ≥ S_tmin")
	f.Float64Var(&fl.Sampler.Heun.TMax, "s-tmax", d.Heun.TMax, "S_tmax: churn only for σ ≤ S_tmax")
	f.Float64Var(&fl.Sampler.GuideSigmaMax, "guide-sigma-max", 0, "guide only at σ ≤ this (0: at every step, the paper's; DG uses a window, UNCONFIRMED)")
	f.Var(&fl.Sampler.LambdaBands, "lambda-bands", "guidance strength per noise band instead of --lambda (give one of the two), e.g. 0.05=40,0.5=14,inf=4: λ 40 for σ ≤ 0.05, 14 for 0.05 < σ ≤ 0.5, 4 above; edges increasing, the last inf, σ in the model's normalised units; not with --guide-sigma-max (a window is s=λ,inf=0)")
	cli.AddOutFormatFlag(f, &fl.OutFormat)
	cli.AddStaticFlags(f, &fl.Static, "optional; a model trained with --static uses the fields its run keeps (static.npy), and this must be the same")
	f.BoolVar(&fl.quiet, "quiet", false, "no progress output")
	config.AddFlag(cmd)
	cli.DeprecatedAlias(f, "steps", "sampler-steps")
}
