package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/internal/atomicfile"
	"github.com/tidal-forecast/tidal/metrics"
)

// scoreFlags holds the flags of `tidal score`.
type scoreFlags struct {
	forecast, obs, latWeights, out, biasMap string
	reportDir                               string
	metrics                                 []string
	memberAxis, leadAxis                    int
	thresholds, quantiles                   []float64
	csiWindows, fssWindows                  []int
	crpsPools                               []string
	dydiffMask, bestMember, asJSON          bool
	dataRange                               float64
	seed                                    uint64
}

// scoreCmd is `tidal score`; `tidal score rollout` hangs below it.
var scoreCmd = newScoreCmd()

func init() { rootCmd.AddCommand(scoreCmd) }

func newScoreCmd() *cobra.Command {
	var fl scoreFlags
	cmd := &cobra.Command{
		Use:   "score",
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
` + metricHelp() + `
Ratio metrics (crps-sum*, crps-ql, csi, fss) also print "pooled": the ratio of sums over all leads, the
number papers report. Both files are read whole into memory. For long rollouts (ACF, Hovmöller W1, drift,
spectrum) see "tidal score rollout".`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runScore(cmd, fl) },
	}
	f := cmd.Flags()
	f.StringVar(&fl.forecast, "forecast", "", "forecast NPY, [cases, members, lead, field...] by default (required)")
	f.StringVar(&fl.obs, "obs", "", "truth NPY, [cases, lead, field...] by default (required)")
	f.StringSliceVar(&fl.metrics, "metrics", metrics.DefaultMetrics, "comma-separated metrics to compute")
	f.IntVar(&fl.memberAxis, "member-axis", 1, "axis of the ensemble members in the forecast")
	f.IntVar(&fl.leadAxis, "lead-axis", 2, "axis of the lead times in the forecast (the truth's is the same axis without the member axis)")
	f.StringVar(&fl.latWeights, "lat-weights", "", "NPY of weights: [H] per row (e.g. cos(latitude)) or the trailing axes of the field; normalised to mean 1")
	f.Float64SliceVar(&fl.thresholds, "thresholds", nil, "event thresholds for csi and fss, field units (event: value >= threshold)")
	f.IntSliceVar(&fl.csiWindows, "csi-windows", []int{1}, "CSI max-pool windows, cells (1: per grid cell)")
	f.IntSliceVar(&fl.fssWindows, "fss-windows", []int{5}, "FSS neighbourhood sides, cells")
	f.StringSliceVar(&fl.crpsPools, "crps-pool", nil, "also score CRPS after pooling, e.g. avg2,max8 (DyDiff's pooled CRPS: window k, stride (k+2)/4)")
	f.BoolVar(&fl.dydiffMask, "dydiff-mask", false, "average CRPS only where the truth is >= 0, as DyDiff's evaluation does")
	f.Float64SliceVar(&fl.quantiles, "quantiles", nil, "quantile levels of crps-sum-ql and crps-ql (default 0.05,0.10,...,0.95)")
	f.Float64Var(&fl.dataRange, "data-range", 0, "data range R of psnr and ssim, field units (0: max - min of the truth)")
	f.BoolVar(&fl.bestMember, "best-member", false, "psnr/ssim keep the best member per case and lead (DyDiff) instead of the mean")
	f.Uint64Var(&fl.seed, "seed", 1, "seed of the rank histogram's tie-breaking")
	f.BoolVar(&fl.asJSON, "json", false, "print JSON (per-lead values, mean over leads, pooled where defined) instead of a table")
	f.StringVar(&fl.out, "out", "", "also write the JSON report to this file")
	f.StringVar(&fl.reportDir, "report", "", "also write a report folder (report.html, plots, animation; see tidal report) here")
	f.StringVar(&fl.biasMap, "bias-map", "", "write the bias maps (truth - ensemble mean), [lead, field...], to this NPY (needs bias or abs-bias)")
	cmd.MarkFlagRequired("forecast")
	cmd.MarkFlagRequired("obs")
	return cmd
}

func metricHelp() string {
	var b strings.Builder
	for _, m := range metrics.MetricNames {
		fmt.Fprintf(&b, "  %-14s %s\n", m.Name, m.Description)
	}
	return b.String()
}

func runScore(cmd *cobra.Command, fl scoreFlags) error {
	opt := metrics.ScoreOptions{
		Metrics: fl.metrics, Thresholds: fl.thresholds, CSIWindows: fl.csiWindows, FSSWindows: fl.fssWindows,
		NonNegativeTruthOnly: fl.dydiffMask, Quantiles: fl.quantiles, DataRange: fl.dataRange,
		BestMember: fl.bestMember, Seed: fl.seed,
	}
	for _, p := range fl.crpsPools {
		pool, err := parsePool(p)
		if err != nil {
			return fmt.Errorf("--crps-pool: %w", err)
		}
		opt.CRPSPools = append(opt.CRPSPools, pool)
	}
	fa, err := data.ReadNPY(fl.forecast)
	if err != nil {
		return err
	}
	oa, err := data.ReadNPY(fl.obs)
	if err != nil {
		return err
	}
	lay := metrics.Layout{MemberAxis: fl.memberAxis, LeadAxis: fl.leadAxis}
	obs, err := metrics.NewTruth(oa.Float64(), oa.Shape, lay)
	if err != nil {
		return fmt.Errorf("truth %s: %w", fl.obs, err)
	}
	var rep *metrics.Report
	if fa.DType == data.Float32 {
		rep, err = scoreFiles(fl, fa.F32, fa.Shape, obs, lay, opt)
	} else {
		rep, err = scoreFiles(fl, fa.F64, fa.Shape, obs, lay, opt)
	}
	if err != nil {
		return err
	}
	rep.Settings["forecast_file"] = fl.forecast
	rep.Settings["truth_file"] = fl.obs
	rep.Settings["axes"] = fmt.Sprintf("forecast members %d, lead %d (cases: first other axis)", fl.memberAxis, fl.leadAxis)
	if fl.latWeights != "" {
		rep.Settings["weights"] = fl.latWeights + ", normalised to mean 1"
	}
	js, err := rep.JSON()
	if err != nil {
		return err
	}
	if fl.biasMap != "" {
		if rep.BiasMaps == nil {
			return fmt.Errorf("--bias-map needs the bias or abs-bias metric")
		}
		vals := make([]float64, 0, len(rep.BiasMaps)*len(rep.BiasMaps[0]))
		for _, m := range rep.BiasMaps {
			vals = append(vals, m...)
		}
		if err := data.WriteNPY(fl.biasMap, data.FromFloat64(vals, append([]int{rep.Leads}, rep.Field...)...)); err != nil {
			return err
		}
	}
	if fl.out != "" {
		if err := atomicfile.WriteFile(fl.out, append(js, '\n')); err != nil {
			return err
		}
	}
	if fl.reportDir != "" {
		if err := writeScoreReport(fl.reportDir, fl, rep, fa, oa); err != nil {
			return err
		}
	}
	if fl.asJSON {
		fmt.Fprintln(cmd.OutOrStdout(), string(js))
	} else {
		fmt.Fprint(cmd.OutOrStdout(), rep.Table())
	}
	return nil
}

// scoreFiles views the forecast, checks both inputs and scores them; errors name the file at fault.
func scoreFiles[F metrics.Float](fl scoreFlags, fvals []F, fshape []int, obs *metrics.Fields[float64], lay metrics.Layout, opt metrics.ScoreOptions) (*metrics.Report, error) {
	fc, err := metrics.NewEnsemble(fvals, fshape, lay)
	if err != nil {
		return nil, fmt.Errorf("forecast %s: %w", fl.forecast, err)
	}
	if err := metrics.Match(fc, obs); err != nil {
		return nil, fmt.Errorf("forecast %s (shape %v) and truth %s: %w", fl.forecast, fshape, fl.obs, err)
	}
	if err := fc.CheckFinite(); err != nil {
		return nil, fmt.Errorf("forecast %s: %w", fl.forecast, err)
	}
	if err := obs.CheckFinite(); err != nil {
		return nil, fmt.Errorf("truth %s: %w", fl.obs, err)
	}
	if fl.latWeights != "" {
		wa, err := data.ReadNPY(fl.latWeights)
		if err != nil {
			return nil, err
		}
		if opt.Weights, err = metrics.PointWeights(fc.Field, wa.Float64(), wa.Shape); err != nil {
			return nil, fmt.Errorf("--lat-weights %s: %w", fl.latWeights, err)
		}
	}
	return metrics.Score(fc, obs, opt)
}

// parsePool reads "avg2" or "max8".
func parsePool(s string) (metrics.Pooling, error) {
	for _, kind := range []string{"avg", "max"} {
		if k, ok := strings.CutPrefix(s, kind); ok {
			n, err := strconv.Atoi(k)
			if err != nil || n < 1 {
				break
			}
			return metrics.CRPSPooling(kind, n), nil
		}
	}
	return metrics.Pooling{}, fmt.Errorf("%q: expected avg<k> or max<k>, e.g. avg2", s)
}
