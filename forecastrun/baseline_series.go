package forecastrun

import (
	"fmt"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/guard"
)

// baselineSeries is a baseline of a time series [T, N]: persistence, the random walk or seasonal naive
// over the windows 'tidal forecast' uses (cli.SeriesCases), in the same layout.
func baselineSeries(o BaselineOptions) error {
	if err := checkBaselineSeriesFlags(o); err != nil {
		return err
	}
	in, err := cli.ReadSeries(o.Budget, "data", o.Data, o.Series)
	if err != nil {
		return err
	}
	inputs := []*cli.Input{in.Input()}
	if err := cli.CheckOutputs(inputs, cli.WithSidecars([2]string{"out", o.Out}, [2]string{"truth-out", o.TruthOut})...); err != nil {
		return err
	}
	cs, err := baselineSeriesCases(o, in)
	if err != nil {
		return err
	}
	r := forecast.BaselineRun{Baseline: forecast.Baseline{Method: o.Method, Members: o.Members, Seed: o.Seed, Period: o.Period, TrainRows: o.Series.TrainRows},
		Cases: cs, Truth: o.TruthOut != ""}
	if err := r.CheckSize(o.Budget, o.Out, forecast.BaselineSize{Unit: "windows", Frame: fmt.Sprintf("%d series", in.S.N), FrameElems: int64(in.S.N),
		Held: guard.Product(int64(in.S.T), int64(in.S.N), 8), TruthAlways: true}); err != nil {
		return err
	}
	if o.Method == "random-walk" && r.TrainRows == 0 && cli.IsExchangeRate(in.S) {
		r.TrainRows = forecast.ExchangeRateNIPS.Train // else the rows before the first window
	}
	f, truth, err := r.Run(in.S.Array())
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	sides, err := cli.ForecastSidecars(o.Data, cs, o.maker(), o.Out, o.TruthOut, f.Shape, cli.ShapeOf(truth))
	if err != nil {
		return err
	}
	if err := cli.WriteNPYs(inputs, append([]cli.Output{cli.NPYOutput("out", o.Out, f), cli.NPYOutput("truth-out", o.TruthOut, truth)}, sides...)); err != nil {
		return err
	}
	fmt.Fprintf(orDiscard(o.Stdout), "%s: %s forecast %v (windows starting at rows %v)\n", o.Out, o.Method, f.Shape, cs.Starts)
	return nil
}

// checkBaselineSeriesFlags refuses the options of a series baseline that are out of range or belong to
// fields, by their flags' names.
func checkBaselineSeriesFlags(o BaselineOptions) error {
	if o.Out == "" {
		return fmt.Errorf("--out is required: the forecast NPY to write")
	}
	if o.given("cases") || o.given("context") {
		return fmt.Errorf("--cases and --context are for fields; series windows come from --windows and --train-rows (the rolling protocol) or --starts")
	}
	if err := guard.First(guard.Int("lead", o.Lead, 1, cli.MaxCount), guard.Int("members", o.Members, 1, cli.MaxCount),
		guard.Int("period", o.Period, 1, cli.MaxCount), guard.Ints("starts", o.Starts, 0, cli.MaxCount),
		guard.Int("train-rows", o.Series.TrainRows, 0, cli.MaxCount), guard.Int("windows", o.Series.Windows, 0, cli.MaxCount)); err != nil {
		return err
	}
	switch o.Method {
	case "persistence", "random-walk", "seasonal-naive":
	case "climatology":
		return fmt.Errorf("--method climatology takes fields (NPY); for time series use persistence, random-walk or seasonal-naive")
	default:
		return fmt.Errorf("--method %q: expected persistence, random-walk or seasonal-naive for a time series", o.Method)
	}
	if o.given("period") && o.Method != "seasonal-naive" {
		return fmt.Errorf("--period is for --method seasonal-naive")
	}
	return nil
}

// baselineSeriesCases are the windows of a series baseline: --like's, --starts, or the rolling
// protocol; the lead is --lead, else exchange rate's standard one.
func baselineSeriesCases(o BaselineOptions, in *cli.SeriesInput) (forecast.Cases, error) {
	lead, starts := o.Lead, o.Starts
	if !o.given("lead") && cli.IsExchangeRate(in.S) {
		lead = forecast.ExchangeRateNIPS.Predict
	}
	context := 1
	if o.Method == "seasonal-naive" {
		context = o.Period
	}
	if o.Like != "" {
		sc, err := likeSidecar(o, "starts", "lead", "windows", "train-rows")
		if err != nil {
			return forecast.Cases{}, err
		}
		starts, lead = sc.Starts, sc.Lead
	}
	return cli.SeriesCases(in, o.Series, context, lead, starts, "starts")
}
