package main

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/atomicfile"
	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/guard"
	"github.com/tidal-forecast/tidal/metrics"
)

// runForecastSeries is `tidal forecast` on a time series [T, N]: the windows of the rolling protocol
// (seriesCases), each forecast from its own last --context rows, written as [windows, members, lead,
// N] with the truth [windows, lead, N], in the series' units.
func runForecastSeries(cmd *cobra.Command, fl forecastFlags, b guard.Budget) error {
	in, err := cli.ReadSeries(b, "data", fl.data, fl.series)
	if err != nil {
		return err
	}
	inputs := []*cli.Input{in.Input(), cli.RunDirInput("run", fl.model)}
	fl.quantilesOut = cmp.Or(fl.quantilesOut, strings.TrimSuffix(fl.out, ".npy")+".quantiles.csv")
	fl.samplesOut = cmp.Or(fl.samplesOut, strings.TrimSuffix(fl.out, ".npy")+".samples.jsonl")
	if err := cli.CheckOutputs(inputs, cli.WithSidecars([2]string{"out", fl.out}, [2]string{"truth-out", fl.truthOut},
		[2]string{"quantiles-out", fl.quantilesOut}, [2]string{"samples-out", fl.samplesOut})...); err != nil {
		return err
	}
	stamp, err := seriesStamps(in, fl.start, fl.freq)
	if err != nil {
		return err
	}
	m, snap, err := dymodel.Load(fl.model, warner(cmd))
	if err != nil {
		return fmt.Errorf("--run %w", err)
	}
	defer snap.Store.Finalize()
	mc := m.Config
	if mc.Net != "series" {
		return fmt.Errorf("--run %s is a model of fields %v; --data %s is a time series [%d, %d] (train one with 'tidal train dydiff --data %s')", fl.model, mc.Frame, fl.data, in.S.T, in.S.N, fl.data)
	}
	if err := m.CheckFrame(in.String(), []int{in.S.N}); err != nil {
		return err
	}
	if err := resolveSampler(&fl, m); err != nil {
		return err
	}
	cs, err := cli.SeriesCases(in, fl.series, mc.Context, cmp.Or(fl.lead, mc.Predict), fl.starts, "starts")
	if err != nil {
		return err
	}
	fc, name, err := forecastCases(cmd, fl, fl.samplerOptions(), nil, &dymodel.Trained{Dir: fl.model, Model: m, Snapshot: snap}, cs, b, dymodel.ForecastSize{Unit: "windows",
		Frame: fmt.Sprintf("%d series", in.S.N), FrameElems: int64(in.S.N), Held: guard.Product(int64(in.S.T), int64(in.S.N), 8)},
		func() (*data.Array, *data.Array, error) { return in.S.Array(), nil, nil })
	if err != nil {
		return err
	}
	return writeSeriesForecast(cmd, fl, in, name, fc, stamp, inputs)
}

// writeSeriesForecast writes the series forecast, its truth, quantiles, samples and sidecars as one
// group, and says what it wrote.
func writeSeriesForecast(cmd *cobra.Command, fl forecastFlags, in *cli.SeriesInput, name string, fc *dymodel.Forecast, stamp func(int) string, inputs []*cli.Input) error {
	cs := fc.Cases
	ens, truth := fc.Ensemble, fc.Truth
	truth32 := data.FromFloat32(truth.Float32(), truth.Shape...)
	ex := forecast.Export{Starts: cs.Starts, Names: in.S.Names, Stamp: stamp, Freq: fl.freq}
	outs := []cli.Output{cli.NPYOutput("out", fl.out, ens), cli.NPYOutput("truth-out", fl.truthOut, truth32),
		{Flag: "quantiles-out", Path: fl.quantilesOut, Write: func(f *atomicfile.File) error {
			return forecast.WriteQuantileCSV(f, ens, ex, metrics.DefaultQuantiles())
		}},
		{Flag: "samples-out", Path: fl.samplesOut, Write: func(f *atomicfile.File) error { return forecast.WriteSamplesJSONL(f, ens, ex) }}}
	sides, err := cli.ForecastSidecars(in.Path, cs, fl.maker(fc.Step), fl.out, fl.truthOut, ens.Shape, truth32.Shape)
	if err != nil {
		return err
	}
	outs = append(outs, sides...)
	if err := cli.WriteNPYs(inputs, outs); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s: forecast %v of %s step %d (%s, %d steps, backend %s), windows starting at rows %v; truth %s; quantiles %s; samples %s\n",
		fl.out, ens.Shape, fl.model, fc.Step, fl.sampler, fl.steps, name, cs.Starts, fl.truthOut, fl.quantilesOut, fl.samplesOut)
	return nil
}

// seriesStamps is the time stamp of a row of the series in (forecast.RowStamps): --start, else the
// file's, advanced by --freq, or a CSV's own time of the row.
func seriesStamps(in *cli.SeriesInput, start, freq string) (func(row int) string, error) {
	return forecast.RowStamps(forecast.StampOptions{Start: start, Freq: freq, Times: in.S.Times, FileStart: in.S.Start, Rows: in.S.T,
		StartName: "--start", FreqName: "--freq", FileName: "the start of --data " + in.Path})
}
