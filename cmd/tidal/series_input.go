package main

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/guard"
)

// seriesFlags are the flags the commands share for multivariate time series [T, N] (docs/SERIES.md).
type seriesFlags struct {
	format, missing, ragged       string
	trainRows, windows, maxSeries int
}

// seriesOnlyFlags are the flags a command refuses when its data are an array rather than a series.
var seriesOnlyFlags = []string{"input-format", "missing", "ragged", "max-series", "train-rows", "windows", "quantiles-out", "samples-out", "start", "freq"}

// addSeriesFlags adds --input-format, --missing, --ragged, --max-series and, with protocol, --train-rows
// and --windows.
func addSeriesFlags(f *pflag.FlagSet, sf *seriesFlags, protocol bool) {
	addInputFormatFlag(f, sf)
	f.StringVar(&sf.missing, "missing", "error", "series: missing values (empty, NaN, NA, null): error or ffill (carry the last observation forward)")
	addSeriesSelectFlags(f, sf)
	f.IntVar(&sf.trainRows, "train-rows", 0, "series: rows of the training part (0: 6071 for exchange rate's 7588 rows, else all rows for training, the rows before the windows for forecasting)")
	if protocol {
		f.IntVar(&sf.windows, "windows", 0, "series: rolling test windows of --predict rows after --train-rows (0: 5 for exchange rate, else 1)")
	}
}

// addInputFormatFlag adds --input-format, the format of a time series file.
func addInputFormatFlag(f *pflag.FlagSet, sf *seriesFlags) {
	f.StringVar(&sf.format, "input-format", "", "series file format: lstnet, csv, gluonts or auto (default: by extension; .npy/.npz/.nc are arrays)")
}

// addDeprecatedFormatAlias adds --format as a hidden deprecated alias of --input-format, for commands
// that write no fields (where --format names the output format, it is that instead).
func addDeprecatedFormatAlias(f *pflag.FlagSet, sf *seriesFlags) {
	f.StringVar(&sf.format, "format", "", "deprecated: --input-format")
	f.MarkHidden("format")
	f.MarkDeprecated("format", "use --input-format")
}

// addSeriesSelectFlags adds --ragged and --max-series, which pick the series of a GluonTS file.
func addSeriesSelectFlags(f *pflag.FlagSet, sf *seriesFlags) {
	f.StringVar(&sf.ragged, "ragged", "error", "series: GluonTS series of unequal lengths: error, or longest (keep the longest: a GluonTS test file lists each series once per rolling window)")
	f.IntVar(&sf.maxSeries, "max-series", 0, "series: keep the first N series (GluonTS's max_target_dim: 2000 for wiki-rolling_nips; 0: all)")
}

// isGluonTSPath reports whether path (with --input-format) is read as GluonTS JSON lines.
func isGluonTSPath(path, format string) bool {
	if format != "" {
		return format == "gluonts"
	}
	p := strings.TrimSuffix(strings.ToLower(path), ".gz")
	return strings.HasSuffix(p, ".json") || strings.HasSuffix(p, ".jsonl")
}

// isExchangeRate reports whether a series has the shape of exchange rate (8 series, 7588 rows), whose
// standard protocol is forecast.ExchangeRateNIPS.
func isExchangeRate(s *data.Series) bool { return s.T == 7588 && s.N == 8 }

// seriesInput is a time series read from the file given to --flag.
type seriesInput struct {
	flag, path string
	s          *data.Series
}

// String names the input as errors do.
func (in *seriesInput) String() string { return "--" + in.flag + " " + in.path }

// array is the input as inputArray, for the output checks (outputs never overwrite it).
func (in *seriesInput) array() *inputArray {
	return &inputArray{flag: in.flag, path: in.path, shape: []int{in.s.T, in.s.N}}
}

// readSeriesInput reads a series with data.ReadSeries, holding at most the memory budget's worth of
// float64 values; the reader's errors name the file and line.
func readSeriesInput(b guard.Budget, flag, path string, sf seriesFlags) (*seriesInput, error) {
	if path == "" {
		return nil, fmt.Errorf("--%s is required", flag)
	}
	format, err := data.ParseFormat(orDefault(sf.format, "auto"))
	if err != nil {
		return nil, fmt.Errorf("--input-format: %w", err)
	}
	missing, err := data.ParseMissing(sf.missing)
	if err != nil {
		return nil, fmt.Errorf("--missing: %w", err)
	}
	ragged, err := data.ParseRagged(sf.ragged)
	if err != nil {
		return nil, fmt.Errorf("--ragged: %w", err)
	}
	if err := guard.Int("max-series", sf.maxSeries, 0, 1<<24); err != nil {
		return nil, err
	}
	// The memory budget bounds the decompressed text as it streams and the values read: 8 bytes of float64
	// each, times 8 for the copies a growing slice makes on the way and the garbage collector's headroom.
	mem, src := b.Mem()
	o := data.SeriesOptions{Format: format, Missing: missing, Ragged: ragged, MaxBytes: max(mem, 1),
		MaxValues: int(min(int64(data.DefaultMaxValues), max(mem/64, 1))),
		Budget:    "the memory budget of " + guard.FormatBytes(mem) + " from " + src + "; --max-memory sets it"}
	s, err := data.ReadSeries(path, o)
	if err != nil {
		return nil, fmt.Errorf("--%s: %w", flag, err)
	}
	if sf.maxSeries > 0 {
		if s, err = s.FirstSeries(sf.maxSeries); err != nil {
			return nil, fmt.Errorf("--max-series %d: --%s %s: %w", sf.maxSeries, flag, path, err)
		}
	}
	return &seriesInput{flag: flag, path: path, s: s}, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// seriesTrainRows is the training part of a series: --train-rows, else exchange rate's 6071, else
// every row; a part too short for one window is refused naming the flags.
func seriesTrainRows(in *seriesInput, sf seriesFlags, window int) (int, error) {
	rows := in.s.T
	switch {
	case sf.trainRows > 0:
		if sf.trainRows > in.s.T {
			return 0, fmt.Errorf("--train-rows %d: %s has only %d rows", sf.trainRows, in, in.s.T)
		}
		rows = sf.trainRows
	case isExchangeRate(in.s):
		rows = forecast.ExchangeRateNIPS.Train
	}
	if rows < window {
		return 0, fmt.Errorf("%s: %d training rows, fewer than --context + --predict = %d of one window", in, rows, window)
	}
	return rows, nil
}

// seriesCases are the forecast cases over a series: the explicit start rows, or the rolling protocol
// (forecast.Rolling with Stride = lead): exchange rate's standard one (forecast.ExchangeRateNIPS) unless
// --train-rows or --windows say otherwise; without --train-rows the windows end at the last row.
// startsFlag names the flag of starts in errors (--cases for forecast, --starts for baseline).
func seriesCases(in *seriesInput, sf seriesFlags, context, lead int, starts []int, startsFlag string) (forecast.Cases, error) {
	T := in.s.T
	if context > T {
		return forecast.Cases{}, fmt.Errorf("%s: %d rows, fewer than the model's context of %d rows", in, T, context)
	}
	if len(starts) > 0 {
		if sf.trainRows > 0 || sf.windows > 0 {
			return forecast.Cases{}, fmt.Errorf("--%s gives the start rows; --train-rows and --windows describe the rolling windows instead", startsFlag)
		}
		for _, s := range starts {
			if s < context || s+lead > T {
				return forecast.Cases{}, fmt.Errorf("--%s %d: a window needs %d context rows before its start and %d rows from it, within the %d rows of %s", startsFlag, s, context, lead, T, in)
			}
		}
		return forecast.Cases{Context: context, Lead: lead, Starts: append([]int(nil), starts...)}, nil
	}
	windows := sf.windows
	if windows == 0 {
		windows = 1
		if isExchangeRate(in.s) {
			windows = forecast.ExchangeRateNIPS.Windows
		}
	}
	r := forecast.Rolling{Train: sf.trainRows, Windows: windows, Predict: lead, Stride: lead}
	switch {
	case sf.trainRows > 0:
	case isExchangeRate(in.s):
		r.Train = forecast.ExchangeRateNIPS.Train
	default:
		er, err := forecast.EndRolling(T, windows, lead)
		if err != nil {
			return forecast.Cases{}, fmt.Errorf("%s (--windows %d, lead %d): %w", in, windows, lead, err)
		}
		r = er
	}
	c, err := r.Cases(T, context)
	if err != nil {
		return forecast.Cases{}, fmt.Errorf("%s (--train-rows %d, --windows %d, lead %d): %w", in, r.Train, windows, lead, err)
	}
	return c, nil
}
