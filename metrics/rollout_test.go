package metrics

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// TestScoreRolloutSeparatesConsistentFromIID scores two rollouts against an AR(1) truth of 24×24 images:
// one from the same process (time-consistent) and one of independent frames (what an unguided image model
// gives). The consistent one has an ACF error below 0.05 at every lag and a smaller Hovmöller-W1 PDF error;
// the independent one has ACF ≈ 0 beyond lag 0, so its error at lag 1 is about φ = 0.9.
func TestScoreRolloutSeparatesConsistentFromIID(t *testing.T) {
	const nt, h, w = 600, 24, 24
	truth := ar1Rollout(1, nt, h*w, 0.9, func(int) float64 { return 0 })
	same := ar1Rollout(2, nt, h*w, 0.9, func(int) float64 { return 0 })
	iid := ar1Rollout(3, nt, h*w, 0, func(int) float64 { return 0 })
	shape := []int{nt, h, w}
	good, err := ScoreRollout(same, shape, truth, shape, RolloutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	bad, err := ScoreRollout(iid, shape, truth, shape, RolloutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for j, e := range good.ACFError {
		if float64(e) > 0.05 {
			t.Errorf("consistent rollout: ACF error %v at lag %d", e, j)
		}
	}
	if math.Abs(float64(bad.ACFError[1])-0.9) > 0.05 {
		t.Errorf("independent frames: ACF error at lag 1 is %v, want ≈ 0.9", bad.ACFError[1])
	}
	if good.W1PDFL1 >= bad.W1PDFL1 {
		t.Errorf("Hovmöller W1 PDF error: consistent %v ≥ independent %v", good.W1PDFL1, bad.W1PDFL1)
	}
	if len(good.Forecast.Spectrum) != w/2+1 || len(good.ACFError) != 10 {
		t.Errorf("spectrum of %d shells, ACF of %d lags", len(good.Forecast.Spectrum), len(good.ACFError))
	}
	js, err := good.JSON()
	if err != nil || !json.Valid(js) {
		t.Fatalf("JSON: %v", err)
	}
	if !strings.Contains(good.Table(), "ACF lag") {
		t.Errorf("table:\n%s", good.Table())
	}
	if _, err := ScoreRollout(same, []int{nt, h * w}, truth, shape, RolloutOptions{}); err == nil {
		t.Error("rank-2 rollout accepted")
	}
}
