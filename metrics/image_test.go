package metrics

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/internal/testref/numpyref"
	"github.com/tidal-forecast/tidal/internal/testref/pyref"
)

// testImage is a fixed, deterministic 24×30 image in [0, 1]: smooth structure plus a checker texture.
func testImage(h, w int, phase float64) []float64 {
	v := make([]float64, h*w)
	for i := 0; i < h; i++ {
		for j := 0; j < w; j++ {
			s := 0.5 + 0.3*math.Sin(0.3*float64(i)+phase)*math.Cos(0.21*float64(j)-phase)
			if (i/3+j/2)%2 == 0 {
				s += 0.15 * math.Cos(phase)
			}
			v[i*w+j] = s
		}
	}
	return v
}

// TestSSIMOfImageWithItselfIsOne checks SSIM(x, x) = 1 and PSNR(x, x) = +Inf, and that SSIM falls below 1
// for a different image.
func TestSSIMOfImageWithItselfIsOne(t *testing.T) {
	x := testImage(24, 30, 0)
	s, err := SSIM(x, x, 24, 30, 1)
	if err != nil || math.Abs(s-1) > 1e-12 {
		t.Fatalf("SSIM(x, x) = %v, %v", s, err)
	}
	if p := PSNR(x, x, 1); !math.IsInf(p, 1) {
		t.Fatalf("PSNR(x, x) = %v", p)
	}
	if s, _ := SSIM(x, testImage(24, 30, 0.7), 24, 30, 1); s > 0.99 {
		t.Fatalf("SSIM of different images = %v", s)
	}
	if _, err := SSIM(x[:100], x[:100], 10, 10, 1); err == nil {
		t.Fatal("10×10 image accepted")
	}
}

// TestSSIMMatchesScikitImage compares SSIM and PSNR on fixed images with scikit-image 0.19's
// structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=R) and
// peak_signal_noise_ratio(data_range=R), on float64 images, to 1e-10.
func TestSSIMMatchesScikitImage(t *testing.T) {
	py := pyref.ForTest(t, "numpy", "skimage")
	const h, w = 24, 30
	pairs := [][2]float64{{0, 0.7}, {0.3, 0.35}, {1, 2.5}}
	args := []string{strconv.Itoa(h), strconv.Itoa(w)}
	for _, pr := range pairs {
		args = append(args, fmt.Sprintf("%v,%v,%v", pr[0], pr[1], 1+pr[0]))
	}
	out, err := pyref.Run(py, numpyref.SSIM, args...)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	for i, pr := range pairs {
		var wantS, wantP float64
		fmt.Sscan(lines[i], &wantS, &wantP)
		x, y := testImage(h, w, pr[0]), testImage(h, w, pr[1])
		got, err := SSIM(x, y, h, w, 1+pr[0])
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-wantS) > 1e-10 {
			t.Errorf("pair %v: SSIM %v, scikit-image %v", pr, got, wantS)
		}
		if p := PSNR(x, y, 1+pr[0]); math.Abs(p-wantP) > 1e-9 {
			t.Errorf("pair %v: PSNR %v, scikit-image %v", pr, p, wantP)
		}
	}
}
