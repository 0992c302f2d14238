package metrics

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestIsotropicSpectrum checks a single Fourier mode lands in its shell with the right power, and that
// ShellSum obeys Parseval for a band-limited random field.
func TestIsotropicSpectrum(t *testing.T) {
	const h, w = 16, 16
	x := make([]float64, h*w)
	for i := 0; i < h; i++ {
		for j := 0; j < w; j++ {
			x[i*w+j] = math.Cos(2 * math.Pi * (3*float64(j)/w + 4*float64(i)/h)) // |k| = 5
		}
	}
	s, err := IsotropicSpectrum(x, h, w, ShellSum)
	if err != nil {
		t.Fatal(err)
	}
	for r, v := range s {
		want := 0.0
		if r == 5 {
			want = float64(h*w) / 2 // Σ x² = h·w/2, all at |k| = 5
		}
		if math.Abs(v-want) > 1e-9 {
			t.Fatalf("shell %d: %v, want %v", r, v, want)
		}
	}
	// Band-limited random field: modes with |k| ≤ 5 only, so nothing falls in the corners.
	rng := rand.New(rand.NewPCG(9, 9))
	clear(x)
	for ky := -5; ky <= 5; ky++ {
		for kx := -5; kx <= 5; kx++ {
			if kx*kx+ky*ky > 25 {
				continue
			}
			a, ph := rng.NormFloat64(), rng.Float64()*2*math.Pi
			for i := 0; i < h; i++ {
				for j := 0; j < w; j++ {
					x[i*w+j] += a * math.Cos(2*math.Pi*(float64(kx*j)/w+float64(ky*i)/h)+ph)
				}
			}
		}
	}
	s, _ = IsotropicSpectrum(x, h, w, ShellSum)
	var total, energy float64
	for _, v := range s {
		total += v
	}
	for _, v := range x {
		energy += v * v
	}
	if !near(total, energy, 1e-10) {
		t.Fatalf("Parseval: Σ shells %v, Σ x² %v", total, energy)
	}
	mean, _ := IsotropicSpectrum(x, h, w, ShellMean)
	if !near(mean[0], s[0], 1e-12) { // shell 0 holds one mode
		t.Fatalf("shell 0: mean %v sum %v", mean[0], s[0])
	}
}
