package diffusion

import (
	"math"
	"testing"

	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
)

// The grid of Karras et al. (2022, eq. 5) with N = 5: t₀ = σ_max, t₄ = σ_min, t₂ the ρ-mean of the two, t₅ = 0.
func TestKarrasSigmas(t *testing.T) {
	o := KarrasOptions{SigmaMin: 0.002, SigmaMax: 80, Rho: 7, Steps: 5}
	s, err := KarrasSigmas(o)
	if err != nil {
		t.Fatal(err)
	}
	mid := math.Pow((math.Pow(80, 1.0/7)+math.Pow(0.002, 1.0/7))/2, 7)
	q := math.Pow(0.75*math.Pow(80, 1.0/7)+0.25*math.Pow(0.002, 1.0/7), 7)
	q3 := math.Pow(0.25*math.Pow(80, 1.0/7)+0.75*math.Pow(0.002, 1.0/7), 7)
	want := []float64{80, q, mid, q3, 0.002, 0}
	if len(s) != 6 {
		t.Fatalf("%d levels, want 6", len(s))
	}
	for i, w := range want {
		if !tensortest.CloseRel(s[i], w, 1e-13) && !(w == 0 && s[i] == 0) {
			t.Errorf("t_%d = %.17g, want %.17g", i, s[i], w)
		}
	}
	if !(s[2] > s[3] && s[3] > s[4]) {
		t.Errorf("grid not decreasing: %v", s)
	}
	if s, err := KarrasSigmas(KarrasOptions{SigmaMin: 1, SigmaMax: 2, Rho: 7, Steps: 1}); err != nil || len(s) != 2 || !tensortest.CloseRel(s[0], 2, 1e-15) || s[1] != 0 {
		t.Errorf("N=1: %v %v, want [2 0]", s, err)
	}
	for _, bad := range []KarrasOptions{{0.002, 80, 7, 0}, {0, 80, 7, 5}, {80, 80, 7, 5}, {0.002, 80, 0, 5}} {
		if _, err := KarrasSigmas(bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}
