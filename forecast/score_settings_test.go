package forecast

import (
	"strings"
	"testing"

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
