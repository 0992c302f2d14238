package forecast

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/metrics"
)

func TestScoreSettingsOptions(t *testing.T) {
	s := ScoreSettings{Metrics: []string{"crps", "csi"}, Thresholds: []float64{0.5}, Quantiles: []float64{}, CSIWindows: []int{1, 3},
		FSSWindows: []int{5}, CRPSPools: []string{"avg2", "max8"}, NonNegativeTruthOnly: true, DataRange: 2, CI: 0.9, CIBlock: 2, CIResamples: 100, Seed: 7}
	o, err := s.Options()
	if err != nil {
		t.Fatal(err)
	}
	if o.Quantiles != nil || !o.NonNegativeTruthOnly || o.DataRange != 2 || o.Seed != 7 || len(o.CRPSPools) != 2 || o.CSIWindows[1] != 3 {
		t.Errorf("options %+v", o)
	}
	if o.CI == nil || *o.CI != (metrics.BootstrapOptions{Level: 0.9, Block: 2, Resamples: 100, Seed: 7}) {
		t.Errorf("bootstrap %+v", o.CI)
	}
	if s.CI = 0; func() bool { o, _ := s.Options(); return o.CI != nil }() {
		t.Error("--ci 0 made intervals")
	}
	for _, c := range []struct {
		change func(*ScoreSettings)
		want   string
	}{
		{func(s *ScoreSettings) { s.CI = 1.5 }, "--ci 1.5: expected a level in (0, 1)"},
		{func(s *ScoreSettings) { s.Metrics = []string{"nope"} }, "--metrics: "},
		{func(s *ScoreSettings) { s.CRPSPools = []string{"mean3"} }, "--crps-pool: "},
		{func(s *ScoreSettings) { s.Quantiles = []float64{1} }, "quantiles"},
		{func(s *ScoreSettings) { s.CIResamples = 9 }, "ci-resamples"},
		{func(s *ScoreSettings) { s.CSIWindows = []int{0} }, "csi-windows"},
	} {
		bad := s
		c.change(&bad)
		if _, err := bad.Options(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v, want an error with %q", err, c.want)
		}
	}
	rep := &metrics.Report{Settings: map[string]string{}}
	ScoreJob{ForecastName: "f.npy", TruthName: "t.npy", Layout: metrics.Layout{MemberAxis: 1, LeadAxis: 2}}.Record(rep, "w")
	if rep.Settings["forecast_file"] != "f.npy" || rep.Settings["truth_file"] != "t.npy" || rep.Settings["weights"] != "w" ||
		rep.Settings["axes"] != "forecast members 1, lead 2 (cases: first other axis)" {
		t.Errorf("settings %v", rep.Settings)
	}
}

func TestScoreSettingsJob(t *testing.T) {
	s := ScoreSettings{Metrics: metrics.DefaultMetrics, CSIWindows: []int{1}, FSSWindows: []int{5}, CIBlock: 1, CIResamples: 100, MemberAxis: 1, LeadAxis: 2}
	fc := data.FromFloat64(make([]float64, 2*3*4*5), 2, 3, 4, 5) // a series forecast [windows, members, lead, N]
	tr := data.FromFloat64(make([]float64, 2*4*5), 2, 4, 5)
	job, weights, err := s.Job(fc, tr, "f.npy", "t.npy", false, nil, "")
	if err != nil || weights != "" || job.Weights != nil || !slices.Equal(job.Options.Metrics, metrics.SeriesMetrics) || job.Layout.LeadAxis != 2 {
		t.Errorf("series job %+v %q %v", job.Options.Metrics, weights, err)
	}
	if job, _, _ = s.Job(fc, tr, "f.npy", "t.npy", true, nil, ""); !slices.Equal(job.Options.Metrics, metrics.DefaultMetrics) {
		t.Errorf("--metrics given: %v", job.Options.Metrics)
	}
	job, weights, err = s.Job(fc, tr, "f.npy", "t.npy", true, []float64{1, 2, 3, 4, 5}, "--obs t.nc")
	if err != nil || job.Weights.Len() != 5 || job.WeightsName != "the lat coordinate of --obs t.nc" || !strings.HasPrefix(weights, "cos(latitude)") {
		t.Errorf("grid weights: %q %q %v", job.WeightsName, weights, err)
	}
	s.LatWeights = filepath.Join(t.TempDir(), "absent.npy")
	if _, _, err := s.Job(fc, tr, "f.npy", "t.npy", true, nil, ""); err == nil || !strings.HasPrefix(err.Error(), "--lat-weights: ") {
		t.Errorf("absent weights: %v", err)
	}
	for _, c := range []struct {
		member, lead int
		oShape       []int
		want         string
	}{
		{1, 2, []int{2, 4, 5}, ""},
		{1, 1, []int{2, 4, 5}, "--member-axis and --lead-axis are both 1"},
		{1, 4, []int{2, 4, 5}, "lead-axis"},
		{1, 2, []int{2, 4}, "--obs t.npy: shape [2 4] has rank 2, expected 3"},
	} {
		s := ScoreSettings{MemberAxis: c.member, LeadAxis: c.lead}
		err := s.CheckShapes("f.npy", fc.Shape, "t.npy", c.oShape)
		if (err == nil) != (c.want == "") || err != nil && !strings.Contains(err.Error(), c.want) {
			t.Errorf("axes %d,%d truth %v: %v, want %q", c.member, c.lead, c.oShape, err, c.want)
		}
	}
}
