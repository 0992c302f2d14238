package edm

import (
	"math"
	"testing"

	"github.com/tidal-forecast/tidal/diffusion"
)

// The defaults are Hess et al.'s Tab. 1, and its grid starts at σ_max and ends with σ_min, 0.
func TestDefaults(t *testing.T) {
	g := DefaultGridOptions()
	s, err := diffusion.KarrasSigmas(g)
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != 51 || math.Abs(s[0]-80) > 1e-12 || math.Abs(s[49]-0.002) > 1e-15 || s[50] != 0 {
		t.Errorf("default grid %v", s)
	}
	if h := DefaultHeunOptions(); h != (diffusion.HeunOptions{Churn: 55, TMax: 1000, Noise: 1.005}) {
		t.Errorf("DefaultHeunOptions = %+v", h)
	}
}
