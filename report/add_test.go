package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/guard"
)

// TestAddReadsEveryKind: Add sorts a run folder, a score JSON, a rollout JSON and a forecast NPY into
// their places, each the same as the direct readers give (the fixture), with the labels given or derived;
// a forecast without truth, a case beyond it, a too-small budget and an unused label are refused.
func TestAddReadsEveryKind(t *testing.T) {
	dir := t.TempDir()
	want := fixture(t, dir)
	labels := NewLabels(map[string]string{dir + "/./dydiff.json": "mine"})
	o := AddOptions{Budget: guard.Budget{Memory: 1 << 30}, Truth: filepath.Join(dir, "truth.npy")}
	var in Inputs
	for _, p := range []string{"run", "dydiff.json", "persistence.json", "rollout.json", "model.npy"} {
		path := filepath.Join(dir, p)
		if err := in.Add(path, labels.Of(path), o); err != nil {
			t.Fatal(err)
		}
	}
	if err := labels.Unused(); err != nil {
		t.Fatal(err)
	}
	if len(in.Runs) != 1 || len(in.Scores) != 2 || len(in.Rollouts) != 1 || len(in.Forecasts) != 1 {
		t.Fatalf("runs %d, scores %d, rollouts %d, forecasts %d", len(in.Runs), len(in.Scores), len(in.Rollouts), len(in.Forecasts))
	}
	if in.Scores[0].Label != "mine" || in.Scores[1].Label != "persistence" || in.Runs[0].Label != "run" {
		t.Errorf("labels %q, %q, %q", in.Scores[0].Label, in.Scores[1].Label, in.Runs[0].Label)
	}
	if in.Scores[1].Report.Metrics[0].Mean != want.Scores[1].Report.Metrics[0].Mean || len(in.Runs[0].Stats) != len(want.Runs[0].Stats) {
		t.Error("Add read other values than the readers")
	}
	fc := filepath.Join(dir, "model.npy")
	for _, c := range []struct {
		o    AddOptions
		want string
	}{
		{AddOptions{Budget: o.Budget}, "--truth"},
		{AddOptions{Budget: o.Budget, Truth: o.Truth, Forecast: ForecastOptions{Case: 99}}, "--case"},
		{AddOptions{Budget: guard.Budget{Memory: 64}, Truth: o.Truth}, "memory"},
		{AddOptions{Budget: o.Budget, Truth: filepath.Join(dir, "absent.npy")}, "absent.npy"},
		{AddOptions{Budget: o.Budget, Truth: fc}, "--truth"},
	} {
		var x Inputs
		if err := x.Add(fc, "m", c.o); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want an error naming %s", c.o, err, c.want)
		}
	}
	odd := NewLabels(map[string]string{"nowhere.json": "x"})
	if err := odd.Unused(); err == nil || !strings.Contains(err.Error(), "nowhere.json") {
		t.Errorf("an unused label: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "x.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	var x Inputs
	if err := x.Add(filepath.Join(dir, "x.txt"), "x", o); err == nil || !strings.Contains(err.Error(), "expected a run folder") {
		t.Errorf("a text file: %v", err)
	}
}
