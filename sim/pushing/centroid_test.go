package pushing

import (
	"math"
	"testing"
)

// TestRedCentroidGolden: two red pixels of redness 0.8 and 0.4 on grey put the centroid two thirds of
// the way toward the first; the CHW form agrees; nothing red gives NaN.
func TestRedCentroidGolden(t *testing.T) {
	const N = 4
	hwc := make([]float32, N*N*3)
	for i := range hwc {
		hwc[i] = 0.5
	}
	set := func(i, j int, r, g float32) { hwc[(i*N+j)*3], hwc[(i*N+j)*3+1], hwc[(i*N+j)*3+2] = r, g, g }
	if x, y := RedCentroid(hwc, N); !math.IsNaN(x) || !math.IsNaN(y) {
		t.Errorf("grey image: centroid (%v, %v), want NaN", x, y)
	}
	set(1, 0, 0.9, 0.1) // redness 0.8 at column 0, row 1
	set(1, 3, 0.7, 0.3) // redness 0.4 at column 3, row 1
	x, y := RedCentroid(hwc, N)
	wantX := (0.8*0.5 + 0.4*3.5) / 1.2
	if math.Abs(x-wantX) > 1e-6 || math.Abs(y-1.5) > 1e-6 {
		t.Errorf("centroid (%v, %v), want (%v, 1.5)", x, y, wantX)
	}
	chw := make([]float32, len(hwc))
	for p := range N * N {
		for k := range 3 {
			chw[k*N*N+p] = hwc[p*3+k]
		}
	}
	if cx, cy := RedCentroidCHW(chw, N); math.Abs(cx-x) > 1e-12 || math.Abs(cy-y) > 1e-12 {
		t.Errorf("CHW centroid (%v, %v), HWC (%v, %v)", cx, cy, x, y)
	}
}
