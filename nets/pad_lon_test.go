package nets

import (
	"math"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/nn"
)

// PadToMultipleWrap on a 3×6 field to multiples of 4: the two columns added at the end are columns 0
// and 1 (longitude continues around the circle), the added row is zeros (no wrap across the poles), and
// crop gives the field back. A width smaller than the padding (W = 1 to 4) repeats the field.
func TestPadToMultipleWrap(t *testing.T) {
	for _, c := range []struct{ H, W, f, Hp, Wp int }{{3, 6, 4, 4, 8}, {3, 1, 4, 4, 4}} {
		x := make([]float32, 2*c.H*c.W)
		for i := range x {
			x[i] = float32(i + 1)
		}
		e, err := NewExec(goBackend(t), func(x *Node) []*Node {
			p, crop := PadToMultipleWrap(x, c.f, true)
			return []*Node{p, crop(p)}
		})
		if err != nil {
			t.Fatal(err)
		}
		out, err := e.Call(tensors.FromFlatDataAndDimensions(x, 2, c.H, c.W))
		if err != nil {
			t.Fatal(err)
		}
		p := tensors.MustCopyFlatData[float32](out[0])
		if d := out[0].Shape().Dimensions; d[1] != c.Hp || d[2] != c.Wp {
			t.Fatalf("%d×%d padded to %v, want %d×%d", c.H, c.W, d, c.Hp, c.Wp)
		}
		for b := range 2 {
			for i := range c.Hp {
				for j := range c.Wp {
					want := float32(0)
					if i < c.H {
						want = x[(b*c.H+i)*c.W+j%c.W]
					}
					if got := p[(b*c.Hp+i)*c.Wp+j]; got != want {
						t.Fatalf("%d×%d: padded[%d, %d, %d] = %v, want %v", c.H, c.W, b, i, j, got, want)
					}
				}
			}
		}
		if back := tensors.MustCopyFlatData[float32](out[1]); len(back) != len(x) {
			t.Fatalf("crop gave %d values, want %d", len(back), len(x))
		} else {
			for i := range x {
				if back[i] != x[i] {
					t.Fatalf("crop: value %d is %v, want %v", i, back[i], x[i])
				}
			}
		}
		e.Finalize()
	}
}

// With periodic padding along the width only (a lat-lon grid: periodic in longitude, zeros at the
// poles), the UNet is equivariant to circular shifts in longitude: shifting the input by k columns
// (k a multiple of the coarsest level's 4, so that the pooling grid is kept) shifts the output by k
// columns, to float precision. A shift in latitude is not an equivariance (zero padding), which the
// test checks too, so that it would catch periodic padding in both axes.
func TestUNetPeriodicLonEquivariance(t *testing.T) {
	c := smallConfig()
	c.OutChannels, c.PadH, c.PadW = 3, nn.Zero, nn.Periodic
	u := mustNew(t, c)
	store := model.NewStore()
	exec, err := model.NewExec(goBackend(t), store, func(scope *model.Scope, x, noise *Node) *Node {
		return u.Apply(scope, x, noise, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer exec.Finalize()
	const B, C, H, W, k = 2, 3, 8, 16, 4
	x := randFloats(5, B*C*H*W, 1)
	if _, err := exec.Call(tensors.FromFlatDataAndDimensions(x, B, C, H, W), noiseLevels(B)); err != nil {
		t.Fatal(err)
	}
	randomizeVariables(t, store, 9, 0.3)
	call := func(v []float32) []float64 {
		out, err := exec.Call(tensors.FromFlatDataAndDimensions(v, B, C, H, W), noiseLevels(B))
		if err != nil {
			t.Fatal(err)
		}
		return flat(out[0])
	}
	shift := func(v []float32, dh, dw int) []float32 { // out[.., i, j] = v[.., i−dh, j−dw] (circular)
		s := make([]float32, len(v))
		for bc := range B * C {
			for i := range H {
				for j := range W {
					s[(bc*H+(i+dh)%H)*W+(j+dw)%W] = v[(bc*H+i)*W+j]
				}
			}
		}
		return s
	}
	y := call(x)
	if maxAbs(y) < 1e-3 {
		t.Fatal("the output is ~0: the comparison would be void")
	}
	ys := call(shift(x, 0, k))
	y32 := make([]float32, len(y))
	for i, v := range y {
		y32[i] = float32(v)
	}
	want := shift(y32, 0, k)
	worst := 0.0
	for i := range ys {
		worst = math.Max(worst, math.Abs(ys[i]-float64(want[i])))
	}
	if worst > 1e-4 {
		t.Errorf("shift by %d columns: the output differs from the shifted output by %v", k, worst)
	}
	yh := call(shift(x, k, 0))
	wantH := shift(y32, k, 0)
	diff := 0.0
	for i := range yh {
		diff = math.Max(diff, math.Abs(yh[i]-float64(wantH[i])))
	}
	if diff < 1e-3 {
		t.Errorf("a shift in latitude kept the output shifted (difference %v): the latitude padding wraps", diff)
	}
}
