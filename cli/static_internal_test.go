package cli

import "testing"

// TestHVWToVHW: value (h, v, w) of [H, V, W] lands at (v, h, w) of [V, H, W].
func TestHVWToVHW(t *testing.T) {
	const H, V, W = 3, 2, 4
	in := make([]float32, H*V*W)
	for i := range in {
		in[i] = float32(i)
	}
	out := hvwToVHW(in, H, V, W)
	for h := range H {
		for v := range V {
			for w := range W {
				if got, want := out[(v*H+h)*W+w], in[(h*V+v)*W+w]; got != want {
					t.Fatalf("(%d, %d, %d): %v, want %v", h, v, w, got, want)
				}
			}
		}
	}
}
