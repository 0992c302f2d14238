package nets

import (
	"math"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// TestTileActionsGolden: each frame's action components become constant planes, in order.
func TestTileActionsGolden(t *testing.T) {
	const B, L, A, H, W = 1, 2, 2, 1, 2
	acts := []float32{0, 0, 0.5, -1} // frame 0: the leading zero row; frame 1: (0.5, −1)
	out := runGraphOf(t, func(in []*Node) *Node { return TileActions(in[1], B, L, A, H, W, dtypes.Float32) },
		tensors.FromFlatDataAndDimensions(make([]float32, B), B), tensors.FromFlatDataAndDimensions(acts, B, L, A))
	want := []float64{0, 0, 0, 0, 0.5, 0.5, -1, -1}
	if e := relErr(out, want); e != 0 {
		t.Errorf("TileActions = %v, want %v", out, want)
	}
}

// TestVideoUNetActionsPerFrame: with ActionChannels the network's input grows by A channels, and
// without temporal levels (frames independent) changing frame k's action changes frame k's output and
// leaves every other frame's exactly as it was.
func TestVideoUNetActionsPerFrame(t *testing.T) {
	c := smallVideoConfig()
	c.TemporalConvLevels, c.TemporalAttnLevels, c.ActionChannels = nil, nil, 2
	v := mustNewVideo(t, c)
	if got := v.Config().UNet.InChannels; got != 2*2+2+2 {
		t.Fatalf("input channels %d, want 2·C + 2 + A = 8", got)
	}
	C := c.DataChannels
	xt, ctx := randFloats(1, vB*vL*C*vH*vW, 1), randFloats(2, vB*vP*C*vH*vW, 1)
	acts := randFloats(4, vB*vL*2, 1)
	store := model.NewStore()
	run := func(a []float32) []float64 {
		out, _ := runNet(t, store, v.Apply, nil, tensors.FromFlatDataAndDimensions(xt, vB, vL, C, vH, vW), noiseLevels(vB),
			tensors.FromFlatDataAndDimensions(ctx, vB, vP, C, vH, vW), tensors.FromFlatDataAndDimensions(a, vB, vL, 2))
		return flat(out)
	}
	run(acts)
	randomizeVariables(t, store, 3, 0.3)
	base := run(acts)
	const k = 2
	moved := append([]float32(nil), acts...)
	for b := range vB {
		moved[(b*vL+k)*2] += 1
	}
	changed := run(moved)
	frame := C * vH * vW
	for b := range vB {
		for f := range vL {
			d := 0.0
			for i := range frame {
				j := (b*vL+f)*frame + i
				d = max(d, math.Abs(changed[j]-base[j]))
			}
			if f == k && d < 1e-4 {
				t.Errorf("window %d: changing frame %d's action left its output unchanged", b, k)
			}
			if f != k && d != 0 {
				t.Errorf("window %d: changing frame %d's action changed frame %d's output by %g", b, k, f, d)
			}
		}
	}
}
