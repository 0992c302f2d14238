package main

import (
	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/forecastrun"
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
		RunE: func(cmd *cobra.Command, args []string) error { return runBaseline(cmd, fl, sf, period) },
	}
	addBaselineFlags(cmd, &fl, &sf, &period)
	return cmd
}

// runBaseline maps the flags onto forecastrun.BaselineOptions and makes the baseline.
func runBaseline(cmd *cobra.Command, fl baselineFlags, sf cli.SeriesFlags, period int) error {
	b, err := cli.Budget()
	if err != nil {
		return err
	}
	return forecastrun.Baseline(forecastrun.BaselineOptions{Data: fl.in, Pool: fl.pool, Method: fl.method, Out: fl.out, TruthOut: fl.truthOut,
		Format: baselineOutFormat, Like: fl.like, Run: fl.run, Cases: fl.cases, Context: fl.context, Lead: fl.lead, Members: fl.members,
		Period: period, Starts: fl.starts, Seed: fl.seed, Series: sf, Budget: b, Given: cmd.Flags().Changed, Command: cli.CommandLine(cmd),
		Stdout: cmd.OutOrStdout()})
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
