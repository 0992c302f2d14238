package metrics

import (
	"encoding/json"
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/regress.json with the current values")

// TestRegressionGolden pins the values of the main metrics on fixed data, so that any change to the numerics
// shows up (the tolerance, 1e-12 relative, allows only rounding differences such as fused multiply-adds).
// Run `go test ./metrics -run Regression -update` after a deliberate change, and say why in the commit.
func TestRegressionGolden(t *testing.T) {
	const c, m, l, h, w = 2, 8, 3, 16, 16
	f, _ := NewEnsemble(toFloat32(randomArray(31, c*m*l*h*w, 0.2)), []int{c, m, l, h, w}, DefaultLayout)
	o, _ := NewTruth(randomArray(32, c*l*h*w, 0), []int{c, l, h, w}, DefaultLayout)
	rep, err := Score(f, o, ScoreOptions{
		Metrics:    []string{"crps", "crps-fair", "crps-pwm", "crps-sum", "crps-sum-ql", "crps-ql", "spread", "skill", "ssr", "rmse", "bias", "abs-bias", "csi", "fss", "psnr", "ssim"},
		Thresholds: []float64{0.5}, CSIWindows: []int{1, 3}, FSSWindows: []int{3}, DataRange: 6,
	})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]float64{}
	for _, r := range rep.Metrics {
		for _, v := range r.PerLead {
			got[r.Name] = append(got[r.Name], float64(v))
		}
		if r.Pooled != nil {
			got[r.Name] = append(got[r.Name], float64(*r.Pooled))
		}
	}
	const path = "testdata/regress.json"
	if *update {
		js, _ := json.MarshalIndent(got, "", " ")
		if err := os.WriteFile(path, append(js, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	var want map[string][]float64
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	if len(want) != len(got) {
		t.Errorf("%d metrics pinned, %d scored", len(want), len(got))
	}
	for name, wv := range want {
		for i, v := range wv {
			if i >= len(got[name]) || !near(got[name][i], v, 1e-12) {
				t.Errorf("%s: %v, pinned %v", name, got[name], wv)
				break
			}
		}
	}
}
