package benchcli

import (
	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/bench/seriesbench"
	"github.com/tidal-forecast/tidal/cli"
)

func init() {
	opt := seriesbench.Traffic
	cmd := &cobra.Command{
		Use:     "series-io",
		Example: `  tidal bench series-io --rows 7588 --columns 862 --repeats 3`,
		Short:   "Time the series readers (LSTNet text, CSV, GluonTS JSON lines) against a bare parse of the same text",
		Long: `series-io writes a synthetic series of --rows × --columns values (six decimals, as the LSTNet files) in each
format to memory, then reads it with tidal's reader and with a bare loop that only splits the text and
parses the numbers, alternating them --repeats times; it prints the median times, the reader's rate and the
ratio reader / bare parse, the cost of the readers' checks. Both must give the written values.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkSeriesBench(opt); err != nil {
				return err
			}
			_, err := seriesbench.Run(opt, cmd.OutOrStdout())
			return err
		},
	}
	f := cmd.Flags()
	f.IntVar(&opt.T, "rows", opt.T, "time steps of the synthetic series")
	f.IntVar(&opt.N, "columns", opt.N, "series (columns) of the synthetic data")
	cli.DeprecatedAlias(f, "series", "columns")
	f.IntVar(&opt.Repeats, "repeats", opt.Repeats, "measurements per format; the median is kept")
	f.Uint64Var(&opt.Seed, "seed", opt.Seed, "seed of the synthetic values")
	benchCmd.AddCommand(cmd)
}
