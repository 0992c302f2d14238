package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/gomlx/compute"
	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/guard"
	"github.com/tidal-forecast/tidal/guided"
	"github.com/tidal-forecast/tidal/internal/config"
	"github.com/tidal-forecast/tidal/train"
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

	latent  string // --latent: a VAE run (latent.go)
	actions string // a model with actions: --actions FILE (actions.go)
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
			return runForecast(cmd, fl)
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

// loadForecastRun loads the DyDiff run of --run and resolves the sampler flags against its model; the
// caller finalizes the snapshot's store.
func loadForecastRun(fl *forecastFlags, warn func(string, ...any)) (*dymodel.Model, *train.Snapshot, error) {
	m, snap, err := dymodel.Load(fl.model, warn)
	if err != nil {
		return nil, nil, fmt.Errorf("--run %w", err)
	}
	if err := resolveSampler(fl, m); err != nil {
		snap.Store.Finalize()
		return nil, nil, err
	}
	return m, snap, nil
}

// resolveSampler fills in the model's sampler and its number of steps where --sampler and
// --sampler-steps leave them to the model (dymodel.Model.ResolveSampler), naming the flag of an option
// the model cannot take; a guide needs the dependent-noise process.
func resolveSampler(fl *forecastFlags, m *dymodel.Model) error {
	so, err := m.ResolveSampler(fl.samplerOptions())
	var se *dymodel.SamplerError
	if errors.As(err, &se) {
		return fmt.Errorf("--%s %v: %s (--run %s)", samplerFlags[se.Option], se.Value, se.Reason, fl.model)
	} else if err != nil {
		return err
	}
	if fl.disc != "" && m.Config.Noising != "dependent" && m.Config.Eta != 0 {
		return fmt.Errorf("--disc %s: guidance needs the dependent-noise process; --run %s uses %s at η = %g", fl.disc, fl.model, m.Config.Noising, m.Config.Eta)
	}
	fl.sampler, fl.steps = so.Kind, so.Steps
	return nil
}

// samplerFlags are the flags of dymodel.SamplerOptions' fields.
var samplerFlags = map[string]string{"Kind": "sampler", "Steps": "sampler-steps", "ClipX0": "clip-x0", "SigmaMax": "sigma-max", "EtaDDIM": "ddim-eta"}

func runForecast(cmd *cobra.Command, fl forecastFlags) error {
	if err := checkForecastFlags(cmd, &fl); err != nil {
		return err
	}
	b, err := cli.Budget()
	if err != nil {
		return err
	}
	if err := cli.CheckRunDirs("run", fl.model, "disc", fl.disc); err != nil {
		return err
	}
	if series, err := cli.DataIsSeries("data", fl.data, fl.series.Format); err != nil {
		return err
	} else if series {
		return routeForecastSeries(cmd, fl, b)
	}
	for _, name := range cli.SeriesOnlyFlags {
		if cmd.Flags().Changed(name) {
			return fmt.Errorf("--%s is for time series [T, N]; --data %s is an array", name, fl.data)
		}
	}
	if routed, err := routeForecastOther(cmd, fl, b); routed || err != nil {
		return err
	}
	in, err := cli.StatInput("data", fl.data, 4, 4, "[frames, channels, height, width]")
	if err != nil {
		return err
	}
	if err := cli.CheckOutputs([]*cli.Input{in, cli.RunDirInput("run", fl.model), cli.RunDirInput("disc", fl.disc)}, cli.WithSidecars([2]string{"out", fl.out}, [2]string{"truth-out", fl.truthOut})...); err != nil {
		return err
	}
	disc, m, snap, err := forecastModels(cmd, &fl, b, in)
	if err != nil {
		return err
	}
	defer snap.Store.Finalize()
	so, err := forecastSampler(fl, disc, m, snap)
	if err != nil {
		return err
	}
	cs, err := forecastFieldCases(cmd, fl, in, m.Config)
	if err != nil {
		return err
	}
	f, name, err := forecastCases(cmd, fl, so, disc, &dymodel.Trained{Dir: fl.model, Model: m, Snapshot: snap}, cs, b, dymodel.ForecastSize{Unit: "cases",
		Held: guard.Sum(in.Bytes(), guard.Product(int64(data.NumElements(in.Shape)), 4)), Guided: so.Guide != nil}, func() (*data.Array, *data.Array, error) {
		series, err := readSeries(b, in) // finite values, or an error naming the file and frame
		if err != nil {
			return nil, nil, err
		}
		return data.FromFloat32(series.Data, series.Shape...), nil, nil
	})
	if err != nil {
		return err
	}
	return writeFieldForecast(cmd, fl, in, f, name)
}

// checkForecastFlags refuses bad flags by name; the truth goes beside --out by default.
func checkForecastFlags(cmd *cobra.Command, fl *forecastFlags) error {
	if fl.out == "" {
		return fmt.Errorf("--out is required: the forecast NPY to write")
	}
	if fl.model == "" {
		return fmt.Errorf("--run is required: the run directory of 'tidal train dydiff'")
	}
	if err := guard.First(guard.Int("members", fl.members, 1, 1<<12), guard.Int("sampler-steps", fl.steps, 0, 1000),
		guard.Between("ddim-eta", fl.ddimEta, 0, 1), guard.Between("clip-x0", fl.clipX0, 0, 1e6), guard.Between("sigma-max", fl.sigmaMax, 0, 1e6), guard.Int("lead", fl.lead, 0, cli.MaxCount),
		guard.Int("cases", fl.cases, 1, cli.MaxCount), guard.Ints("starts", fl.starts, 0, cli.MaxCount),
		guard.Between("lambda", fl.lambda, 0, 1e6)); err != nil {
		return err
	}
	if fl.disc == "" && cmd.Flags().Changed("lambda") {
		return fmt.Errorf("--lambda %g: the strength of the guidance by --disc, which is not given", fl.lambda)
	}
	if fl.sampler != "" && fl.sampler != "heun" && fl.sampler != "dpmpp" && fl.sampler != "ddim" && fl.sampler != "ddpm" {
		return fmt.Errorf("--sampler %q: expected heun, dpmpp, ddim or ddpm", fl.sampler)
	}
	if fl.clipX0 != 0 && fl.sampler != "ddim" && fl.sampler != "" {
		return fmt.Errorf("--clip-x0 %v: a DDIM option; --sampler %s does not take it", fl.clipX0, fl.sampler)
	}
	if fl.truthOut == "" {
		fl.truthOut = forecast.TruthPath(fl.out)
	}
	if err := cli.CheckOutFormat(fl.outFormat); err != nil {
		return err
	}
	return nil
}

// routeForecastOther forecasts a latent run (latent.go) or videos with actions (actions.go) and says
// whether it did.
func routeForecastOther(cmd *cobra.Command, fl forecastFlags, b guard.Budget) (bool, error) {
	ok, err := latentForecast(fl)
	switch {
	case err != nil:
		return true, err
	case ok && (fl.actions != "" || isVideoFile(fl.data)):
		return true, fmt.Errorf("--run %s is a latent DyDiff run: it forecasts fields [frames, channels, H, W], not videos with actions (--data %s, --actions)", fl.model, fl.data)
	case ok:
		return true, runForecastLatent(cmd, fl, b)
	case isVideoFile(fl.data):
		return true, runForecastVideo(cmd, fl, b)
	}
	return false, nil
}

// routeForecastSeries refuses the flags of fields for a time series, then forecasts it.
func routeForecastSeries(cmd *cobra.Command, fl forecastFlags, b guard.Budget) error {
	if cmd.Flags().Changed("cases") || cmd.Flags().Changed("num-cases") {
		return fmt.Errorf("--cases is for fields; series windows come from --windows and --train-rows (the rolling protocol) or --starts")
	}
	if fl.disc != "" {
		return fmt.Errorf("--disc %s: a discriminator guides fields [frames, channels, H, W]; --data %s is a time series", fl.disc, fl.data)
	}
	if fl.static.Path != "" {
		return fmt.Errorf("--static %s: static fields condition models of fields [frames, channels, H, W]; --data %s is a time series", fl.static.Path, fl.data)
	}
	if fl.latent != "" {
		return fmt.Errorf("--latent %s: a VAE encodes fields [frames, channels, H, W]; --data %s is a time series", fl.latent, fl.data)
	}
	if err := cli.RefuseSeriesNC(fl.outFormat, fl.out, fl.truthOut); err != nil {
		return err
	}
	return runForecastSeries(cmd, fl, b)
}

// forecastModels loads the discriminator (--disc) and the model (--run), resolves the sampler and checks
// the model's frames and static fields against --data.
func forecastModels(cmd *cobra.Command, fl *forecastFlags, b guard.Budget, in *cli.Input) (disc *guided.Model, m *dymodel.Model, snap *train.Snapshot, err error) {
	warn := warner(cmd)
	if fl.disc != "" {
		if disc, err = guided.Load("disc", fl.disc, guided.KindDiscriminator, warn); err != nil {
			return nil, nil, nil, err
		}
	}
	if m, snap, err = loadForecastRun(fl, warn); err != nil {
		return nil, nil, nil, err
	}
	loaded := snap
	defer func() {
		if err != nil {
			loaded.Store.Finalize()
		}
	}()
	mc := m.Config
	if mc.Net == "series" {
		return nil, nil, nil, fmt.Errorf("--run %s is a time-series model of %d series; --data %s holds fields %v", fl.model, mc.Frame[0], fl.data, in.Shape)
	}
	if err := m.CheckFrame(in.String(), in.Shape[1:]); err != nil {
		return nil, nil, nil, err
	}
	if err := cli.CheckForecastStatic(b, fl.static, fl.model, m.Static(), in.Shape[2], in.Shape[3]); err != nil {
		return nil, nil, nil, err
	}
	return disc, m, snap, nil
}

// forecastSampler is the sampler of the flags, guided by the discriminator when --disc and --lambda say so.
func forecastSampler(fl forecastFlags, disc *guided.Model, m *dymodel.Model, snap *train.Snapshot) (dymodel.SamplerOptions, error) {
	mc := m.Config
	var err error
	so := fl.samplerOptions()
	if disc != nil && fl.lambda > 0 {
		if so.Guide, err = guided.DyDiffGuide(snap.Store, disc, "the model --run "+fl.model, mc.Frame, snap.Norm, mc.Context); err != nil {
			return so, err
		}
		so.Lambda = fl.lambda
	}
	return so, nil
}

// forecastFieldCases are the cases of --starts, or --cases spread evenly over --data.
func forecastFieldCases(cmd *cobra.Command, fl forecastFlags, in *cli.Input, mc dymodel.Config) (forecast.Cases, error) {
	return cli.FieldCases(fl.starts, fl.cases, cmd.Flags().Changed("cases") || cmd.Flags().Changed("num-cases"), in.Shape[0], mc.Context, cmp.Or(fl.lead, mc.Predict), in.String())
}

// writeFieldForecast writes the forecast, its truth and their sidecars as one group, and says so.
func writeFieldForecast(cmd *cobra.Command, fl forecastFlags, in *cli.Input, f *dymodel.Forecast, name string) error {
	if err := writeForecast(cmd, fl, []*cli.Input{in, cli.RunDirInput("run", fl.model), cli.RunDirInput("disc", fl.disc)}, f); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s: forecast %v of %s step %d (%s, %d steps, backend %s), cases starting at frames %v; truth %s\n",
		fl.out, f.Ensemble.Shape, fl.model, f.Step, fl.sampler, fl.steps, name, f.Cases.Starts, fl.truthOut)
	return nil
}

// writeForecast writes the forecast f, its truth and their sidecars (naming inputs[0]'s file as the
// source) as one group: NPY, or NetCDF by --format.
func writeForecast(cmd *cobra.Command, fl forecastFlags, inputs []*cli.Input, f *dymodel.Forecast) error {
	in, cs := inputs[0], f.Cases
	meta := cli.NCMeta{Cmd: cmd, Format: fl.outFormat, Src: in.Src, Run: fl.model, Seed: fl.seed, Starts: cs.Starts}
	sides, err := cli.ForecastSidecars(in.Path, cs, fl.maker(f.Step), fl.out, fl.truthOut, f.Ensemble.Shape, f.Truth.Shape)
	if err != nil {
		return err
	}
	return cli.WriteNPYs(inputs, append([]cli.Output{meta.Output("out", fl.out, "forecast", f.Ensemble, forecast.Axes([]string{"init", "member", "lead"}, 3)...),
		meta.Output("truth-out", fl.truthOut, "truth", f.Truth, forecast.Axes([]string{"init", "lead"}, 3)...)}, sides...))
}

// warner prints a warning (a damaged snapshot skipped, say) to the command's standard error.
func warner(cmd *cobra.Command) func(string, ...any) {
	return func(f string, a ...any) { fmt.Fprintf(cmd.ErrOrStderr(), "warning: "+f+"\n", a...) }
}

// samplerOptions are the sampler flags as dymodel.SamplerOptions (no guide).
func (fl forecastFlags) samplerOptions() dymodel.SamplerOptions {
	return dymodel.SamplerOptions{Kind: fl.sampler, Steps: fl.steps, EtaDDIM: fl.ddimEta, ClipX0: fl.clipX0, SigmaMax: fl.sigmaMax}
}

// maker says what made the forecast, for its sidecars: the model of --run at its snapshot's step.
func (fl forecastFlags) maker(step int) cli.Maker {
	return cli.Maker{Kind: forecast.KindForecast, Method: "dydiff", Model: fl.model, Members: fl.members, Step: step, Seed: fl.seed}
}

// forecastCases forecasts the cases cs of the data read (fields, a series' windows, or latents) with the
// run's weights (dymodel.Job: the size checked unless size.Unit is empty, then Trained.ForecastCases)
// through the rollout driver, whose working file beside --out lets an interrupted forecast with the same
// identity (model, step, sampler and guide, seed, members, lead, starts, data shape) resume. It returns
// the forecast in physical units and the backend's name.
func forecastCases(cmd *cobra.Command, fl forecastFlags, so dymodel.SamplerOptions, disc *guided.Model, t *dymodel.Trained,
	cs forecast.Cases, b guard.Budget, size dymodel.ForecastSize, read func() (*data.Array, *data.Array, error)) (*dymodel.Forecast, string, error) {
	j := dymodel.Job{Trained: t, Cases: cs, Options: dymodel.ForecastOptions{Members: fl.members, Sampler: so, Seed: fl.seed, Work: dymodel.WorkPath(fl.out)},
		Out: fl.out, Budget: b, Size: size}
	j.Read = func() (*data.Array, *data.Array, error) {
		observed, _, err := read()
		if err != nil {
			return nil, nil, err
		}
		acts, err := forecastActions(fl, t.Model) // actions.go
		return observed, acts, err
	}
	name, backend := backendNamed()
	j.Backend = backend
	if so.Guide != nil {
		d, _ := filepath.Abs(disc.Run)
		j.Options.GuideID = fmt.Sprintf("%s step %d", d, disc.Step)
	}
	if !fl.quiet {
		j.Options.Progress = cmd.ErrOrStderr()
	}
	done := cli.TrackRollout(j.Options.Work, false, true)
	f, err := j.Run(context.Background())
	return f, *name, done(err)
}

// backendNamed starts the backend of --backend when called (cli.NewBackend), and the name it had.
func backendNamed() (*string, func() (compute.Backend, error)) {
	var name string
	return &name, func() (compute.Backend, error) {
		n, be, err := cli.NewBackend()
		name = n
		return be, err
	}
}
