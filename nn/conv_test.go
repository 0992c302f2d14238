package nn

import (
	"fmt"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
)

type convCase struct {
	B, Cin, H, W, Cout, KH, KW, Stride int
	PadH, PadW                         Padding
}

func (c convCase) String() string {
	return fmt.Sprintf("B%d_C%d_%dx%d_to%d_k%dx%d_s%d_%s-%s", c.B, c.Cin, c.H, c.W, c.Cout, c.KH, c.KW, c.Stride, c.PadH, c.PadW)
}

func (c convCase) opts(path ConvPath) ConvOptions {
	return ConvOptions{Stride: c.Stride, PadH: c.PadH, PadW: c.PadW, Path: path}
}

// convWithGrads returns the convolution of x by kernel, and the gradients of Σ out·r w.r.t. x and kernel.
func convWithGrads(in []*Node, opt ConvOptions) []*Node {
	x, kernel, r := in[0], in[1], in[2]
	out := Conv2D(x, kernel, opt)
	loss := ReduceAllSum(Mul(out, r))
	grads := Gradient(loss, x, kernel)
	return []*Node{out, grads[0], grads[1]}
}

// TestConvIm2colMatchesNative checks the im2col convolution against GoMLX's native convolution:
// values, and gradients w.r.t. input and kernel, relative error < 1e-5, over kernel sizes 1, 3, 5,
// strides 1 and 2, and all four combinations of zero/periodic padding.
func TestConvIm2colMatchesNative(t *testing.T) {
	cases := []convCase{
		{2, 3, 8, 6, 4, 3, 3, 1, Zero, Zero},
		{2, 3, 8, 6, 4, 3, 3, 1, Periodic, Periodic},
		{2, 3, 7, 5, 4, 3, 3, 1, Periodic, Zero},
		{2, 3, 5, 7, 4, 3, 3, 1, Zero, Periodic},
		{1, 5, 6, 6, 2, 1, 1, 1, Zero, Zero},
		{1, 4, 9, 8, 3, 5, 5, 1, Zero, Periodic},
		{1, 4, 6, 7, 3, 3, 5, 1, Periodic, Zero},
		{2, 3, 8, 6, 4, 3, 3, 2, Zero, Zero},
		{2, 3, 8, 6, 4, 3, 3, 2, Periodic, Periodic},
		{2, 3, 6, 8, 4, 3, 3, 2, Zero, Periodic},
		{2, 3, 8, 8, 4, 3, 3, 2, Periodic, Zero},
		{1, 3, 4, 6, 2, 1, 1, 2, Zero, Zero},
		{1, 2, 10, 8, 3, 5, 5, 2, Periodic, Periodic},
		{2, 16, 16, 16, 8, 3, 3, 1, Zero, Zero},
	}
	for i, c := range cases {
		t.Run(c.String(), func(t *testing.T) {
			seed := uint64(100 * i)
			x := randTensor(seed+1, c.B, c.Cin, c.H, c.W)
			kernel := randTensor(seed+2, c.Cout, c.KH, c.KW, c.Cin)
			r := randTensor(seed+3, c.B, c.Cout, c.H/c.Stride, c.W/c.Stride)
			got := runGraph(t, func(in []*Node) []*Node { return convWithGrads(in, c.opts(Im2col)) }, x, kernel, r)
			want := runGraph(t, func(in []*Node) []*Node { return convWithGrads(in, c.opts(Native)) }, x, kernel, r)
			for j, what := range []string{"output", "d/dx", "d/dkernel"} {
				checkClose(t, what, got[j], want[j], 1e-5)
			}
		})
	}
}

// TestConvPeriodicWraps checks periodic padding against an input wrapped by hand on the host and fed
// to the native convolution with no padding (VALID), for both strides.
func TestConvPeriodicWraps(t *testing.T) {
	const B, C, H, W, Cout = 2, 3, 6, 8, 2
	for _, stride := range []int{1, 2} {
		for _, pads := range [][2]Padding{{Periodic, Periodic}, {Periodic, Zero}, {Zero, Periodic}} {
			x := randFloats(uint64(7+stride), B*C*H*W)
			// Hand-wrap: pad by 1 on each side, periodically or with zeros.
			wrapped := make([]float32, B*C*(H+2)*(W+2))
			for b := range B {
				for c := range C {
					for i := -1; i <= H; i++ {
						for j := -1; j <= W; j++ {
							si, sj := i, j
							if pads[0] == Periodic {
								si = (i + H) % H
							}
							if pads[1] == Periodic {
								sj = (j + W) % W
							}
							v := float32(0)
							if si >= 0 && si < H && sj >= 0 && sj < W {
								v = x[((b*C+c)*H+si)*W+sj]
							}
							wrapped[((b*C+c)*(H+2)+i+1)*(W+2)+j+1] = v
						}
					}
				}
			}
			kernel := randTensor(11, Cout, 3, 3, C)
			got := runGraph(t, func(in []*Node) []*Node {
				return []*Node{Conv2D(in[0], in[1], ConvOptions{Stride: stride, PadH: pads[0], PadW: pads[1], Path: Im2col})}
			}, tensors.FromFlatDataAndDimensions(x, B, C, H, W), kernel)
			want := runGraph(t, func(in []*Node) []*Node {
				return []*Node{ConvGeneral(in[0], in[1], nchwAxes, []int{stride, stride}, [][2]int{{0, 0}, {0, 0}}, nil, nil, 1, 1)}
			}, tensors.FromFlatDataAndDimensions(wrapped, B, C, H+2, W+2), kernel)
			checkClose(t, fmt.Sprintf("stride %d, padding %v", stride, pads), got[0], want[0], 1e-5)
		}
	}
}

// TestConvPeriodicDelta: a unit impulse at pixel (0, 0) convolved with a kernel that is 1 only at
// tap (dy, dx) = (2, 2) (it reads x[i+1, j+1]) must land at (H−1, W−1) with periodic padding, and
// vanish there with zero padding.
func TestConvPeriodicDelta(t *testing.T) {
	const H, W = 5, 4
	x := make([]float32, H*W)
	x[0] = 1
	k := make([]float32, 9)
	k[8] = 1
	for _, pad := range []Padding{Periodic, Zero} {
		out := runGraph(t, func(in []*Node) []*Node {
			return []*Node{Conv2D(in[0], in[1], ConvOptions{PadH: pad, PadW: pad, Path: Im2col})}
		}, tensors.FromFlatDataAndDimensions(x, 1, 1, H, W), tensors.FromFlatDataAndDimensions(k, 1, 3, 3, 1))[0]
		want := make([]float32, H*W)
		if pad == Periodic {
			want[(H-1)*W+W-1] = 1
		}
		for i := range want {
			if out[i] != want[i] {
				t.Errorf("%s padding: out = %v, want %v", pad, out, want)
				break
			}
		}
	}
}

// TestConvGradientWithoutFusion: with GoMLX fusion switched off, the hand-written gradient is still used
// (through the alternate subgraph evaluated for real) and the output is unchanged.
func TestConvGradientWithoutFusion(t *testing.T) {
	c := convCase{2, 3, 6, 6, 2, 3, 3, 2, Periodic, Zero}
	x := randTensor(1, c.B, c.Cin, c.H, c.W)
	kernel := randTensor(2, c.Cout, c.KH, c.KW, c.Cin)
	r := randTensor(3, c.B, c.Cout, c.H/2, c.W/2)
	want := runGraph(t, func(in []*Node) []*Node { return convWithGrads(in, c.opts(Native)) }, x, kernel, r)
	t.Setenv(FusionEnv, "false")
	got := runGraph(t, func(in []*Node) []*Node { return convWithGrads(in, c.opts(Im2col)) }, x, kernel, r)
	for j, what := range []string{"output", "d/dx", "d/dkernel"} {
		checkClose(t, what, got[j], want[j], 1e-5)
	}
}

// TestConvAutoPath: on the Go backend, Auto means Im2col.
func TestConvAutoPath(t *testing.T) {
	g := NewGraph(goBackend(t), "auto")
	defer g.Finalize()
	if p := resolvePath(g, Auto); p != Im2col {
		t.Errorf("Auto on the go backend resolved to %s, want im2col", p)
	}
	if p := resolvePath(g, Native); p != Native {
		t.Errorf("explicit Native resolved to %s", p)
	}
}

// TestConvRejectsBadShapes: shape errors surface as errors from Exec, naming the problem.
func TestConvRejectsBadShapes(t *testing.T) {
	for _, c := range []struct {
		name   string
		x, k   []int
		stride int
	}{
		{"kernel channels", []int{1, 3, 4, 4}, []int{2, 3, 3, 2}, 1},
		{"even kernel", []int{1, 3, 4, 4}, []int{2, 2, 2, 3}, 1},
		{"odd size, stride 2", []int{1, 3, 5, 4}, []int{2, 3, 3, 3}, 2},
		{"stride 3", []int{1, 3, 6, 6}, []int{2, 3, 3, 3}, 3},
	} {
		exec, err := NewExec(goBackend(t), func(x, k *Node) *Node { return Conv2D(x, k, ConvOptions{Stride: c.stride}) })
		if err != nil {
			t.Fatal(err)
		}
		_, err = exec.Call(tensors.FromShape(shapeOf(dtypes.Float32, c.x...)), tensors.FromShape(shapeOf(dtypes.Float32, c.k...)))
		if err == nil {
			t.Errorf("%s: no error", c.name)
		}
		exec.Finalize()
	}
}
