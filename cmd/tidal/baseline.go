package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/guard"
)

func init() { rootCmd.AddCommand(newBaselineCmd()) }

func newBaselineCmd() *cobra.Command {
	var in, pool, method, out, truthOut string
	var cases, context, lead, members int
	var seed uint64
	var period int
	var starts []int
	var sf seriesFlags
	cmd := &cobra.Command{
		Use:   "baseline",
		Short: "Make a reference forecast (persistence, climatology; random walk, seasonal naive for series) in tidal's forecast layout",
		Long: `baseline makes the reference forecasts a probabilistic forecaster must beat, for cases spread evenly
over a series of frames [frames, ...] (an NPY file such as 'tidal data' writes):

  persistence   every member and lead is the last observed frame
  climatology   every member and lead is a frame drawn at random from --pool (e.g. the training split)

It writes the forecast [cases, members, lead, frame...] to --out and, with --truth-out, the frames the
cases predict [cases, lead, frame...]; 'tidal score --forecast OUT --obs TRUTH' scores them.

For a multivariate time series [T, N] (LSTNet .txt/.txt.gz, .csv, GluonTS .json/.jsonl, or --input-format) the
cases are the rolling test windows that 'tidal forecast' uses (--windows, --train-rows; exchange rate's
standard protocol by default; or the start rows --starts), written as [windows, members, lead, N]:

  persistence      the last observed row
  random-walk      a driftless Gaussian random walk from the last observed row, the increments' scale per
                   series fitted on the training rows (forecast.RandomWalk; docs/SERIES.md)
  seasonal-naive   lead h repeats row start − period + (h mod period) (forecast.SeasonalNaive)`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fl := baselineFlags{in, pool, method, out, truthOut, cases, context, lead, members, seed}
			if series, err := dataIsSeries("data", in, sf.format); err != nil {
				return err
			} else if series {
				if err := refuseSeriesNC(baselineOutFormat, out, truthOut); err != nil {
					return err
				}
				return runBaselineSeries(cmd, fl, sf, period, starts)
			}
			for _, name := range append([]string{"period", "starts"}, seriesOnlyFlags...) {
				if cmd.Flags().Changed(name) {
					return fmt.Errorf("--%s is for time series [T, N]; --data %s is an array", name, in)
				}
			}
			return runBaseline(cmd, fl)
		},
	}
	f := cmd.Flags()
	f.StringVar(&in, "data", "", "series of frames [frames, ...] (NPY) to make cases from")
	f.StringVar(&method, "method", "persistence", "persistence or climatology; for series persistence, random-walk or seasonal-naive")
	f.IntVar(&period, "period", 5, "seasonal-naive: the season's length in rows")
	f.IntSliceVar(&starts, "starts", nil, "series: the windows' first forecast rows instead of the rolling protocol")
	addSeriesFlags(f, &sf, true)
	f.StringVar(&pool, "pool", "", "climatology: series [frames, ...] (NPY) whose frames are the members")
	f.StringVar(&out, "out", "", "forecast output (NPY) [cases, members, lead, frame...]")
	f.StringVar(&truthOut, "truth-out", "", "optional truth output (NPY) [cases, lead, frame...]")
	addOutFormatFlag(f, &baselineOutFormat)
	f.IntVar(&cases, "cases", 20, "number of forecast cases, spread evenly over the series")
	f.IntVar(&context, "context", 2, "observed frames before each case's first lead")
	f.IntVar(&lead, "lead", 10, "frames to predict per case (series: rows; default 30 for exchange rate)")
	f.IntVar(&members, "members", 8, "ensemble members")
	f.Uint64Var(&seed, "seed", 0, "random seed (climatology draws)")
	return cmd
}

// baselineFlags are the flags of `tidal baseline`.
type baselineFlags struct {
	in, pool, method, out, truthOut string
	cases, context, lead, members   int
	seed                            uint64
}

// maxCount bounds counts of cases, members and lead frames: far beyond any use, and small enough that
// their products are estimated without overflow.
const maxCount = 1 << 24

func runBaseline(cmd *cobra.Command, fl baselineFlags) error {
	if fl.out == "" {
		return fmt.Errorf("--out is required: the forecast NPY to write")
	}
	if err := guard.First(
		guard.Int("cases", fl.cases, 1, maxCount), guard.Int("context", fl.context, 1, maxCount),
		guard.Int("lead", fl.lead, 1, maxCount), guard.Int("members", fl.members, 1, maxCount),
	); err != nil {
		return err
	}
	if fl.method != "persistence" && fl.method != "climatology" {
		if fl.method == "random-walk" || fl.method == "seasonal-naive" {
			return fmt.Errorf("--method %s is for time series [T, N] (LSTNet text, CSV, GluonTS JSON lines); --data %s is an array", fl.method, fl.in)
		}
		return fmt.Errorf("--method %q: expected persistence or climatology", fl.method)
	}
	if err := checkOutFormat(baselineOutFormat); err != nil {
		return err
	}
	b, err := runBudget()
	if err != nil {
		return err
	}
	series, err := statInput("data", fl.in, 2, 32, "[frames, frame...] with at least one axis per frame")
	if err != nil {
		return err
	}
	inputs := []*inputArray{series}
	var pool *inputArray
	if fl.method == "climatology" {
		if fl.pool == "" {
			return fmt.Errorf("--method climatology needs --pool, the series to draw members from")
		}
		if pool, err = statInput("pool", fl.pool, 2, 32, "[frames, frame...] with at least one axis per frame"); err != nil {
			return err
		}
		if fmt.Sprint(pool.shape[1:]) != fmt.Sprint(series.shape[1:]) {
			return fmt.Errorf("--pool %s has frames of shape %v, --data %s has %v", fl.pool, pool.shape[1:], fl.in, series.shape[1:])
		}
		inputs = append(inputs, pool)
	}
	if err := checkOutputs(inputs, [2]string{"out", fl.out}, [2]string{"truth-out", fl.truthOut}); err != nil {
		return err
	}
	c, err := forecast.EvenCases(series.shape[0], fl.context, fl.lead, fl.cases)
	if err != nil {
		return fmt.Errorf("%s: %w", series, err)
	}
	if err := checkBaselineBudget(b, fl, series, pool); err != nil {
		return err
	}
	sa, err := series.read(b)
	if err != nil {
		return err
	}
	var f *data.Array
	if pool == nil {
		f, err = forecast.Persistence(sa, c, fl.members)
	} else {
		pa, perr := pool.read(b)
		if perr != nil {
			return perr
		}
		f, err = forecast.Climatology(pa, c, fl.members, fl.seed)
	}
	if err != nil {
		return err
	}
	var truth *data.Array
	if fl.truthOut != "" {
		if truth, err = forecast.Truth(sa, c); err != nil {
			return err
		}
	}
	meta := ncMeta{cmd: cmd, format: baselineOutFormat, src: series.src, run: fl.method, seed: fl.seed, starts: c.Starts}
	fr := len(series.shape) - 1
	if err := writeNPYs(inputs, []namedOutput{meta.output("out", fl.out, "forecast", f, axes([]string{"init", "member", "lead"}, fr)...),
		meta.output("truth-out", fl.truthOut, "truth", truth, axes([]string{"init", "lead"}, fr)...)}); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s: %s forecast %v (cases starting at frames %v)\n", fl.out, fl.method, f.Shape, c.Starts)
	return nil
}

// checkBaselineBudget estimates the memory of a baseline run (the series and pool as read and as
// float32, the gathered context, the forecast and the truth) and the size of its outputs.
func checkBaselineBudget(b guard.Budget, fl baselineFlags, series, pool *inputArray) error {
	frame := int64(data.NumElements(series.shape[1:]))
	fcBytes := guard.Product(int64(fl.cases), int64(fl.members), int64(fl.lead), frame, 4)
	truthBytes := int64(0)
	if fl.truthOut != "" {
		truthBytes = guard.Product(int64(fl.cases), int64(fl.lead), frame, 4)
	}
	need := guard.Sum(series.Bytes(), series.Bytes(), fcBytes, truthBytes, guard.Product(int64(fl.cases), int64(fl.context), frame, 4))
	if pool != nil {
		need = guard.Sum(need, pool.Bytes(), pool.Bytes())
	}
	what := fmt.Sprintf("a %s forecast [%d cases, %d members, %d lead, frame %v] float32", fl.method, fl.cases, fl.members, fl.lead, series.shape[1:])
	if err := b.CheckMemory(what, need); err != nil {
		return err
	}
	return b.CheckDisk(what, fl.out, guard.Sum(fcBytes, truthBytes))
}
