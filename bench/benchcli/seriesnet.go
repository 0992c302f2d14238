package benchcli

import (
	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/backend"
	"github.com/tidal-forecast/tidal/bench/seriesnetbench"
	"github.com/tidal-forecast/tidal/cli"
)

func init() {
	opt := seriesnetbench.Default
	cmd := &cobra.Command{
		Use:     "series-net",
		Example: `  tidal bench series-net --series 64,256 --window-length 60 --context 30 --batch 8`,
		Short:   "Time the series denoiser's training step at several numbers of series, beside its FLOP ratio",
		Long: `series-net times one AdamW training step of nets.SeriesNet (default configuration) on --batch random
windows of --window-length time steps, for each number of series in --series, and prints the median step time,
the rate, and the ratios of time and of FLOPs against the first size. The network's cost is linear in the
number of series; the time ratio should follow the FLOP ratio.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkSeriesNetBench(opt); err != nil {
				return err
			}
			name, err := cli.BackendName()
			if err != nil {
				return err
			}
			be, err := backend.New(name)
			if err != nil {
				return err
			}
			defer be.Finalize()
			_, err = seriesnetbench.Run(be, opt, cmd.OutOrStdout())
			return err
		},
	}
	f := cmd.Flags()
	f.IntVar(&opt.Batch, "batch", opt.Batch, "windows per step")
	f.IntVar(&opt.Steps, "window-length", opt.Steps, "time steps per window (context + prediction)")
	cli.DeprecatedAlias(f, "steps", "window-length")
	f.IntVar(&opt.Context, "context", opt.Context, "observed time steps of each window")
	f.IntSliceVar(&opt.Series, "series", opt.Series, "numbers of series to time")
	f.IntVar(&opt.Repeats, "repeats", opt.Repeats, "timed steps per size; the median is kept")
	f.IntVar(&opt.Config.Branches, "branches", 0, "batch branches of the graph (0: GOMAXPROCS on the Go backend)")
	benchCmd.AddCommand(cmd)
}
