package nn

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/support/exceptions"
)

// Downsample2x halves the height and width of x [B, C, H, W] by 2×2 average pooling:
// out[b, c, i, j] = ¼ Σ_{a, e ∈ {0,1}} x[b, c, 2i+a, 2j+e]. H and W must be even. It is written as a
// reshape and a mean (no ReduceWindow, which is slow on the Go backend, forward and backward). For a
// learned downsampling use Conv(...).Stride(2).
func Downsample2x(x *Node) *Node {
	B, C, H, W := dims4(x, "Downsample2x")
	if H%2 != 0 || W%2 != 0 {
		exceptions.Panicf("nn.Downsample2x: height and width must be even, got %dx%d", H, W)
	}
	return ReduceMean(ReduceMean(Reshape(x, B, C, H/2, 2, W/2, 2), 5), 3)
}

// Upsample2x doubles the height and width of x [B, C, H, W] by nearest-neighbour repetition:
// out[b, c, i, j] = x[b, c, ⌊i/2⌋, ⌊j/2⌋]. It is a reshape and a broadcast; its gradient is the 2×2
// sum.
func Upsample2x(x *Node) *Node {
	B, C, H, W := dims4(x, "Upsample2x")
	x6 := Reshape(x, B, C, H, 1, W, 1)
	return Reshape(BroadcastToDims(x6, B, C, H, 2, W, 2), B, C, 2*H, 2*W)
}

func dims4(x *Node, op string) (B, C, H, W int) {
	if x.Rank() != 4 {
		exceptions.Panicf("nn.%s: x must be [batch, channels, height, width], got shape %s", op, x.Shape())
	}
	d := x.Shape().Dimensions
	return d[0], d[1], d[2], d[3]
}
