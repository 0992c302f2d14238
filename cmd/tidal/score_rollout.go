package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/internal/atomicfile"
	"github.com/tidal-forecast/tidal/metrics"
)

func init() {
	var (
		forecast, obs, latWeights, season, out string
		maxLag, bins, window, channel          int
		band                                   []int
		asJSON                                 bool
	)
	cmd := &cobra.Command{
		Use:   "rollout",
		Short: "Compare the time consistency of a long rollout with the truth: ACF, Hovmöller W1, drift, spectrum",
		Long: `rollout reads a forecast rollout and a truth sequence, each an NPY of shape [T, H, W] or [T, channels, H, W]
(their lengths may differ), and compares their time-consistency diagnostics (docs/METRICS.md):
  acf        autocorrelation of each standardised grid-point series at lags 0..--max-lag
  hovmoller  distribution of the Wasserstein-1 distance between consecutive Hovmöller rows
  drift      spatial mean over time: its mean, least-squares slope and running mean
  spectrum   time-mean radially averaged power spectrum, and log10(forecast/truth) per wavenumber`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fa, err := data.ReadNPY(forecast)
			if err != nil {
				return err
			}
			oa, err := data.ReadNPY(obs)
			if err != nil {
				return err
			}
			opt := metrics.RolloutOptions{MaxLag: maxLag, Bins: bins, Window: window, Channel: channel}
			if len(band) > 0 {
				if len(band) != 3 {
					return fmt.Errorf("--band: expected axis,from,to; got %v", band)
				}
				opt.Band = &metrics.HovmollerBand{Axis: band[0], From: band[1], To: band[2]}
			}
			if latWeights != "" {
				wa, err := data.ReadNPY(latWeights)
				if err != nil {
					return err
				}
				n := len(fa.Shape)
				if n < 2 {
					return fmt.Errorf("forecast %s: shape %v is not a rollout of images", forecast, fa.Shape)
				}
				if opt.Weights, err = metrics.PointWeights(fa.Shape[n-2:], wa.Float64(), wa.Shape); err != nil {
					return fmt.Errorf("--lat-weights %s: %w", latWeights, err)
				}
			}
			if season != "" {
				sa, err := data.ReadNPY(season)
				if err != nil {
					return err
				}
				for _, v := range sa.Float64() {
					opt.Season = append(opt.Season, int(v))
				}
			}
			rep, err := metrics.ScoreRollout(fa.Float64(), fa.Shape, oa.Float64(), oa.Shape, opt)
			if err != nil {
				return fmt.Errorf("forecast %s, truth %s: %w", forecast, obs, err)
			}
			js, err := rep.JSON()
			if err != nil {
				return err
			}
			if out != "" {
				if err := atomicfile.WriteFile(out, append(js, '\n')); err != nil {
					return err
				}
			}
			if asJSON {
				fmt.Fprintln(cmd.OutOrStdout(), string(js))
				return nil
			}
			fmt.Fprint(cmd.OutOrStdout(), rep.Table())
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&forecast, "forecast", "", "forecast rollout NPY, [T, H, W] or [T, channels, H, W] (required)")
	f.StringVar(&obs, "obs", "", "truth sequence NPY, same layout (required)")
	f.IntVar(&maxLag, "max-lag", 9, "largest ACF lag, frames")
	f.IntVar(&channel, "channel", 0, "channel to score when the files have a channel axis")
	f.StringVar(&latWeights, "lat-weights", "", "NPY of weights: [H] per row or [H, W]; normalised to mean 1")
	f.StringVar(&season, "season", "", "NPY of one integer label per frame (e.g. month 0..11): subtract each label's mean before the ACF")
	f.IntSliceVar(&band, "band", nil, "Hovmöller band axis,from,to: axis 1 averages columns from..to-1, axis 0 rows (default: the 10 centre columns)")
	f.IntVar(&bins, "bins", 50, "bins of the W1 histograms")
	f.IntVar(&window, "window", 0, "running-mean window of the drift series, frames (0: T/20)")
	f.BoolVar(&asJSON, "json", false, "print JSON instead of a summary table")
	f.StringVar(&out, "out", "", "also write the JSON report to this file")
	cmd.MarkFlagRequired("forecast")
	cmd.MarkFlagRequired("obs")
	scoreCmd.AddCommand(cmd)
}
