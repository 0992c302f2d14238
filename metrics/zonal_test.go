package metrics

import (
	"math"
	"testing"
)

// A row sin(k·λ + φ) has all its power, ½, at zonal wavenumber k; a constant c has c² at k = 0; the
// cos-latitude weights mix rows of different wavenumbers in proportion; the spectrum sums to the
// weighted mean square (Parseval), for even and odd numbers of longitudes.
func TestZonalSpectrumClosedForm(t *testing.T) {
	for _, w := range []int{16, 15} {
		const h = 3
		lat := []float64{-60, 0, 60}
		wts := make([]float64, h)
		for i, l := range lat {
			wts[i] = math.Cos(l * math.Pi / 180)
		}
		ks := []int{3, 5, 3}
		x := make([]float64, h*w)
		for i := range h {
			for j := range w {
				lam := 2 * math.Pi * float64(j) / float64(w)
				x[i*w+j] = 2 + math.Sin(float64(ks[i])*lam+0.4*float64(i))
			}
		}
		s, err := ZonalSpectrum(x, h, w, wts)
		if err != nil {
			t.Fatal(err)
		}
		if len(s) != w/2+1 {
			t.Fatalf("w = %d: %d wavenumbers, want %d", w, len(s), w/2+1)
		}
		sum := wts[0] + wts[1] + wts[2]
		want := make([]float64, len(s))
		want[0] = 4
		want[3] = 0.5 * (wts[0] + wts[2]) / sum
		want[5] = 0.5 * wts[1] / sum
		for k := range s {
			if math.Abs(s[k]-want[k]) > 1e-12 {
				t.Errorf("w = %d: S(%d) = %v, want %v", w, k, s[k], want[k])
			}
		}
		// Parseval on a random field, rows weighted equally.
		for i := range x {
			x[i] = math.Sin(float64(i*i%97)) * 1.7
		}
		s, err = ZonalSpectrum(x, h, w, nil)
		if err != nil {
			t.Fatal(err)
		}
		ms, tot := 0.0, 0.0
		for _, v := range x {
			ms += v * v / float64(h*w)
		}
		for _, v := range s {
			tot += v
		}
		if math.Abs(ms-tot) > 1e-12 {
			t.Errorf("w = %d: Σ S = %v, mean square %v", w, tot, ms)
		}
	}
	// The Nyquist wavenumber of an even grid: (−1)^j has power 1 at k = w/2.
	x := []float64{1, -1, 1, -1, 1, -1}
	s, _ := ZonalSpectrum(x, 1, 6, nil)
	if math.Abs(s[3]-1) > 1e-12 || math.Abs(s[0]) > 1e-12 {
		t.Errorf("(−1)^j: spectrum %v, want all power 1 at k = 3", s)
	}
	for _, bad := range [][]float64{{1, 2}, {1, -1, 1}, {0, 0, 0}, {1, math.NaN(), 1}} {
		if _, err := ZonalSpectrum(make([]float64, 3*4), 3, 4, bad); err == nil {
			t.Errorf("row weights %v: no error", bad)
		}
	}
}
