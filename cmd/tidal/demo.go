package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/cli/config"
	"github.com/tidal-forecast/tidal/demo"
	"github.com/tidal-forecast/tidal/guided"
)

func init() { rootCmd.AddCommand(newDemoCmd()) }

// demoCommands makes a fresh instance of each command a demo stage runs, by its command words.
var demoCommands = map[string]func() *cobra.Command{
	"data navier-stokes": newNavierStokesCmd, "train dydiff": newTrainDyDiffCmd,
	"train idm":           func() *cobra.Command { return newTrainImageCmd(guided.KindIDM) },
	"train vdm":           func() *cobra.Command { return newTrainImageCmd(guided.KindVDM) },
	"train discriminator": newTrainDiscCmd, "baseline": newBaselineCmd, "forecast": newForecastCmd,
	"rollout": newRolloutCmd, "score": newScoreCmd, "score rollout": newScoreRolloutCmd, "report": newReportCmd,
}

func newDemoCmd() *cobra.Command {
	var fl demo.Options
	var printConfig, quiet bool
	cmd := &cobra.Command{
		Use: "demo [--quick] [--out DIR] [--config FILE.yaml]",
		Example: `  tidal demo --quick --out demo-quick
  tidal demo --seed 2 --out demo-s2 --quiet
  tidal demo --print-config`,
		Short: "The main job: simulate turbulence, train every model, forecast, roll out, score and write a report",
		Long: `demo runs tidal's whole pipeline in one process (docs/DEMO.md), each stage through the same code as its
command:
  1. tidal data navier-stokes        forced 2D turbulence, split 0.7/0.1/0.2 into train/val/test
  2. tidal train dydiff              Dynamical Diffusion (η 0.5) and its DPM baseline (--eta 0)
  3. tidal train idm|vdm|discriminator   the image model, the video baseline, the guide
  4. tidal baseline                  persistence and climatology ensembles
  5. tidal forecast / tidal rollout --cases   DyDiff, DPM, guided and unguided IDM, VDM ensemble forecasts
  6. tidal rollout                   long rollouts (guided, unguided, VDM) for the time-consistency scores
  7. tidal score, tidal score rollout, tidal report   into DIR/report/report.html
Running it again with the same --out reuses every finished stage: training runs resume or say they are
finished, outputs that exist are kept. --quick is a ≤ 3 minute version (its sizes apply to the flags not
given on the command line or in --config). --print-config prints the resolved flags as YAML: edit them and
run 'tidal demo --config FILE.yaml'. The same --seed and --backend give the same numbers.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return demoCmdRun(cmd, &fl, &printConfig) },
	}
	addDemoFlags(cmd, &fl, &printConfig, &quiet)
	return cmd
}

// demoCmdRun applies --quick and --config, checks the sizes, and prints the resolved flags
// (--print-config) or runs the demo.
func demoCmdRun(cmd *cobra.Command, fl *demo.Options, printConfig *bool) error {
	if fl.Quick {
		for name, v := range demo.Presets {
			if f := cmd.Flags().Lookup(name); f != nil && !f.Changed {
				if err := f.Value.Set(v); err != nil {
					return err
				}
			}
		}
	}
	if err := config.Apply(cmd); err != nil {
		return err
	}
	if err := fl.Check(); err != nil {
		return err
	}
	if *printConfig {
		if err := cmd.Flags().Set("print-config", "false"); err != nil { // the printed config runs the demo
			return err
		}
		b, err := config.Marshal(cmd)
		if err != nil {
			return err
		}
		_, err = cmd.OutOrStdout().Write(b)
		return err
	}
	return runDemo(cmd, *fl)
}

// addDemoFlags adds the flags of `tidal demo`: the sizes of every stage.
func addDemoFlags(cmd *cobra.Command, fl *demo.Options, printConfig, quiet *bool) {
	f := cmd.Flags()
	config.AddFlag(cmd)
	f.StringVar(&fl.Out, "out", "demo-out", "output folder (created; a second run reuses its finished stages)")
	f.BoolVar(&fl.Quick, "quick", false, "the ≤ 3 minute sizes for the flags not given (on the command line)")
	f.BoolVar(printConfig, "print-config", false, "print the resolved flags as YAML (for --config) and exit")
	f.Uint64Var(&fl.Seed, "seed", 1, "seed of the simulation, the weights and the sampling noise")
	f.IntVar(&fl.Size, "size", 16, "grid size of the turbulence (cells per side)")
	f.IntVar(&fl.Frames, "frames", 600, "frames simulated (after the spin-up)")
	f.IntVar(&fl.Spinup, "spinup", 3000, "solver steps of spin-up before the first frame")
	f.IntVar(&fl.Steps, "steps", 600, "optimiser (AdamW) steps of each of the four trainings of a model")
	f.IntVar(&fl.Batch, "batch", 8, "training batch size")
	f.IntVar(&fl.Width, "channels", 16, "base width (channels) of every network")
	f.IntVar(&fl.Members, "members", 8, "ensemble members of each forecast")
	f.IntVar(&fl.Cases, "cases", 12, "forecast cases spread over the test split")
	f.IntVar(&fl.Lead, "lead", 8, "frames per forecast")
	f.IntVar(&fl.Sampling, "sampler-steps", 10, "sampler steps (Heun for DyDiff and DPM, stochastic Heun for IDM and VDM)")
	f.IntVar(&fl.Rollouts, "rollout-frames", 150, "frames of each long rollout")
	f.Float64Var(&fl.Lambda, "lambda", 14, "discriminator-guidance strength λ (Hess et al. 2025, Tab. 1)")
	// The guide's budget and noise levels (docs/DEMO.md measures them): the discriminator is small and
	// cheap, and it needs far more examples than the 600 steps of 8 the other models get before its
	// gradient carries the conditioning frames into the sample; trained at the image model's noise levels,
	// ln σ ~ N(−1.2, 1.2²), it rarely sees the σ ≳ 1 where a sample's large scales are decided.
	f.IntVar(&fl.DiscSteps, "disc-steps", 4000, "AdamW steps of the discriminator")
	f.IntVar(&fl.DiscBatch, "disc-batch", 32, "discriminator batch size (half positives, half negatives)")
	f.Float64Var(&fl.DiscPMean, "disc-p-mean", 0, "the discriminator's training noise ln σ ~ N(p-mean, p-std²) (the paper: the image model's, −1.2 and 1.2)")
	f.Float64Var(&fl.DiscPStd, "disc-p-std", 1.5, "the discriminator's training noise ln σ ~ N(p-mean, p-std²)")
	f.BoolVar(quiet, "quiet", false, "no progress output of the stages (their results and the stage lines are still printed)")
	cli.DeprecatedAlias(f, "train-steps", "steps")
	cli.DeprecatedAlias(f, "width", "channels")
	cli.DeprecatedAlias(f, "sampling-steps", "sampler-steps")
}

// runDemo runs the stages of the demo (demo.Run), each command in-process through a fresh instance.
func runDemo(cmd *cobra.Command, fl demo.Options) error {
	b, err := cli.Budget()
	if err != nil {
		return err
	}
	quiet, _ := cmd.Flags().GetBool("quiet")
	return demo.Run(cmd.Context(), fl, b, cmd.OutOrStdout(), func(ctx context.Context, words string, args []string, w io.Writer) error {
		newCmd, ok := demoCommands[words]
		if !ok {
			return fmt.Errorf("no command %q", words)
		}
		c := newCmd()
		c.SilenceUsage, c.SilenceErrors = true, true
		c.SetArgs(args)
		c.SetOut(w)
		c.SetErr(cli.ProgressWriter(cmd, quiet)) // the stages' progress
		return c.ExecuteContext(ctx)
	})
}
