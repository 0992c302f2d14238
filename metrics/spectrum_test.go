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

// TestIsotropicSpectrumShellRounding puts single modes where rounding and truncation of |k| disagree:
// (k_x, k_y) = (2, 2) has |k| = 2.83, in shell 3, and (4, 4) has |k| = 5.66, in shell 6.
func TestIsotropicSpectrumShellRounding(t *testing.T) {
	const h, w = 16, 16
	for _, m := range []struct{ kx, ky, shell int }{{2, 2, 3}, {4, 4, 6}, {1, 1, 1}} {
		x := make([]float64, h*w)
		for i := 0; i < h; i++ {
			for j := 0; j < w; j++ {
				x[i*w+j] = math.Cos(2 * math.Pi * (float64(m.kx*j)/w + float64(m.ky*i)/h))
			}
		}
		s, err := IsotropicSpectrum(x, h, w, ShellSum)
		if err != nil {
			t.Fatal(err)
		}
		for r, v := range s {
			want := 0.0
			if r == m.shell {
				want = float64(h*w) / 2
			}
			if math.Abs(v-want) > 1e-9 {
				t.Fatalf("mode (%d, %d): shell %d holds %v, want %v (the mode belongs to shell %d)", m.kx, m.ky, r, v, want, m.shell)
			}
		}
	}
}

// TestIsotropicSpectrumMatchesDirectDFT compares both shell averages with a brute-force transcription on
// random fields, square and not, even and odd: a direct O(n⁴) DFT, and shells found by max(r − ½, 0)² ≤ |k|² <
// (r + ½)² with their modes counted one by one, so a wrong shell index or a wrong mean divisor fails.
func TestIsotropicSpectrumMatchesDirectDFT(t *testing.T) {
	for _, sz := range [][2]int{{8, 8}, {9, 12}, {7, 5}} {
		h, w := sz[0], sz[1]
		rng := rand.New(rand.NewPCG(uint64(h), uint64(w)))
		x := make([]float64, h*w)
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		nr := max(h, w)/2 + 1
		sum, count := make([]float64, nr), make([]float64, nr)
		for ky := -h / 2; ky < h-h/2; ky++ {
			for kx := -w / 2; kx < w-w/2; kx++ {
				var re, im float64
				for i := 0; i < h; i++ {
					for j := 0; j < w; j++ {
						ph := -2 * math.Pi * (float64(ky*i)/float64(h) + float64(kx*j)/float64(w))
						re += x[i*w+j] * math.Cos(ph)
						im += x[i*w+j] * math.Sin(ph)
					}
				}
				q := float64(kx*kx + ky*ky)
				for r := 0; r < nr; r++ {
					if lo, hi := max(float64(r)-0.5, 0), float64(r)+0.5; q >= lo*lo && q < hi*hi {
						sum[r] += (re*re + im*im) / float64(h*w)
						count[r]++
					}
				}
			}
		}
		gotSum, _ := IsotropicSpectrum(x, h, w, ShellSum)
		gotMean, _ := IsotropicSpectrum(x, h, w, ShellMean)
		for r := 0; r < nr; r++ {
			if !near(gotSum[r], sum[r], 1e-9) {
				t.Fatalf("%d×%d, shell %d: ShellSum %v, direct %v", h, w, r, gotSum[r], sum[r])
			}
			if mean := sum[r] / count[r]; !near(gotMean[r], mean, 1e-9) {
				t.Fatalf("%d×%d, shell %d (%v modes): ShellMean %v, direct %v", h, w, r, count[r], gotMean[r], mean)
			}
		}
	}
}
