package nn

import (
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
)

// TestDownsampleUpsample compares 2× average pooling and nearest upsampling, and their gradients,
// with host loops: the Go-backend formulation and the plain one used on other backends.
func TestDownsampleUpsample(t *testing.T) {
	for _, impl := range []struct {
		name     string
		down, up func(*Node) *Node
	}{{"go", downsampleGo, upsampleGo}, {"plain", downsamplePlain, upsamplePlain}, {"public", Downsample2x, Upsample2x}} {
		t.Run(impl.name, func(t *testing.T) { testResample(t, impl.down, impl.up) })
	}
	t.Run("go, fusion off", func(t *testing.T) { // See withVJP.
		t.Setenv(FusionEnv, "false")
		testResample(t, downsampleGo, upsampleGo)
	})
}

func testResample(t *testing.T, downsample, upsample func(*Node) *Node) {
	const B, C, H, W = 2, 3, 4, 6 // W ≠ H catches swapped axes.
	x := randFloats(1, B*C*H*W)
	r := randFloats(2, B*C*H*W/4)  // Weights of the loss of the downsampled output.
	r2 := randFloats(3, B*C*H*W*4) // ... and of the upsampled one.
	got := runGraph(t, func(in []*Node) []*Node {
		down, up := downsample(in[0]), upsample(in[0])
		gDown := Gradient(ReduceAllSum(Mul(down, in[1])), in[0])[0]
		gUp := Gradient(ReduceAllSum(Mul(up, in[2])), in[0])[0]
		return []*Node{down, up, gDown, gUp}
	}, tensors.FromFlatDataAndDimensions(x, B, C, H, W), tensors.FromFlatDataAndDimensions(r, B, C, H/2, W/2),
		tensors.FromFlatDataAndDimensions(r2, B, C, 2*H, 2*W))
	down := make([]float32, len(r))
	up := make([]float32, len(r2))
	gDown := make([]float32, len(x))
	gUp := make([]float32, len(x))
	for bc := range B * C {
		for i := range H {
			for j := range W {
				xi := (bc*H+i)*W + j
				di := (bc*H/2+i/2)*W/2 + j/2
				down[di] += x[xi] / 4
				gDown[xi] = r[di] / 4
				for a := range 2 {
					for e := range 2 {
						ui := (bc*2*H+2*i+a)*2*W + 2*j + e
						up[ui] = x[xi]
						gUp[xi] += r2[ui]
					}
				}
			}
		}
	}
	checkClose(t, "Downsample2x", got[0], down, 1e-6)
	checkClose(t, "Upsample2x", got[1], up, 0)
	checkClose(t, "Downsample2x gradient", got[2], gDown, 1e-6)
	checkClose(t, "Upsample2x gradient", got[3], gUp, 1e-6)
}
