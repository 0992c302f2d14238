package cli

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/guard"
)

// SeriesFlags are the flags the commands share for multivariate time series [T, N] (docs/SERIES.md).
type SeriesFlags struct {
	Format, Missing, Ragged       string
	TrainRows, Windows, MaxSeries int
}

// SeriesOnlyFlags are the flags a command refuses when its data are an array rather than a series.
var SeriesOnlyFlags = []string{"input-format", "missing", "ragged", "max-series", "train-rows", "windows", "quantiles-out", "samples-out", "start", "freq"}

// AddSeriesFlags adds --input-format, --missing, --ragged, --max-series and, with protocol, --train-rows
// and --windows.
func AddSeriesFlags(f *pflag.FlagSet, sf *SeriesFlags, protocol bool) {
	AddInputFormatFlag(f, sf)
	f.StringVar(&sf.Missing, "missing", "error", "series: missing values (empty, NaN, NA, null): error or ffill (carry the last observation forward)")
	AddSeriesSelectFlags(f, sf)
	f.IntVar(&sf.TrainRows, "train-rows", 0, "series: rows of the training part (0: 6071 for exchange rate's 7588 rows, else all rows for training, the rows before the windows for forecasting)")
	if protocol {
		f.IntVar(&sf.Windows, "windows", 0, "series: rolling test windows of --predict rows after --train-rows (0: 5 for exchange rate, else 1)")
	}
}

// AddInputFormatFlag adds --input-format, the format of a time series file.
func AddInputFormatFlag(f *pflag.FlagSet, sf *SeriesFlags) {
	f.StringVar(&sf.Format, "input-format", "", "series file format: lstnet, csv, gluonts or auto (default: by extension; .npy/.npz/.nc are arrays)")
}

// AddDeprecatedFormatAlias adds --format as a hidden deprecated alias of --input-format, for commands
// that write no fields (where --format names the output format, it is that instead).
func AddDeprecatedFormatAlias(f *pflag.FlagSet, sf *SeriesFlags) {
	f.StringVar(&sf.Format, "format", "", "deprecated: --input-format")
	f.MarkHidden("format")
	f.MarkDeprecated("format", "use --input-format")
}

// AddSeriesSelectFlags adds --ragged and --max-series, which pick the series of a GluonTS file.
func AddSeriesSelectFlags(f *pflag.FlagSet, sf *SeriesFlags) {
	f.StringVar(&sf.Ragged, "ragged", "error", "series: GluonTS series of unequal lengths: error, or longest (keep the longest: a GluonTS test file lists each series once per rolling window)")
	f.IntVar(&sf.MaxSeries, "max-series", 0, "series: keep the first N series (GluonTS's max_target_dim: 2000 for wiki-rolling_nips; 0: all)")
}

// IsGluonTSPath reports whether path (with --input-format) is read as GluonTS JSON lines.
func IsGluonTSPath(path, format string) bool {
	if format != "" {
		return format == "gluonts"
	}
	p := strings.TrimSuffix(strings.ToLower(path), ".gz")
	return strings.HasSuffix(p, ".json") || strings.HasSuffix(p, ".jsonl")
}

// IsExchangeRate reports whether a series has the shape of exchange rate (8 series, 7588 rows), whose
// standard protocol is forecast.ExchangeRateNIPS.
func IsExchangeRate(s *data.Series) bool { return s.T == 7588 && s.N == 8 }

// SeriesInput is a time series read from the file given to --flag.
type SeriesInput struct {
	Flag, Path string
	S          *data.Series
}

// String names the input as errors do.
func (in *SeriesInput) String() string { return "--" + in.Flag + " " + in.Path }

// Input is the series as the output checks see it (outputs never overwrite it).
func (in *SeriesInput) Input() *Input {
	return &Input{Flag: in.Flag, Path: in.Path, Shape: []int{in.S.T, in.S.N}}
}

// ReadSeries reads a series with data.ReadSeries, holding at most the memory budget's worth of
// float64 values; the reader's errors name the file and line.
func ReadSeries(b guard.Budget, flag, path string, sf SeriesFlags) (*SeriesInput, error) {
	if path == "" {
		return nil, fmt.Errorf("--%s is required", flag)
	}
	format, err := data.ParseFormat(cmp.Or(sf.Format, "auto"))
	if err != nil {
		return nil, fmt.Errorf("--input-format: %w", err)
	}
	missing, err := data.ParseMissing(sf.Missing)
	if err != nil {
		return nil, fmt.Errorf("--missing: %w", err)
	}
	ragged, err := data.ParseRagged(sf.Ragged)
	if err != nil {
		return nil, fmt.Errorf("--ragged: %w", err)
	}
	if err := guard.Int("max-series", sf.MaxSeries, 0, 1<<24); err != nil {
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
	if sf.MaxSeries > 0 {
		if s, err = s.FirstSeries(sf.MaxSeries); err != nil {
			return nil, fmt.Errorf("--max-series %d: --%s %s: %w", sf.MaxSeries, flag, path, err)
		}
	}
	return &SeriesInput{Flag: flag, Path: path, S: s}, nil
}

// SeriesTrainRows is the training part of a series: --train-rows, else exchange rate's 6071, else
// every row; a part too short for one window is refused naming the flags.
func SeriesTrainRows(in *SeriesInput, sf SeriesFlags, window int) (int, error) {
	rows := in.S.T
	switch {
	case sf.TrainRows > 0:
		if sf.TrainRows > in.S.T {
			return 0, fmt.Errorf("--train-rows %d: %s has only %d rows", sf.TrainRows, in, in.S.T)
		}
		rows = sf.TrainRows
	case IsExchangeRate(in.S):
		rows = forecast.ExchangeRateNIPS.Train
	}
	if rows < window {
		return 0, fmt.Errorf("%s: %d training rows, fewer than --context + --predict = %d of one window", in, rows, window)
	}
	return rows, nil
}

// SeriesCases are the forecast cases over a series: the explicit start rows, or the rolling protocol
// (forecast.Rolling with Stride = lead): exchange rate's standard one (forecast.ExchangeRateNIPS) unless
// --train-rows or --windows say otherwise; without --train-rows the windows end at the last row.
// startsFlag names the flag of starts in errors (--cases for forecast, --starts for baseline).
func SeriesCases(in *SeriesInput, sf SeriesFlags, context, lead int, starts []int, startsFlag string) (forecast.Cases, error) {
	T := in.S.T
	if context > T {
		return forecast.Cases{}, fmt.Errorf("%s: %d rows, fewer than the model's context of %d rows", in, T, context)
	}
	if len(starts) > 0 {
		if sf.TrainRows > 0 || sf.Windows > 0 {
			return forecast.Cases{}, fmt.Errorf("--%s gives the start rows; --train-rows and --windows describe the rolling windows instead", startsFlag)
		}
		for _, s := range starts {
			if s < context || s+lead > T {
				return forecast.Cases{}, fmt.Errorf("--%s %d: a window needs %d context rows before its start and %d rows from it, within the %d rows of %s", startsFlag, s, context, lead, T, in)
			}
		}
		return forecast.Cases{Context: context, Lead: lead, Starts: append([]int(nil), starts...)}, nil
	}
	windows := sf.Windows
	if windows == 0 {
		windows = 1
		if IsExchangeRate(in.S) {
			windows = forecast.ExchangeRateNIPS.Windows
		}
	}
	r := forecast.Rolling{Train: sf.TrainRows, Windows: windows, Predict: lead, Stride: lead}
	switch {
	case sf.TrainRows > 0:
	case IsExchangeRate(in.S):
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
