package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/guard"
)

// runBaselineSeries is `tidal baseline` on a time series [T, N]: persistence, the random walk or
// seasonal naive over the windows 'tidal forecast' uses (seriesCases), in the same layout.
func runBaselineSeries(cmd *cobra.Command, fl baselineFlags, sf cli.SeriesFlags, period int, starts []int) error {
	if err := checkBaselineSeriesFlags(cmd, fl, sf, period, starts); err != nil {
		return err
	}
	b, err := cli.Budget()
	if err != nil {
		return err
	}
	in, err := cli.ReadSeries(b, "data", fl.in, sf)
	if err != nil {
		return err
	}
	inputs := []*cli.Input{in.Input()}
	if err := cli.CheckOutputs(inputs, cli.WithSidecars([2]string{"out", fl.out}, [2]string{"truth-out", fl.truthOut})...); err != nil {
		return err
	}
	cs, err := baselineSeriesCases(cmd, fl, sf, in, period, starts)
	if err != nil {
		return err
	}
	r := forecast.BaselineRun{Baseline: forecast.Baseline{Method: fl.method, Members: fl.members, Seed: fl.seed, Period: period, TrainRows: sf.TrainRows},
		Cases: cs, Truth: fl.truthOut != ""}
	if err := r.CheckSize(b, fl.out, forecast.BaselineSize{Unit: "windows", Frame: fmt.Sprintf("%d series", in.S.N), FrameElems: int64(in.S.N),
		Held: guard.Product(int64(in.S.T), int64(in.S.N), 8), TruthAlways: true}); err != nil {
		return err
	}
	if fl.method == "random-walk" && r.TrainRows == 0 && cli.IsExchangeRate(in.S) {
		r.TrainRows = forecast.ExchangeRateNIPS.Train // else the rows before the first window
	}
	f, truth, err := r.Run(in.S.Array())
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	sides, err := cli.ForecastSidecars(fl.in, cs, fl.maker(), fl.out, fl.truthOut, f.Shape, cli.ShapeOf(truth))
	if err != nil {
		return err
	}
	if err := cli.WriteNPYs(inputs, append([]cli.Output{cli.NPYOutput("out", fl.out, f), cli.NPYOutput("truth-out", fl.truthOut, truth)}, sides...)); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s: %s forecast %v (windows starting at rows %v)\n", fl.out, fl.method, f.Shape, cs.Starts)
	return nil
}

// checkBaselineSeriesFlags refuses the flags of a series baseline that are out of range or belong to
// fields, by name.
func checkBaselineSeriesFlags(cmd *cobra.Command, fl baselineFlags, sf cli.SeriesFlags, period int, starts []int) error {
	if fl.out == "" {
		return fmt.Errorf("--out is required: the forecast NPY to write")
	}
	changed := func(name string) bool { return cmd.Flags().Changed(name) }
	if changed("cases") || changed("context") {
		return fmt.Errorf("--cases and --context are for fields; series windows come from --windows and --train-rows (the rolling protocol) or --starts")
	}
	if err := guard.First(guard.Int("lead", fl.lead, 1, cli.MaxCount), guard.Int("members", fl.members, 1, cli.MaxCount),
		guard.Int("period", period, 1, cli.MaxCount), guard.Ints("starts", starts, 0, cli.MaxCount),
		guard.Int("train-rows", sf.TrainRows, 0, cli.MaxCount), guard.Int("windows", sf.Windows, 0, cli.MaxCount)); err != nil {
		return err
	}
	switch fl.method {
	case "persistence", "random-walk", "seasonal-naive":
	case "climatology":
		return fmt.Errorf("--method climatology takes fields (NPY); for time series use persistence, random-walk or seasonal-naive")
	default:
		return fmt.Errorf("--method %q: expected persistence, random-walk or seasonal-naive for a time series", fl.method)
	}
	if changed("period") && fl.method != "seasonal-naive" {
		return fmt.Errorf("--period is for --method seasonal-naive")
	}
	return nil
}

// baselineSeriesCases are the windows of a series baseline: --like's, --starts, or the rolling protocol;
// the lead is --lead, else exchange rate's standard one.
func baselineSeriesCases(cmd *cobra.Command, fl baselineFlags, sf cli.SeriesFlags, in *cli.SeriesInput, period int, starts []int) (forecast.Cases, error) {
	changed := func(name string) bool { return cmd.Flags().Changed(name) }
	lead := fl.lead
	if !changed("lead") && cli.IsExchangeRate(in.S) {
		lead = forecast.ExchangeRateNIPS.Predict
	}
	context := 1
	if fl.method == "seasonal-naive" {
		context = period
	}
	if fl.like != "" {
		sc, err := likeSidecar(cmd, fl.like, fl.in, "starts", "lead", "windows", "train-rows")
		if err != nil {
			return forecast.Cases{}, err
		}
		starts, lead = sc.Starts, sc.Lead
	}
	return cli.SeriesCases(in, sf, context, lead, starts, "starts")
}
