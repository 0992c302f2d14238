package nn

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/support/exceptions"
)

// Downsample2x halves the height and width of x [B, C, H, W] by 2×2 average pooling:
// out[b, c, i, j] = ¼ Σ_{a, e ∈ {0,1}} x[b, c, 2i+a, 2j+e]. H and W must be even. Its gradient is
// the output gradient repeated 2×2 and divided by 4. For a learned downsampling use
// Conv(...).Stride(2).
//
// On the Go backend it avoids ReduceWindow and broadcasts (slow there, forward and backward): rows
// are paired by a sum over an axis of size 2 and columns by a matmul with a constant [W, W/2] matrix
// of ¼ at (2j, j) and (2j+1, j), exact in floating point; the gradient is stated by hand. Elsewhere it
// is a reshape and a mean.
func Downsample2x(x *Node) *Node {
	_, _, H, W := dims4(x, "Downsample2x")
	if H%2 != 0 || W%2 != 0 {
		exceptions.Panicf("nn.Downsample2x: height and width must be even, got %dx%d", H, W)
	}
	if !IsGoBackend(x.Graph()) {
		return downsamplePlain(x)
	}
	return downsampleGo(x)
}

func downsamplePlain(x *Node) *Node {
	B, C, H, W := dims4(x, "Downsample2x")
	return ReduceMean(Reshape(x, B, C, H/2, 2, W/2, 2), 3, 5)
}

func downsampleGo(x *Node) *Node {
	return withVJP([]*Node{x}, pool2x(x, 0.25), []func(*Node) *Node{
		func(v *Node) *Node { return repeat2x(MulScalar(v, 0.25)) },
	})
}

// Upsample2x doubles the height and width of x [B, C, H, W] by nearest-neighbour repetition:
// out[b, c, i, j] = x[b, c, ⌊i/2⌋, ⌊j/2⌋]. Its gradient is the 2×2 sum of the output gradient.
// On the Go backend columns are repeated by a matmul with a constant 0/1 matrix [W, 2W] and rows by
// concatenation, with the gradient stated by hand; elsewhere it is a reshape and a broadcast.
func Upsample2x(x *Node) *Node {
	dims4(x, "Upsample2x")
	if !IsGoBackend(x.Graph()) {
		return upsamplePlain(x)
	}
	return upsampleGo(x)
}

func upsamplePlain(x *Node) *Node {
	B, C, H, W := dims4(x, "Upsample2x")
	x6 := Reshape(x, B, C, H, 1, W, 1)
	return Reshape(BroadcastToDims(x6, B, C, H, 2, W, 2), B, C, 2*H, 2*W)
}

func upsampleGo(x *Node) *Node {
	return withVJP([]*Node{x}, repeat2x(x), []func(*Node) *Node{
		func(v *Node) *Node { return pool2x(v, 1) },
	})
}

// pool2x returns scale · Σ of each 2×2 block of x [B, C, H, W] (no gradient: use under withVJP).
func pool2x(x *Node, scale float64) *Node {
	B, C, H, W := dims4(x, "pool2x")
	rows := ReduceSum(Reshape(x, B, C, H/2, 2, W), 3) // [B, C, H/2, W]
	m := make([][]float64, W)
	for j := range m {
		m[j] = make([]float64, W/2)
		m[j][j/2] = scale
	}
	cols := DotGeneral(Reshape(rows, B*C*H/2, W), []int{1}, nil, ConstAsDType(x.Graph(), x.DType(), m), []int{0}, nil)
	return Reshape(cols, B, C, H/2, W/2)
}

// repeat2x repeats every pixel of x [B, C, H, W] into a 2×2 block (no gradient: use under withVJP).
func repeat2x(x *Node) *Node {
	B, C, H, W := dims4(x, "repeat2x")
	m := make([][]float64, W)
	for j := range m {
		m[j] = make([]float64, 2*W)
		m[j][2*j], m[j][2*j+1] = 1, 1
	}
	cols := DotGeneral(Reshape(x, B*C*H, W), []int{1}, nil, ConstAsDType(x.Graph(), x.DType(), m), []int{0}, nil)
	rows := Reshape(cols, B, C, H, 1, 2*W)
	return Reshape(Concatenate([]*Node{rows, rows}, 3), B, C, 2*H, 2*W)
}

func dims4(x *Node, op string) (B, C, H, W int) {
	if x.Rank() != 4 {
		exceptions.Panicf("nn.%s: x must be [batch, channels, height, width], got shape %s", op, x.Shape())
	}
	d := x.Shape().Dimensions
	return d[0], d[1], d[2], d[3]
}
