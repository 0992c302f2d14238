package dataset

import (
	"math"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
)

// TestPadActions: a leading zero row, then the rows as given; bad lengths and NaN refused.
func TestPadActions(t *testing.T) {
	got, err := PadActions("a", []float32{1, 2, 3, 4}, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{0, 0, 1, 2, 3, 4}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("PadActions = %v, want %v", got, want)
		}
	}
	for _, c := range []struct {
		v         []float32
		frames, A int
	}{{[]float32{1, 2, 3}, 3, 2}, {[]float32{1, float32(math.NaN()), 3, 4}, 3, 2}, {[]float32{1, 2}, 2, 0}} {
		if _, err := PadActions("a", c.v, c.frames, c.A); err == nil {
			t.Errorf("PadActions(%v, %d, %d) accepted", c.v, c.frames, c.A)
		}
	}
}

// TestWindowsCarryActions: each window's second tensor holds exactly the action rows of its frames,
// the same window's rows as the frames (checked through a frame value that encodes its index), and
// series with different action dimensions are refused.
func TestWindowsCarryActions(t *testing.T) {
	const T, k, A = 6, 3, 2
	var ss []Series
	for v := range 2 {
		d := make([]float32, T)
		acts := make([]float32, T*A)
		for f := range T {
			d[f] = float32(10*v + f) // frame value: the video and frame index
			acts[f*A], acts[f*A+1] = float32(10*v+f), -float32(10*v+f)
		}
		ss = append(ss, Series{Name: "v", Shape: []int{T, 1, 1, 1}, Data: d, Actions: acts, ActionDim: A})
	}
	tr, _, norm, err := Split(ss, Options{Frames: k, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	ts, err := tr.Batch(1, 4)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 2 || !equalDims(ts[1].Shape().Dimensions, []int{4, k, A}) {
		t.Fatalf("batch of %d tensors, actions %v", len(ts), ts[len(ts)-1].Shape())
	}
	fr := tensors.MustCopyFlatData[float32](ts[0])
	ac := tensors.MustCopyFlatData[float32](ts[1])
	for i, x := range fr {
		f := float64(x)*norm.Std[0] + norm.Mean[0] // back to the frame's index value
		if math.Abs(f-float64(ac[i*A])) > 1e-4 || ac[i*A+1] != -ac[i*A] {
			t.Errorf("window value %d: frame %v carries action row %v", i, f, ac[i*A:i*A+A])
		}
	}
	ss[1].ActionDim, ss[1].Actions = 0, nil
	if _, _, _, err := Split(ss, Options{Frames: k}); err == nil {
		t.Error("series with and without actions were accepted together")
	}
}

func equalDims(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
