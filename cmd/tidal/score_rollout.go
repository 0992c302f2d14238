package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/scorerun"
)

func init() { scoreCmd.AddCommand(newScoreRolloutCmd()) }

// newScoreRolloutCmd is `tidal score rollout`.
func newScoreRolloutCmd() *cobra.Command {
	var fl scorerun.RolloutOptions // the flags of `tidal score rollout`
	cmd := &cobra.Command{
		Use: "rollout",
		Example: `  tidal score rollout --forecast guided.npy --obs ns_test.npy --json --out roll.json
  tidal score rollout --forecast roll.npy --obs ns_test.npy --member 0 --max-lag 50`,
		Short: "Compare the time consistency of a long rollout with the truth: ACF, Hovmöller W1, drift, spectrum",
		Long: `rollout reads a forecast rollout and a truth sequence, each an NPY of shape [T, H, W] or [T, channels, H, W]
(their lengths may differ), and compares their time-consistency diagnostics (docs/METRICS.md). The forecast
may also be the output of 'tidal rollout', [T, members, channels, H, W]: --member K scores member K, and
without --member every member is scored in turn (a table each; --json and --out write
{"members": [report, ...]}, one report per member; a single member's report is what 'tidal report' reads).
  acf        autocorrelation of each standardised grid-point series at lags 0..--max-lag
  hovmoller  distribution of the Wasserstein-1 distance between consecutive Hovmöller rows
  drift      spatial mean over time: its mean, least-squares slope and running mean
  spectrum   time-mean radially averaged power spectrum, and log10(forecast/truth) per wavenumber;
             on a lat-lon grid (NetCDF with lat and lon coordinates) the zonal spectrum instead: FFT along
             longitude per latitude row, averaged over latitudes with cos-latitude weights (--spectrum)`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fl.AllMembers = !cmd.Flags().Changed("member")
			return runScoreRollout(cmd, fl)
		},
	}
	f := cmd.Flags()
	f.StringVar(&fl.Forecast, "forecast", "", "forecast rollout NPY, [T, H, W] or [T, channels, H, W] (required)")
	f.StringVar(&fl.Obs, "obs", "", "truth sequence NPY, same layout (required)")
	f.IntVar(&fl.MaxLag, "max-lag", 9, "largest ACF lag, frames")
	f.IntVar(&fl.Channel, "channel", 0, "channel to score when the files have a channel axis")
	f.IntVar(&fl.Member, "member", 0, "the member to score of a forecast [T, members, channels, H, W] ('tidal rollout' writes it); not given: every member in turn")
	f.StringVar(&fl.LatWeights, "lat-weights", "", "NPY of weights: [H] per row or [H, W]; normalised to mean 1")
	f.StringVar(&fl.Season, "season", "", "NPY of one integer label per frame (e.g. month 0..11): subtract each label's mean before the ACF")
	f.IntSliceVar(&fl.Band, "band", nil, "Hovmöller band axis,from,to: axis 1 averages columns from..to-1, axis 0 rows (default: the 10 centre columns)")
	f.IntVar(&fl.Bins, "bins", 50, "bins of the W1 histograms")
	f.IntVar(&fl.Window, "window", 0, "running-mean window of the drift series, frames (0: T/20)")
	f.BoolVar(&fl.JSON, "json", false, "print JSON instead of a summary table")
	f.StringVar(&fl.Spectrum, "spectrum", "auto", "isotropic (radially averaged 2-D spectrum), zonal (FFT along longitude per latitude row, cos-latitude weighted) or auto (zonal for NetCDF inputs on a lat-lon grid)")
	f.StringVar(&fl.Out, "out", "", "also write the JSON report to this file")
	cmd.MarkFlagRequired("forecast")
	cmd.MarkFlagRequired("obs")
	return cmd
}

// runScoreRollout maps the flags onto scorerun.RolloutOptions, scores each member, writes the report
// and prints it.
func runScoreRollout(cmd *cobra.Command, fl scorerun.RolloutOptions) (err error) {
	if fl.Budget, err = cli.Budget(); err != nil {
		return err
	}
	out, err := scorerun.ScoreRollout(fl)
	if err != nil {
		return err
	}
	fmt.Fprint(cmd.OutOrStdout(), out)
	return nil
}
