package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/metrics"
	"github.com/tidal-forecast/tidal/scorerun"
)

// scoreCmd is `tidal score`; `tidal score rollout` hangs below it.
var scoreCmd = newScoreCmd()

func init() { rootCmd.AddCommand(scoreCmd) }

func newScoreCmd() *cobra.Command {
	var fl scorerun.ScoreOptions // the flags of `tidal score`
	cmd := &cobra.Command{
		Use: "score",
		Example: `  tidal score --forecast fc.npy --obs truth.npy --metrics crps,ssr,rmse
  tidal score --forecast fc.npy --obs truth.npy --ci 0.9 --json --out scores.json`,
		Short: "Score an ensemble forecast (NPY) against the truth: CRPS, spread-skill, RMSE, CSI, SSIM, ...",
		Long: `score reads a forecast and its truth from NPY files (float32 or float64, written by tidal or NumPy) and
prints each metric per lead time with its mean over leads, as a table or as JSON.

Axis conventions: the forecast is [cases, members, lead, field...] and the truth [cases, lead, field...],
where field is any shape, e.g. [channels, H, W] as tidal forecast writes, or [series] for multivariate
series. --member-axis and --lead-axis move the member and lead axes of the forecast; the truth has the
forecast's axes without the member axis. Of the remaining axes the first is the case axis and the rest
form the field. Image metrics (ssim, psnr, csi/fss windows, pooled CRPS) take the field's last two axes as
H and W.

Metrics (docs/METRICS.md has every formula):
` + metrics.MetricHelp() + `
Ratio metrics (crps-sum*, crps-ql, csi, fss) also print "pooled": the ratio of sums over all leads, the
number papers report. Both files are read whole into memory. For long rollouts (ACF, Hovmöller W1, drift,
spectrum) see "tidal score rollout".`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runScore(cmd, fl) },
	}
	f := cmd.Flags()
	f.StringVar(&fl.Forecast, "forecast", "", "forecast NPY, [cases, members, lead, field...] by default (required)")
	f.StringVar(&fl.Obs, "obs", "", "truth NPY, [cases, lead, field...] by default (required)")
	f.StringSliceVar(&fl.Metrics, "metrics", metrics.DefaultMetrics, "comma-separated metrics to compute (a series forecast [windows, members, lead, N] defaults to crps-sum-ql, crps-sum-fair, crps-ql, energy, variogram, crps-fair, spread, skill)")
	f.IntVar(&fl.MemberAxis, "member-axis", 1, "axis of the ensemble members in the forecast")
	f.IntVar(&fl.LeadAxis, "lead-axis", 2, "axis of the lead times in the forecast (the truth's is the same axis without the member axis)")
	f.StringVar(&fl.LatWeights, "lat-weights", "", "NPY of weights: [H] per row (e.g. cos(latitude)) or the trailing axes of the field; normalised to mean 1 (default for NetCDF inputs on a lat-lon grid: cos(latitude))")
	f.BoolVar(&fl.NoLatWeights, "no-lat-weights", false, "NetCDF inputs on a lat-lon grid: weight every grid cell alike instead of by cos(latitude)")
	f.Float64SliceVar(&fl.Thresholds, "thresholds", nil, "event thresholds for csi and fss, field units (event: value >= threshold)")
	f.IntSliceVar(&fl.CSIWindows, "csi-windows", []int{1}, "CSI max-pool windows, cells (1: per grid cell)")
	f.IntSliceVar(&fl.FSSWindows, "fss-windows", []int{5}, "FSS neighbourhood sides, cells")
	f.StringSliceVar(&fl.CRPSPools, "crps-pool", nil, "also score CRPS after pooling, e.g. avg2,max8 (DyDiff's pooled CRPS: window k, stride (k+2)/4)")
	f.BoolVar(&fl.NonNegativeTruthOnly, "dydiff-mask", false, "average CRPS only where the truth is >= 0, as DyDiff's evaluation does")
	f.Float64SliceVar(&fl.Quantiles, "quantiles", nil, "quantile levels of crps-sum-ql and crps-ql (default 0.05,0.10,...,0.95)")
	f.Float64Var(&fl.DataRange, "data-range", 0, "data range R of psnr and ssim, field units (0: max - min of the truth)")
	f.BoolVar(&fl.BestMember, "best-member", false, "psnr/ssim keep the best member per case and lead (DyDiff) instead of the mean")
	f.Uint64Var(&fl.Seed, "seed", 1, "seed of the rank histogram's tie-breaking")
	f.Float64Var(&fl.CI, "ci", 0, "level of bootstrap intervals over cases, e.g. 0.9, for crps, crps-fair, crps-pwm and rmse per lead and their mean (0: none); implies --per-case")
	f.IntVar(&fl.CIBlock, "ci-block", 1, "cases per block of the moving-block bootstrap: more than 1 where consecutive cases overlap in time")
	f.IntVar(&fl.CIResamples, "ci-resamples", 2000, "bootstrap resamples of --ci")
	f.BoolVar(&fl.PerCase, "per-case", false, "write every case's crps, crps-fair, crps-pwm and rmse per lead (JSON per_case), which tidal report bootstraps")
	f.BoolVar(&fl.JSON, "json", false, "print JSON (per-lead values, mean over leads, pooled where defined) instead of a table")
	f.StringVar(&fl.Out, "out", "", "also write the JSON report to this file (a NetCDF Dataset of the per-lead scores if its name ends in .nc)")
	f.StringVar(&fl.ReportDir, "report", "", "also write a report folder (report.html, plots, animation; see tidal report) here")
	f.StringVar(&fl.BiasMap, "bias-map", "", "write the bias maps (truth - ensemble mean), [lead, field...], to this NPY (needs bias or abs-bias)")
	cmd.MarkFlagRequired("forecast")
	cmd.MarkFlagRequired("obs")
	return cmd
}

// runScore maps the flags onto scorerun.ScoreOptions: it scores --forecast against --obs, writes the
// report, the bias maps and the report folder, and prints the table or the JSON.
func runScore(cmd *cobra.Command, fl scorerun.ScoreOptions) (err error) {
	fl.MetricsGiven, fl.Command, fl.Version = cmd.Flags().Changed("metrics"), cli.CommandLine(cmd), version
	fl.Backend, _ = cli.BackendName()
	if fl.Budget, err = cli.Budget(); err != nil {
		return err
	}
	out, err := scorerun.Score(fl)
	if err != nil {
		return err
	}
	fmt.Fprint(cmd.OutOrStdout(), out)
	return nil
}
