package main

import (
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/cli/config"
	"github.com/tidal-forecast/tidal/forecastrun"
	"github.com/tidal-forecast/tidal/guard"
)

func init() { rootCmd.AddCommand(newForecastCmd()) }

// forecastFlags are the flags of `tidal forecast`.
type forecastFlags struct {
	model, data, sampler, out, truthOut   string
	quantilesOut, samplesOut, start, freq string
	disc, outFormat                       string
	members, steps, lead, cases           int
	starts                                []int
	ddimEta, clipX0, lambda, sigmaMax     float64
	seed                                  uint64
	quiet                                 bool
	series                                cli.SeriesFlags
	static                                cli.StaticFlags

	latent  string // --latent: a VAE run (addLatentFlag, train_latent.go)
	actions string // a model with actions: --actions FILE (addForecastActionsFlag)
}

// forecastLong is the help of `tidal forecast`.
const forecastLong = `forecast samples ensemble forecasts with the EMA weights of the newest snapshot of a run directory of
'tidal train dydiff', for cases over a test series [frames, channels, H, W] (NPY; frames of the shape
the model was trained on): --cases N spread evenly (the cases 'tidal baseline --run RUN --cases N'
makes), or the start frames --starts. Each case observes the model's context frames before its start.

It writes the forecast [cases, members, lead, channels, H, W] in physical units to --out and the truth
[cases, lead, channels, H, W] to --truth-out (default: --out with .truth.npy), so that
'tidal score --forecast OUT --obs TRUTH' scores it. Beside each it writes a JSON sidecar (OUT.json, with
.json for .npy or .nc): the cases' start frames, context, lead, members, the source file and its SHA-256,
the model run and the units; 'tidal score' refuses arrays whose sidecars describe other cases, and
'tidal baseline --like OUT' makes a baseline of the same cases. --lead beyond the model's --predict rolls forward
autoregressively: each new window is conditioned on the last predicted context frames of its member.
Member m of case b gets the same noise whatever --members and the number of cases.

On a time series [T, N] (--data a .txt, .csv or GluonTS .json file) the cases are the rolling windows
(--windows, --train-rows, or --starts), and beside the NPYs it writes the mean and quantiles 0.05…0.95 as
CSV (--quantiles-out) and the sample paths as GluonTS-style JSON lines (--samples-out), with time stamps
from the file's times or --start and --freq (docs/SERIES.md).

--disc guides the sampler with a discriminator of 'tidal train discriminator' trained on the same fields
(guided DyDiff, tidal's own construction: λ times the gradient of the discriminator's log-odds of each
predicted frame, given the two frames before it, is added to the score; docs/GUIDED.md). It needs a model
with at least two observed frames and the dependent-noise process.`

func newForecastCmd() *cobra.Command {
	var fl forecastFlags
	cmd := &cobra.Command{
		Use: "forecast",
		Example: `  tidal forecast --run runs/dydiff --data ns_test.npy --cases 20 --members 8 --out fc.npy
  tidal forecast --run runs/dydiff --disc runs/disc --lambda 14 --data ns_test.npy --starts 5,20,35 --out guided.npy
  tidal forecast --run runs/fx --data datasets/exchange_rate.txt.gz --members 100 --sampler-steps 10 --out fx.npy`,
		Short: "Make ensemble forecasts with a trained DyDiff model",
		Long:  forecastLong,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := config.Apply(cmd); err != nil {
				return err
			}
			b, err := cli.Budget()
			if err != nil {
				return err
			}
			return forecastrun.Forecast(fl.options(cmd, b))
		},
	}
	f := cmd.Flags()
	config.AddFlag(cmd)
	f.StringVar(&fl.model, "run", "", "run directory of 'tidal train dydiff'")
	f.StringVar(&fl.data, "data", "", "test data: fields [frames, channels, H, W] (NPY), or the whole time series [T, N] (LSTNet .txt/.txt.gz, .csv, GluonTS .json/.jsonl)")
	cli.AddSeriesFlags(f, &fl.series, true)
	cli.AddStaticFlags(f, &fl.static, "optional; a run trained with --static uses the fields it keeps (static.npy), and this must be the same")
	addLatentFlag(f, &fl.latent, true)
	addForecastActionsFlag(f, &fl.actions)
	f.IntVar(&fl.members, "members", 8, "ensemble members per case")
	f.StringVar(&fl.sampler, "sampler", "", "heun (EDM's), dpmpp (DPM-Solver++(2M)), ddim (the reference's) or ddpm (ancestral); default: the model's, heun for --param edm, ddim for --param ddpm")
	f.Float64Var(&fl.sigmaMax, "sigma-max", 0, "models trained with --param edm: the largest noise level of the sampler's ρ-grid (0: 10)")
	f.IntVar(&fl.steps, "sampler-steps", 0, "sampler steps (0: the sampler's default, 10 for heun and dpmpp, the reference's 50 for ddim, all 1000 for ddpm)")
	f.Float64Var(&fl.ddimEta, "ddim-eta", 0, "DDIM's η_ddim in [0, 1] (0: deterministic given the initial noise)")
	f.Float64Var(&fl.clipX0, "clip-x0", 0, "DDIM: clip every x̂₀ to ±this many training standard deviations (0: none, the reference's setting; docs/DYDIFF.md)")
	f.Uint64Var(&fl.seed, "seed", 0, "seed of the sampling noise")
	f.StringVar(&fl.disc, "disc", "", "run directory of 'tidal train discriminator' guiding the sampler (fields; none: unguided)")
	f.Float64Var(&fl.lambda, "lambda", 14, "guidance strength λ with --disc (0: unguided)")
	f.IntVar(&fl.lead, "lead", 0, "frames to forecast per case (0: the model's --predict; more rolls forward)")
	cli.AddCasesFlags(f, &fl.cases, &fl.starts, 20, "the test series (fields)")
	f.Var((*cli.CasesCount)(&fl.cases), "num-cases", "the number of cases: use --cases")
	_ = f.MarkDeprecated("num-cases", "use --cases N (the start frames of the cases are --starts)")
	f.StringVar(&fl.out, "out", "", "forecast output (NPY) [cases, members, lead, channels, H, W]")
	f.StringVar(&fl.truthOut, "truth-out", "", "truth output (NPY) [cases, lead, channels, H, W] (default: --out with .truth.npy)")
	f.StringVar(&fl.quantilesOut, "quantiles-out", "", "series: the mean and quantiles 0.05…0.95 per window, series and lead as CSV (default: --out with .quantiles.csv)")
	f.StringVar(&fl.samplesOut, "samples-out", "", "series: the sample paths as GluonTS-style JSON lines, one per window and series (default: --out with .samples.jsonl)")
	f.StringVar(&fl.start, "start", "", "series: time stamp of the series' first row, YYYY-MM-DD[ hh:mm:ss] (default: the file's: a CSV's time column, a GluonTS start)")
	f.StringVar(&fl.freq, "freq", "", "series: the time step as a pandas alias (B, D, W, h, min, s with a multiple, e.g. 30min); with a start, gives the outputs' time stamps")
	f.BoolVar(&fl.quiet, "quiet", false, "no progress bar")
	cli.AddOutFormatFlag(f, &fl.outFormat)
	cli.DeprecatedAlias(f, "model", "run")
	cli.DeprecatedAlias(f, "sampling-steps", "sampler-steps")
	return cmd
}

// options are the forecast's options from the flags, within the budget b.
func (fl forecastFlags) options(cmd *cobra.Command, b guard.Budget) forecastrun.Options {
	return forecastrun.Options{Run: fl.model, Data: fl.data, Disc: fl.disc, Latent: fl.latent, Actions: fl.actions,
		Out: fl.out, TruthOut: fl.truthOut, QuantilesOut: fl.quantilesOut, SamplesOut: fl.samplesOut, Start: fl.start, Freq: fl.freq, Format: fl.outFormat,
		Sampler: fl.sampler, Steps: fl.steps, DDIMEta: fl.ddimEta, ClipX0: fl.clipX0, SigmaMax: fl.sigmaMax, Lambda: fl.lambda,
		Members: fl.members, Lead: fl.lead, Cases: fl.cases, Starts: fl.starts, Seed: fl.seed, Series: fl.series, Static: fl.static,
		Budget: b, Backend: cli.NewBackend, Given: cmd.Flags().Changed, Command: cli.CommandLine(cmd),
		Stdout: cmd.OutOrStdout(), Stderr: cmd.ErrOrStderr(), Quiet: fl.quiet, Context: cmd.Context()}
}

// addForecastActionsFlag adds --actions to `forecast`.
func addForecastActionsFlag(f *pflag.FlagSet, v *string) {
	f.StringVar(v, "actions", "", "a model trained with actions: the actions driving the forecast, an NPY [rows, A] (row t the action between frames t and t + 1; for video --data, every video alike) or [videos, rows, A]; default: the video --data file's own")
}
