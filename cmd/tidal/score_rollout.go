package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/guard"
	"github.com/tidal-forecast/tidal/metrics"
)

func init() { scoreCmd.AddCommand(newScoreRolloutCmd()) }

// newScoreRolloutCmd is `tidal score rollout`.
func newScoreRolloutCmd() *cobra.Command {
	var (
		fcPath, obs, latWeights, season, out  string
		maxLag, bins, window, channel, member int
		band                                  []int
		asJSON                                bool
		spectrum                              string
	)
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
			if err := guard.First(
				guard.Int("max-lag", maxLag, 1, maxCount), guard.Int("bins", bins, 1, 1<<20),
				guard.Int("window", window, 0, maxCount), guard.Int("channel", channel, 0, maxCount), guard.Int("member", member, 0, maxCount),
			); err != nil {
				return err
			}
			b, err := runBudget()
			if err != nil {
				return err
			}
			const layout = "[T, H, W] or [T, channels, H, W]"
			fi, err := statInput("forecast", fcPath, 3, 5, layout+", or [T, members, channels, H, W] as 'tidal rollout' writes")
			if err != nil {
				return err
			}
			if !cmd.Flags().Changed("member") {
				member = -1 // every member
			}
			members, err := forecast.RolloutMembers(fi.String(), fi.shape, member)
			if err != nil {
				return err
			}
			view := fi // the diagnostics see one member's [T, channels, H, W] at a time
			if len(fi.shape) == 5 {
				view = &inputArray{flag: fi.flag, path: fi.path, shape: append([]int{fi.shape[0]}, fi.shape[2:]...), dtype: fi.dtype}
			}
			oi, err := statInput("obs", obs, 3, 4, layout)
			if err != nil {
				return err
			}
			if err := checkRolloutLengths(view, oi, maxLag, window); err != nil {
				return err
			}
			inputs := []*inputArray{fi, oi, {flag: "lat-weights", path: latWeights}, {flag: "season", path: season}}
			if err := checkOutputs(inputs, [2]string{"out", out}); err != nil {
				return err
			}
			// Both series as float64, and the diagnostics' work arrays of the same order.
			// A forecast with members is also copied member by member.
			need := guard.Sum(guard.Product(fi.Float64Bytes(), 3), guard.Product(oi.Float64Bytes(), 3), guard.Product(int64(bins), 64))
			if view != fi {
				need = guard.Sum(need, fi.Float64Bytes())
			}
			if err := b.CheckMemory(fmt.Sprintf("rollout diagnostics of forecast %v and truth %v", fi.shape, oi.shape), need); err != nil {
				return err
			}
			fa, err := fi.read(b)
			if err != nil {
				return err
			}
			oa, err := oi.read(b)
			if err != nil {
				return err
			}
			opt := metrics.RolloutOptions{MaxLag: maxLag, Bins: bins, Window: window, Channel: channel}
			lat, _ := gridLatWeights(fi, oi)
			if opt.ZonalRows, err = forecast.ZonalRows(spectrum, lat, fi.shape[len(fi.shape)-2]); err != nil {
				return err
			}
			if err := forecast.CheckRolloutAxes(view.String(), view.shape, band, channel); err != nil {
				return err
			}
			if len(band) > 0 {
				opt.Band = &metrics.HovmollerBand{Axis: band[0], From: band[1], To: band[2]}
			}
			if latWeights != "" {
				wa, err := data.ReadNPY(latWeights)
				if err != nil {
					return fmt.Errorf("--lat-weights: %w", err)
				}
				n := len(fa.Shape)
				if n < 2 {
					return fmt.Errorf("forecast %s: shape %v is not a rollout of images", fcPath, fa.Shape)
				}
				if opt.Weights, err = metrics.PointWeights(fa.Shape[n-2:], wa.Float64(), wa.Shape); err != nil {
					return fmt.Errorf("--lat-weights %s: %w", latWeights, err)
				}
			}
			if season != "" {
				if opt.Season, err = readSeason(season, b); err != nil {
					return err
				}
			}
			reps, err := forecast.ScoreRolloutMembers(fa, oa, members, opt, fcPath, obs)
			if err != nil {
				return err
			}
			js, err := forecast.RolloutJSON(reps)
			if err != nil {
				return err
			}
			if err := writeNPYs(inputs, []namedOutput{bytesOutput("out", out, append(js, '\n'))}); err != nil {
				return err
			}
			if asJSON {
				fmt.Fprintln(cmd.OutOrStdout(), string(js))
				return nil
			}
			for i, r := range reps {
				if len(reps) > 1 {
					fmt.Fprintf(cmd.OutOrStdout(), "member %d:\n", members[i])
				}
				fmt.Fprint(cmd.OutOrStdout(), r.Table())
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&fcPath, "forecast", "", "forecast rollout NPY, [T, H, W] or [T, channels, H, W] (required)")
	f.StringVar(&obs, "obs", "", "truth sequence NPY, same layout (required)")
	f.IntVar(&maxLag, "max-lag", 9, "largest ACF lag, frames")
	f.IntVar(&channel, "channel", 0, "channel to score when the files have a channel axis")
	f.IntVar(&member, "member", 0, "the member to score of a forecast [T, members, channels, H, W] ('tidal rollout' writes it); not given: every member in turn")
	f.StringVar(&latWeights, "lat-weights", "", "NPY of weights: [H] per row or [H, W]; normalised to mean 1")
	f.StringVar(&season, "season", "", "NPY of one integer label per frame (e.g. month 0..11): subtract each label's mean before the ACF")
	f.IntSliceVar(&band, "band", nil, "Hovmöller band axis,from,to: axis 1 averages columns from..to-1, axis 0 rows (default: the 10 centre columns)")
	f.IntVar(&bins, "bins", 50, "bins of the W1 histograms")
	f.IntVar(&window, "window", 0, "running-mean window of the drift series, frames (0: T/20)")
	f.BoolVar(&asJSON, "json", false, "print JSON instead of a summary table")
	f.StringVar(&spectrum, "spectrum", "auto", "isotropic (radially averaged 2-D spectrum), zonal (FFT along longitude per latitude row, cos-latitude weighted) or auto (zonal for NetCDF inputs on a lat-lon grid)")
	f.StringVar(&out, "out", "", "also write the JSON report to this file")
	cmd.MarkFlagRequired("forecast")
	cmd.MarkFlagRequired("obs")
	return cmd
}

// readSeason reads --season: one integer label per frame (forecast.SeasonLabels).
func readSeason(path string, b guard.Budget) ([]int, error) {
	si, err := statInput("season", path, 1, 1, "[frames] of integer labels")
	if err != nil {
		return nil, err
	}
	sa, err := si.read(b)
	if err != nil {
		return nil, err
	}
	return forecast.SeasonLabels(path, sa)
}

// checkRolloutLengths refuses a --max-lag or --window that the shorter of the two series cannot hold:
// a lag of T or more frames has no pair of frames, a running mean of more than T frames no value.
func checkRolloutLengths(fi, oi *inputArray, maxLag, window int) error {
	short := fi
	if oi.shape[0] < fi.shape[0] {
		short = oi
	}
	T := short.shape[0]
	if maxLag >= T {
		return fmt.Errorf("--max-lag %d: expected a lag below the %d frames of %s", maxLag, T, short)
	}
	if window > T {
		return fmt.Errorf("--window %d: expected at most the %d frames of %s", window, T, short)
	}
	return nil
}
