package forecast

import (
	"fmt"

	"github.com/tidal-forecast/tidal/data"

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
	// MemberAxis and LeadAxis are the forecast's member and lead axes (the truth's lead axis is the
	// same without the member axis); LatWeights is an NPY of point weights ("": none).
	MemberAxis, LeadAxis int
	LatWeights           string
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

// CheckShapes refuses axis settings that do not fit the forecast (shape fShape, in file fName) and a
// truth (file oName) whose rank is not the forecast's without its member axis.
func (s ScoreSettings) CheckShapes(fName string, fShape []int, oName string, oShape []int) error {
	if err := guard.First(
		guard.Axis("member-axis", s.MemberAxis, "forecast "+fName, fShape),
		guard.Axis("lead-axis", s.LeadAxis, "forecast "+fName, fShape),
	); err != nil {
		return err
	}
	if s.MemberAxis == s.LeadAxis {
		return fmt.Errorf("--member-axis and --lead-axis are both %d: expected two different axes of the forecast", s.LeadAxis)
	}
	if len(oShape) != len(fShape)-1 {
		return fmt.Errorf("--obs %s: shape %v has rank %d, expected %d, the forecast's %v without its member axis %d",
			oName, oShape, len(oShape), len(fShape)-1, fShape, s.MemberAxis)
	}
	return nil
}

// Job is the score of the forecast fa (file fName) against the truth oa (file oName) with the
// settings (Options): a series forecast [windows, members, lead, N] against [windows, lead, N] takes
// metrics.SeriesMetrics unless metricsGiven; the points are weighted by LatWeights, else by grid
// (cos(latitude) of the lat coordinate of the input gridFrom; nil: unweighted). weights describes the
// weighting for the report's settings ("" for none).
func (s ScoreSettings) Job(fa, oa *data.Array, fName, oName string, metricsGiven bool, grid []float64, gridFrom string) (job ScoreJob, weights string, err error) {
	opt, err := s.Options()
	if err != nil {
		return job, "", err
	}
	if !metricsGiven && len(fa.Shape) == 4 && len(oa.Shape) == 3 {
		opt.Metrics = metrics.SeriesMetrics // the scores of docs/SERIES.md
	}
	job = ScoreJob{Forecast: fa, Truth: oa, ForecastName: fName, TruthName: oName,
		Layout: metrics.Layout{MemberAxis: s.MemberAxis, LeadAxis: s.LeadAxis}, Options: opt}
	if s.LatWeights != "" {
		wa, err := data.ReadNPY(s.LatWeights)
		if err != nil {
			return job, "", fmt.Errorf("--lat-weights: %w", err)
		}
		job.Weights, job.WeightsName = wa, "--lat-weights "+s.LatWeights
		return job, s.LatWeights + ", normalised to mean 1", nil
	}
	if grid != nil {
		job.Weights, job.WeightsName = data.FromFloat64(grid, len(grid)), "the lat coordinate of "+gridFrom
		return job, "cos(latitude) of the lat coordinate of " + gridFrom + ", normalised to mean 1", nil
	}
	return job, "", nil
}
