package forecast

import (
	"fmt"

	"github.com/tidal-forecast/tidal/guard"
	"github.com/tidal-forecast/tidal/metrics"
)

// ScoreSettings are the settings of a score as `tidal score` takes them (docs/METRICS.md); Check and
// Options name each setting by its flag there (--thresholds, --ci, …).
type ScoreSettings struct {
	// Metrics are the metrics' names (metrics.MetricNames).
	Metrics []string
	// Thresholds are the events of csi and fss (value ≥ threshold), CSIWindows and FSSWindows their
	// windows; Quantiles the levels of the quantile CRPS (nil: the default levels).
	Thresholds, Quantiles  []float64
	CSIWindows, FSSWindows []int
	// CRPSPools are pooled CRPS variants, e.g. "avg2", "max8" (metrics.ParsePooling).
	CRPSPools []string
	// NonNegativeTruthOnly averages the CRPS where the truth is ≥ 0 (DyDiff's mask); BestMember keeps
	// the best member in psnr and ssim; PerCase records every case's scores.
	NonNegativeTruthOnly, BestMember, PerCase bool
	// DataRange is psnr's and ssim's data range (0: the truth's).
	DataRange float64
	// CI is the level of bootstrap intervals over cases (0: none), with CIBlock cases per block and
	// CIResamples resamples; Seed seeds them and the rank histogram's tie-breaking.
	CI                   float64
	CIBlock, CIResamples int
	Seed                 uint64
}

// Check refuses settings out of range and unknown metrics, naming the flag.
func (s ScoreSettings) Check() error {
	if err := guard.First(
		guard.AllFinite("thresholds", s.Thresholds), guard.AllOpen("quantiles", s.Quantiles, 0, 1),
		guard.Ints("csi-windows", s.CSIWindows, 1, 1<<16), guard.Ints("fss-windows", s.FSSWindows, 1, 1<<16),
		guard.AtLeast("data-range", s.DataRange, 0),
		guard.Int("ci-block", s.CIBlock, 1, 1<<24), guard.Int("ci-resamples", s.CIResamples, 10, 1<<20),
	); err != nil {
		return err
	}
	if s.CI != 0 && !(s.CI > 0 && s.CI < 1) {
		return fmt.Errorf("--ci %g: expected a level in (0, 1), e.g. 0.9, or 0 for none", s.CI)
	}
	if err := metrics.CheckMetricNames(s.Metrics); err != nil {
		return fmt.Errorf("--metrics: %w", err)
	}
	return nil
}

// Options are the metrics' options of the settings (Check, then the pooled CRPS variants parsed).
func (s ScoreSettings) Options() (metrics.ScoreOptions, error) {
	if err := s.Check(); err != nil {
		return metrics.ScoreOptions{}, err
	}
	if len(s.Quantiles) == 0 { // an empty list (as a reset flag holds it) is the default levels
		s.Quantiles = nil
	}
	opt := metrics.ScoreOptions{
		Metrics: s.Metrics, Thresholds: s.Thresholds, CSIWindows: s.CSIWindows, FSSWindows: s.FSSWindows,
		NonNegativeTruthOnly: s.NonNegativeTruthOnly, Quantiles: s.Quantiles, DataRange: s.DataRange,
		BestMember: s.BestMember, Seed: s.Seed, PerCase: s.PerCase,
	}
	if s.CI > 0 {
		opt.CI = &metrics.BootstrapOptions{Level: s.CI, Block: s.CIBlock, Resamples: s.CIResamples, Seed: s.Seed}
	}
	for _, p := range s.CRPSPools {
		pool, err := metrics.ParsePooling(p)
		if err != nil {
			return opt, fmt.Errorf("--crps-pool: %w", err)
		}
		opt.CRPSPools = append(opt.CRPSPools, pool)
	}
	return opt, nil
}

// Record writes the job's inputs into the report's settings: the files, the axes of the forecast and,
// when not "", how the points were weighted.
func (j ScoreJob) Record(rep *metrics.Report, weights string) {
	rep.Settings["forecast_file"] = j.ForecastName
	rep.Settings["truth_file"] = j.TruthName
	rep.Settings["axes"] = fmt.Sprintf("forecast members %d, lead %d (cases: first other axis)", j.Layout.MemberAxis, j.Layout.LeadAxis)
	if weights != "" {
		rep.Settings["weights"] = weights
	}
}
