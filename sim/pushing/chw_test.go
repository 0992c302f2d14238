package pushing

import (
	"slices"
	"testing"
)

// TestCHW checks the reordering on two 2×2 images whose values encode (image, y, x, channel) as
// 1000·i + 100·y + 10·x + k: after it, value (i, k, y, x) must be that code.
func TestCHW(t *testing.T) {
	const n, size = 2, 2
	in := make([]float32, 0, n*size*size*3)
	for i := range n {
		for y := range size {
			for x := range size {
				for k := range 3 {
					in = append(in, float32(1000*i+100*y+10*x+k))
				}
			}
		}
	}
	var want []float32
	for i := range n {
		for k := range 3 {
			for y := range size {
				for x := range size {
					want = append(want, float32(1000*i+100*y+10*x+k))
				}
			}
		}
	}
	if got := CHW(in, n, size); !slices.Equal(got, want) {
		t.Errorf("CHW = %v, want %v", got, want)
	}
}
