package main

import (
	"github.com/spf13/pflag"

	"github.com/tidal-forecast/tidal/cli"
)

// seriesFlags are the flags the commands share for multivariate time series [T, N] (docs/SERIES.md).
type seriesFlags struct {
	format, missing, ragged       string
	trainRows, windows, maxSeries int
}

// seriesOnlyFlags are the flags a command refuses when its data are an array rather than a series.
var seriesOnlyFlags = cli.SeriesOnlyFlags

// addSeriesFlags adds --input-format, --missing, --ragged, --max-series and, with protocol, --train-rows
// and --windows.
func addSeriesFlags(f *pflag.FlagSet, sf *seriesFlags, protocol bool) {
	f.StringVar(&sf.format, "input-format", "", "series file format: lstnet, csv, gluonts or auto (default: by extension; .npy/.npz/.nc are arrays)")
	f.StringVar(&sf.missing, "missing", "error", "series: missing values (empty, NaN, NA, null): error or ffill (carry the last observation forward)")
	f.StringVar(&sf.ragged, "ragged", "error", "series: GluonTS series of unequal lengths: error, or longest (keep the longest: a GluonTS test file lists each series once per rolling window)")
	f.IntVar(&sf.maxSeries, "max-series", 0, "series: keep the first N series (GluonTS's max_target_dim: 2000 for wiki-rolling_nips; 0: all)")
	f.IntVar(&sf.trainRows, "train-rows", 0, "series: rows of the training part (0: 6071 for exchange rate's 7588 rows, else all rows for training, the rows before the windows for forecasting)")
	if protocol {
		f.IntVar(&sf.windows, "windows", 0, "series: rolling test windows of --predict rows after --train-rows (0: 5 for exchange rate, else 1)")
	}
}

// addDeprecatedFormatAlias adds --format as a hidden deprecated alias of --input-format, for commands
// that write no fields (where --format names the output format, it is that instead).
func addDeprecatedFormatAlias(f *pflag.FlagSet, sf *seriesFlags) {
	f.StringVar(&sf.format, "format", "", "deprecated: --input-format")
	f.MarkHidden("format")
	f.MarkDeprecated("format", "use --input-format")
}

// cli is sf as package cli reads series with it.
func (sf seriesFlags) cli() cli.SeriesFlags {
	return cli.SeriesFlags{Format: sf.format, Missing: sf.missing, Ragged: sf.ragged,
		TrainRows: sf.trainRows, Windows: sf.windows, MaxSeries: sf.maxSeries}
}

// seriesArray is a series input as the output checks see it (outputs never overwrite it).
func seriesArray(in *cli.SeriesInput) *inputArray {
	return &inputArray{flag: in.Flag, path: in.Path, shape: []int{in.S.T, in.S.N}}
}
