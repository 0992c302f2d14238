package nets

import (
	"math"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// TestUNetAnyGridSize runs the three-level UNet (multiples of 4) on a 14×15 grid: the output has the
// input's grid, and equals the top-left 14×15 of the same network (same variables) on the input padded
// with zeros to 16×16 by hand, so the padding and the crop are exactly PadToMultiple's.
func TestUNetAnyGridSize(t *testing.T) {
	u := mustNew(t, smallConfig())
	exec, err := model.NewExec(goBackend(t), model.NewStore(), func(scope *model.Scope, x, noise *Node) *Node {
		return u.Apply(scope, x, noise, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer exec.Finalize()
	const B, C, H, W, Hp, Wp = 2, 3, 14, 15, 16, 16
	x := randFloats(3, B*C*H*W, 1)
	xp := make([]float32, B*C*Hp*Wp)
	for bc := range B * C {
		for i := range H {
			copy(xp[(bc*Hp+i)*Wp:(bc*Hp+i)*Wp+W], x[(bc*H+i)*W:(bc*H+i+1)*W])
		}
	}
	out, err := exec.Call(tensors.FromFlatDataAndDimensions(x, B, C, H, W), noiseLevels(B))
	if err != nil {
		t.Fatal(err)
	}
	if got := out[0].Shape().Dimensions; len(got) != 4 || got[2] != H || got[3] != W {
		t.Fatalf("output %v, want the input's grid %d×%d", got, H, W)
	}
	outp, err := exec.Call(tensors.FromFlatDataAndDimensions(xp, B, C, Hp, Wp), noiseLevels(B))
	if err != nil {
		t.Fatal(err)
	}
	a, b := flat(out[0]), flat(outp[0])
	for bc := range B {
		for i := range H {
			for j := range W {
				if g, w := a[(bc*H+i)*W+j], b[(bc*Hp+i)*Wp+j]; math.Abs(g-w) > 1e-5 {
					t.Fatalf("(%d, %d, %d): %v on 14×15, %v on the padded grid", bc, i, j, g, w)
				}
			}
		}
	}
}
