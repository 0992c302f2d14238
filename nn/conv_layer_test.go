package nn

import (
	"math"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// TestConvLayer: the layer creates kernel [Cout, K, K, Cin] with He-normal scale and a zero bias,
// applies Conv2D plus the bias, and ZeroInit gives a zero kernel.
func TestConvLayer(t *testing.T) {
	const B, Cin, H, W, Cout = 2, 16, 6, 6, 24
	store := model.NewStore()
	x := randTensor(1, B, Cin, H, W)
	out, err := model.CallOnceN(goBackend(t), store, func(scope *model.Scope, x *Node) []*Node {
		y := Conv(scope.In("c"), x).Channels(Cout).Stride(2).Padding(Periodic, Zero).Done()
		z := Conv(scope.In("z"), x).Channels(Cout).KernelSize(1).ZeroInit().NoBias().Done()
		return []*Node{y, z}
	}, x)
	if err != nil {
		t.Fatal(err)
	}
	kernel := store.GetVariable("/c/kernel")
	bias := store.GetVariable("/c/bias")
	if kernel == nil || bias == nil || store.GetVariable("/z/bias") != nil {
		t.Fatalf("variables: kernel %v, bias %v, /z/bias %v", kernel, bias, store.GetVariable("/z/bias"))
	}
	if d := kernel.Shape().Dimensions; len(d) != 4 || d[0] != Cout || d[1] != 3 || d[2] != 3 || d[3] != Cin {
		t.Errorf("kernel shape %s, want [%d 3 3 %d]", kernel.Shape(), Cout, Cin)
	}
	k := tensors.MustCopyFlatData[float32](kernel.MustValue())
	var sq float64
	for _, v := range k {
		sq += float64(v) * float64(v)
	}
	if std, want := math.Sqrt(sq/float64(len(k))), math.Sqrt(2.0/(9*Cin)); math.Abs(std/want-1) > 0.1 {
		t.Errorf("kernel standard deviation %.4f, want %.4f (He)", std, want)
	}
	// Give the bias a value, and compare the output with Conv2D + bias.
	b := randFloats(2, Cout)
	bias.MustSetValue(tensors.FromFlatDataAndDimensions(b, Cout))
	got, err := model.CallOnce(goBackend(t), store, func(scope *model.Scope, x *Node) *Node {
		return Conv(scope.In("c"), x).Channels(Cout).Stride(2).Padding(Periodic, Zero).Done()
	}, x)
	if err != nil {
		t.Fatal(err)
	}
	want := runGraph(t, func(in []*Node) []*Node {
		y := Conv2D(in[0], in[1], ConvOptions{Stride: 2, PadH: Periodic, PadW: Zero, Path: Native})
		return []*Node{Add(y, Reshape(in[2], 1, Cout, 1, 1))}
	}, x, kernel.MustValue(), tensors.FromFlatDataAndDimensions(b, Cout))[0]
	checkClose(t, "conv layer", tensors.MustCopyFlatData[float32](got), want, 1e-5)
	for i, v := range tensors.MustCopyFlatData[float32](out[1]) {
		if v != 0 {
			t.Fatalf("ZeroInit layer output[%d] = %g, want 0", i, v)
		}
	}
}
