package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/guard"
)

func init() { rootCmd.AddCommand(newBaselineCmd()) }

func newBaselineCmd() *cobra.Command {
	var fl baselineFlags
	var period int
	var sf cli.SeriesFlags
	cmd := &cobra.Command{
		Use:   "baseline",
		Short: "Make a reference forecast (persistence, climatology; random walk, seasonal naive for series) in tidal's forecast layout",
		Long: `baseline makes the reference forecasts a probabilistic forecaster must beat, for cases spread evenly
over a series of frames [frames, ...] (an NPY file such as 'tidal data' writes), --cases N of them, or
starting at the frames --starts:

  persistence   every member and lead is the last observed frame
  climatology   every member and lead is a frame drawn at random from --pool (e.g. the training split)

It writes the forecast [cases, members, lead, frame...] to --out and, with --truth-out, the frames the
cases predict [cases, lead, frame...]; 'tidal score --forecast OUT --obs TRUTH' scores them. Each gets a
JSON sidecar (OUT.json) with its cases, which 'tidal score' checks against the truth's.

To score against a model's forecast, the baseline must forecast the same cases: --like FORECAST takes the
start frames, context and lead from the forecast's sidecar (and checks that --data is the file it was
made from), and --run RUN takes the context and (unless --lead) the lead from the model's run, so that
--cases N spreads the same cases as 'tidal forecast --run RUN --cases N'. Without them the context is
--context (default 4, the default of 'tidal train dydiff').

For a multivariate time series [T, N] (LSTNet .txt/.txt.gz, .csv, GluonTS .json/.jsonl, or --input-format) the
cases are the rolling test windows that 'tidal forecast' uses (--windows, --train-rows; exchange rate's
standard protocol by default; or the start rows --starts), written as [windows, members, lead, N]:

  persistence      the last observed row
  random-walk      a driftless Gaussian random walk from the last observed row, the increments' scale per
                   series fitted on the training rows (forecast.RandomWalk; docs/SERIES.md)
  seasonal-naive   lead h repeats row start − period + (h mod period) (forecast.SeasonalNaive)`,
		Example: `  tidal baseline --data ns_test.npy --method persistence --cases 20 --context 4 --lead 11 --out persistence.npy
  tidal baseline --like fc.npy --data ns_test.npy --out persistence.npy
  tidal baseline --run runs/ns --data ns_test.npy --cases 20 --method climatology --pool ns_train.npy --out clim.npy`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return routeBaseline(cmd, fl, sf, period) },
	}
	addBaselineFlags(cmd, &fl, &sf, &period)
	return cmd
}

// routeBaseline runs a series baseline or a field baseline by what --data holds, refusing the flags of
// the other kind.
func routeBaseline(cmd *cobra.Command, fl baselineFlags, sf cli.SeriesFlags, period int) error {
	if fl.run != "" && fl.like != "" {
		return fmt.Errorf("--run %s and --like %s: give one source of the cases (--like FORECAST takes them from the forecast's sidecar)", fl.run, fl.like)
	}
	if series, err := cli.DataIsSeries("data", fl.in, sf.Format); err != nil {
		return err
	} else if series {
		if err := cli.RefuseSeriesNC(baselineOutFormat, fl.out, fl.truthOut); err != nil {
			return err
		}
		if fl.run != "" {
			return fmt.Errorf("--run is for fields; a series baseline takes its windows from --like FORECAST, --starts or the rolling protocol")
		}
		return runBaselineSeries(cmd, fl, sf, period, fl.starts)
	}
	for _, name := range append([]string{"period"}, cli.SeriesOnlyFlags...) {
		if cmd.Flags().Changed(name) {
			return fmt.Errorf("--%s is for time series [T, N]; --data %s is an array", name, fl.in)
		}
	}
	return runBaseline(cmd, fl)
}

// addBaselineFlags adds the flags of `tidal baseline`.
func addBaselineFlags(cmd *cobra.Command, fl *baselineFlags, sf *cli.SeriesFlags, period *int) {
	f := cmd.Flags()
	f.StringVar(&fl.in, "data", "", "series of frames [frames, ...] (NPY) to make cases from")
	f.StringVar(&fl.method, "method", "persistence", "persistence or climatology; for series persistence, random-walk or seasonal-naive")
	f.IntVar(period, "period", 5, "seasonal-naive: the season's length in rows")
	cli.AddCasesFlags(f, &fl.cases, &fl.starts, 20, "the series")
	f.StringVar(&fl.like, "like", "", "a forecast of 'tidal forecast' (or a baseline) whose sidecar gives the cases' start frames, context and lead")
	f.StringVar(&fl.run, "run", "", "fields: a run directory of 'tidal train dydiff' whose context (and predicted frames, the default --lead) the cases take")
	cli.AddSeriesFlags(f, sf, true)
	f.StringVar(&fl.pool, "pool", "", "climatology: series [frames, ...] (NPY) whose frames are the members")
	f.StringVar(&fl.out, "out", "", "forecast output (NPY) [cases, members, lead, frame...]")
	f.StringVar(&fl.truthOut, "truth-out", "", "optional truth output (NPY) [cases, lead, frame...]")
	cli.AddOutFormatFlag(f, &baselineOutFormat)
	f.IntVar(&fl.context, "context", defaultContext, "observed frames before each case's first lead (--run and --like take the model's)")
	f.IntVar(&fl.lead, "lead", 10, "frames to predict per case (series: rows; default 30 for exchange rate; --run: the model's predicted frames)")
	f.IntVar(&fl.members, "members", 8, "ensemble members")
	f.Uint64Var(&fl.seed, "seed", 0, "random seed (climatology draws)")
}

// baselineOutFormat is baseline's --format (its flags are closure variables, not a struct).
var baselineOutFormat string

// defaultContext is the observed frames of a case by default: the default --context of
// `tidal train dydiff`, so that a baseline's cases are a default model's.
const defaultContext = 4

// baselineFlags are the flags of `tidal baseline`.
type baselineFlags struct {
	in, pool, method, out, truthOut string
	like, run                       string
	cases, context, lead, members   int
	starts                          []int
	seed                            uint64
}

func runBaseline(cmd *cobra.Command, fl baselineFlags) error {
	if err := checkBaselineFlags(fl); err != nil {
		return err
	}
	b, err := cli.Budget()
	if err != nil {
		return err
	}
	series, pool, inputs, err := baselineInputs(fl)
	if err != nil {
		return err
	}
	c, err := baselineCases(cmd, fl, series)
	if err != nil {
		return err
	}
	r := forecast.BaselineRun{Baseline: forecast.Baseline{Method: fl.method, Members: fl.members, Seed: fl.seed}, Cases: c, Truth: fl.truthOut != ""}
	held := guard.Product(series.Bytes(), 2)
	if pool != nil {
		held = guard.Sum(held, guard.Product(pool.Bytes(), 2))
	}
	if err := r.CheckSize(b, fl.out, forecast.BaselineSize{Unit: "cases", Frame: fmt.Sprintf("frame %v", series.Shape[1:]),
		FrameElems: int64(data.NumElements(series.Shape[1:])), Held: held, Context: true}); err != nil {
		return err
	}
	sa, err := series.Read(b)
	if err != nil {
		return err
	}
	if pool != nil {
		if r.Pool, err = pool.Read(b); err != nil {
			return err
		}
	}
	f, truth, err := r.Run(sa)
	if err != nil {
		return err
	}
	return writeBaseline(cmd, fl, inputs, series, c, f, truth)
}

// writeBaseline writes a field baseline, its truth and their sidecars as one group (NPY or NetCDF).
func writeBaseline(cmd *cobra.Command, fl baselineFlags, inputs []*cli.Input, series *cli.Input, c forecast.Cases, f, truth *data.Array) error {
	meta := cli.NCMeta{Cmd: cmd, Format: baselineOutFormat, Src: series.Src, Run: fl.method, Seed: fl.seed, Starts: c.Starts}
	fr := len(series.Shape) - 1
	sides, err := cli.ForecastSidecars(fl.in, c, fl.maker(), fl.out, fl.truthOut, f.Shape, cli.ShapeOf(truth))
	if err != nil {
		return err
	}
	if err := cli.WriteNPYs(inputs, append([]cli.Output{meta.Output("out", fl.out, "forecast", f, forecast.Axes([]string{"init", "member", "lead"}, fr)...),
		meta.Output("truth-out", fl.truthOut, "truth", truth, forecast.Axes([]string{"init", "lead"}, fr)...)}, sides...)); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s: %s forecast %v (cases starting at frames %v)\n", fl.out, fl.method, f.Shape, c.Starts)
	return nil
}

// checkBaselineFlags refuses bad flags of a field baseline by name.
func checkBaselineFlags(fl baselineFlags) error {
	if fl.out == "" {
		return fmt.Errorf("--out is required: the forecast NPY to write")
	}
	if err := guard.First(
		guard.Int("cases", fl.cases, 1, cli.MaxCount), guard.Int("context", fl.context, 1, cli.MaxCount),
		guard.Int("lead", fl.lead, 1, cli.MaxCount), guard.Int("members", fl.members, 1, cli.MaxCount),
	); err != nil {
		return err
	}
	if fl.method != "persistence" && fl.method != "climatology" {
		if fl.method == "random-walk" || fl.method == "seasonal-naive" {
			return fmt.Errorf("--method %s is for time series [T, N] (LSTNet text, CSV, GluonTS JSON lines); --data %s is an array", fl.method, fl.in)
		}
		return fmt.Errorf("--method %q: expected persistence or climatology", fl.method)
	}
	if err := cli.CheckOutFormat(baselineOutFormat); err != nil {
		return err
	}
	return nil
}

// baselineInputs reads the headers of --data and --pool (climatology), checks that their frames agree and
// that no output overwrites them.
func baselineInputs(fl baselineFlags) (series, pool *cli.Input, inputs []*cli.Input, err error) {
	series, err = cli.StatInput("data", fl.in, 2, 32, "[frames, frame...] with at least one axis per frame")
	if err != nil {
		return nil, nil, nil, err
	}
	inputs = []*cli.Input{series}
	if fl.method == "climatology" {
		if fl.pool == "" {
			return nil, nil, nil, fmt.Errorf("--method climatology needs --pool, the series to draw members from")
		}
		if pool, err = cli.StatInput("pool", fl.pool, 2, 32, "[frames, frame...] with at least one axis per frame"); err != nil {
			return nil, nil, nil, err
		}
		if fmt.Sprint(pool.Shape[1:]) != fmt.Sprint(series.Shape[1:]) {
			return nil, nil, nil, fmt.Errorf("--pool %s has frames of shape %v, --data %s has %v", fl.pool, pool.Shape[1:], fl.in, series.Shape[1:])
		}
		inputs = append(inputs, pool)
	}
	if err := cli.CheckOutputs(inputs, cli.WithSidecars([2]string{"out", fl.out}, [2]string{"truth-out", fl.truthOut})...); err != nil {
		return nil, nil, nil, err
	}
	return series, pool, inputs, nil
}
