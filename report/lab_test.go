package report

import (
	"math"
	"testing"
)

// Published CIELAB (D65) values of sRGB primaries and white.
func TestSRGBToLabKnownColours(t *testing.T) {
	for _, c := range []struct {
		r, g, b float64
		want    lab
	}{
		{1, 1, 1, lab{100, 0, 0}},
		{0, 0, 0, lab{0, 0, 0}},
		{1, 0, 0, lab{53.24, 80.09, 67.20}},
		{0, 1, 0, lab{87.73, -86.18, 83.18}},
		{0, 0, 1, lab{32.30, 79.19, -107.86}},
	} {
		got := srgbToLab(c.r, c.g, c.b)
		if math.Abs(got.L-c.want.L) > 0.05 || math.Abs(got.A-c.want.A) > 0.05 || math.Abs(got.B-c.want.B) > 0.05 {
			t.Errorf("sRGB(%g,%g,%g) = %+v, want %+v", c.r, c.g, c.b, got, c.want)
		}
	}
}

// The two matrices are the published 7-digit ones, inverse to about 1e-7.
func TestLabRoundTrip(t *testing.T) {
	for _, v := range [][3]float64{{0.2, 0.5, 0.9}, {0.01, 0.02, 0.03}, {0.99, 0.4, 0.1}, {0.5, 0.5, 0.5}} {
		r, g, b := srgbToLab(v[0], v[1], v[2]).srgb()
		if math.Abs(r-v[0]) > 1e-6 || math.Abs(g-v[1]) > 1e-6 || math.Abs(b-v[2]) > 1e-6 {
			t.Errorf("round trip of %v gave %g %g %g", v, r, g, b)
		}
	}
}
