package forecastrun

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/tidal-forecast/tidal/atomicfile"
	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/guard"
	"github.com/tidal-forecast/tidal/metrics"
)

// forecastSeries forecasts a time series [T, N]: the windows of the rolling protocol (cli.SeriesCases),
// each from its own last context rows, written as [windows, members, lead, N] with the truth [windows,
// lead, N] in the series' units, the quantiles as CSV and the sample paths as JSON lines.
func forecastSeries(o Options) error {
	in, err := cli.ReadSeries(o.Budget, "data", o.Data, o.Series)
	if err != nil {
		return err
	}
	inputs := []*cli.Input{in.Input(), cli.RunDirInput("run", o.Run)}
	o.QuantilesOut = cmp.Or(o.QuantilesOut, strings.TrimSuffix(o.Out, ".npy")+".quantiles.csv")
	o.SamplesOut = cmp.Or(o.SamplesOut, strings.TrimSuffix(o.Out, ".npy")+".samples.jsonl")
	if err := cli.CheckOutputs(inputs, cli.WithSidecars([2]string{"out", o.Out}, [2]string{"truth-out", o.TruthOut},
		[2]string{"quantiles-out", o.QuantilesOut}, [2]string{"samples-out", o.SamplesOut})...); err != nil {
		return err
	}
	stamp, err := seriesStamps(in, o.Start, o.Freq)
	if err != nil {
		return err
	}
	m, snap, err := dymodel.Load(o.Run, o.warn)
	if err != nil {
		return fmt.Errorf("--run %w", err)
	}
	defer snap.Store.Finalize()
	mc := m.Config
	if mc.Net != "series" {
		return fmt.Errorf("--run %s is a model of fields %v; --data %s is a time series [%d, %d] (train one with 'tidal train dydiff --data %s')", o.Run, mc.Frame, o.Data, in.S.T, in.S.N, o.Data)
	}
	if err := m.CheckFrame(in.String(), []int{in.S.N}); err != nil {
		return err
	}
	if err := resolveSampler(&o, m); err != nil {
		return err
	}
	cs, err := cli.SeriesCases(in, o.Series, mc.Context, cmp.Or(o.Lead, mc.Predict), o.Starts, "starts")
	if err != nil {
		return err
	}
	fc, name, err := forecastCases(o, o.samplerOptions(), nil, &dymodel.Trained{Dir: o.Run, Model: m, Snapshot: snap}, cs, dymodel.ForecastSize{Unit: "windows",
		Frame: fmt.Sprintf("%d series", in.S.N), FrameElems: int64(in.S.N), Held: guard.Product(int64(in.S.T), int64(in.S.N), 8)},
		func() (*data.Array, *data.Array, error) { return in.S.Array(), nil, nil })
	if err != nil {
		return err
	}
	return writeSeries(o, in, name, fc, stamp, inputs)
}

// writeSeries writes the series forecast, its truth, quantiles, samples and sidecars as one group, and
// says what it wrote.
func writeSeries(o Options, in *cli.SeriesInput, name string, fc *dymodel.Forecast, stamp func(int) string, inputs []*cli.Input) error {
	cs := fc.Cases
	ens, truth := fc.Ensemble, fc.Truth
	truth32 := data.FromFloat32(truth.Float32(), truth.Shape...)
	ex := forecast.Export{Starts: cs.Starts, Names: in.S.Names, Stamp: stamp, Freq: o.Freq}
	outs := []cli.Output{cli.NPYOutput("out", o.Out, ens), cli.NPYOutput("truth-out", o.TruthOut, truth32),
		{Flag: "quantiles-out", Path: o.QuantilesOut, Write: func(f *atomicfile.File) error {
			return forecast.WriteQuantileCSV(f, ens, ex, metrics.DefaultQuantiles())
		}},
		{Flag: "samples-out", Path: o.SamplesOut, Write: func(f *atomicfile.File) error { return forecast.WriteSamplesJSONL(f, ens, ex) }}}
	sides, err := cli.ForecastSidecars(in.Path, cs, o.maker(fc.Step), o.Out, o.TruthOut, ens.Shape, truth32.Shape)
	if err != nil {
		return err
	}
	if err := cli.WriteNPYs(inputs, append(outs, sides...)); err != nil {
		return err
	}
	fmt.Fprintf(o.stdout(), "%s: forecast %v of %s step %d (%s, %d steps, backend %s), windows starting at rows %v; truth %s; quantiles %s; samples %s\n",
		o.Out, ens.Shape, o.Run, fc.Step, o.Sampler, o.Steps, name, cs.Starts, o.TruthOut, o.QuantilesOut, o.SamplesOut)
	return nil
}

// seriesStamps is the time stamp of a row of the series in (forecast.RowStamps): start (--start), else
// the file's, advanced by freq (--freq), or a CSV's own time of the row.
func seriesStamps(in *cli.SeriesInput, start, freq string) (func(row int) string, error) {
	return forecast.RowStamps(forecast.StampOptions{Start: start, Freq: freq, Times: in.S.Times, FileStart: in.S.Start, Rows: in.S.T,
		StartName: "--start", FreqName: "--freq", FileName: "the start of --data " + in.Path})
}
