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

// TestSpectrumRatioSkipsUnresolvedShells scores a band-limited truth (modes |k| = 1 and 2 only, as a
// dealiased solver leaves the shells above its cutoff empty) against a forecast of twice its amplitude: the
// log10 power ratio is log10 4 at k = 1, 2, NaN at every shell the truth holds no power in, and the
// table's summary is log10 4 over the 2 resolved shells rather than a ratio against rounding noise.
func TestSpectrumRatioSkipsUnresolvedShells(t *testing.T) {
	const nt, h, w = 40, 16, 16
	truth := make([]float64, nt*h*w)
	fc := make([]float64, nt*h*w)
	for n := range nt {
		a, b := math.Cos(0.3*float64(n)), math.Sin(0.2*float64(n)+1)
		for y := range h {
			for x := range w {
				v := a*math.Sin(2*math.Pi*float64(x)/w) + b*math.Cos(2*math.Pi*2*float64(y)/h)
				v += 1e-9 * math.Sin(2*math.Pi*7*float64(x)/w) // rounding-level power above the "cutoff"
				truth[(n*h+y)*w+x], fc[(n*h+y)*w+x] = v, 2*v
			}
		}
	}
	shape := []int{nt, h, w}
	rep, err := ScoreRollout(fc, shape, truth, shape, RolloutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := math.Log10(4)
	for k, v := range rep.Spectrum {
		switch k {
		case 1, 2:
			if math.Abs(float64(v)-want) > 1e-9 {
				t.Errorf("k = %d: log10 ratio %v, want %v", k, v, want)
			}
		default:
			if !math.IsNaN(float64(v)) {
				t.Errorf("k = %d: ratio %v against a shell the truth holds no power in, want NaN", k, v)
			}
		}
	}
	if s := rep.Table(); !strings.Contains(s, "over 2 resolved wavenumbers ≥ 1: 0.6021") {
		t.Errorf("table's spectrum line:\n%s", s)
	}
	if js, err := rep.JSON(); err != nil || !json.Valid(js) {
		t.Fatalf("JSON with NaN ratios: %v", err)
	}
}
