package nets

import (
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// ditActionChange returns, per output frame, max |net(a') − net(a)| where the actions a' differ from a
// only in frame k's first component (+1), with random (non-zero) weights and 2 action channels.
func ditActionChange(t *testing.T, c DiTConfig, k int) []float64 {
	t.Helper()
	const A = 2
	c.ActionChannels = A
	d := mustNewDiT(t, c)
	C := c.DataChannels
	xt, ctx := randFloats(1, vB*vL*C*vH*vW, 1), randFloats(2, vB*vP*C*vH*vW, 1)
	acts := randFloats(4, vB*vL*A, 1)
	store := model.NewStore()
	run := func(a []float32) []float64 {
		out, _ := runNet(t, store, d.Apply, nil, tensors.FromFlatDataAndDimensions(xt, vB, vL, C, vH, vW), noiseLevels(vB),
			tensors.FromFlatDataAndDimensions(ctx, vB, vP, C, vH, vW), tensors.FromFlatDataAndDimensions(a, vB, vL, A))
		return flat(out)
	}
	run(acts)
	randomizeVariables(t, store, 3, 0.3)
	base := run(acts)
	moved := append([]float32(nil), acts...)
	for b := range vB {
		moved[(b*vL+k)*A] += 1
	}
	changed := run(moved)
	frame := C * vH * vW
	return maxChangePerFrame(base, changed, frame)
}

// TestDiTActionsPerFrame: the actions reach the network, each frame through its own tokens. Changing
// only frame k's action changes frame k's output; without temporal attention (SpatialOnly) every other
// frame's output stays exactly as it was, and with it the change reaches the other frames too.
func TestDiTActionsPerFrame(t *testing.T) {
	const k = 2
	for _, spatialOnly := range []bool{true, false} {
		c := smallDiTConfig()
		c.SpatialOnly = spatialOnly
		per := ditActionChange(t, c, k)
		t.Logf("spatial only %v: max |change| per frame %.3g", spatialOnly, per)
		if per[k] < 1e-3 {
			t.Errorf("spatial only %v: changing frame %d's action changed its output by only %.3g", spatialOnly, k, per[k])
		}
		for f, d := range per {
			if f == k {
				continue
			}
			if spatialOnly && d != 0 {
				t.Errorf("without temporal attention, changing frame %d's action changed frame %d by %.3g", k, f, d)
			}
			if !spatialOnly && d < 1e-4*per[k] {
				t.Errorf("with temporal attention, changing frame %d's action changed frame %d by only %.3g", k, f, d)
			}
		}
	}
}

// TestDiTActionsGradientCheck is TestDiTGradientCheck on a DiT with static fields and 2 action
// channels (fixed actions and static fields, so the patch embedding takes 2C + 2 + 1 + 2 = 9 channels):
// automatic gradients against central finite differences for every variable and for entries of the
// noisy window and of the context.
func TestDiTActionsGradientCheck(t *testing.T) {
	c := smallDiTConfig()
	c.Branches, c.StaticChannels, c.ActionChannels = 1, 1, 2
	d := mustNewDiT(t, c)
	if got := d.Config().inChannels(); got != 9 {
		t.Fatalf("patch embedding input channels %d, want 2·2 + 2 + 1 + 2 = 9", got)
	}
	acts, static := randFloats(7, vB*vL*2, 1), randFloats(8, vB*vH*vW, 1)
	apply := func(scope *model.Scope, xt, noise *Node, cond []*Node) *Node {
		g, dt := xt.Graph(), xt.DType()
		st := ConvertDType(Const(g, tensors.FromFlatDataAndDimensions(static, vB, 1, vH, vW)), dt)
		a := ConvertDType(Const(g, tensors.FromFlatDataAndDimensions(acts, vB, vL, 2)), dt)
		return d.Apply(scope, xt, noise, append(append([]*Node(nil), cond...), st, a))
	}
	const C = 2
	checked, all := checkWindowNetGradients(t, apply, []int{5, 2*vL*C*vH*vW - 7}, func(string) bool { return true })
	if checked != all || all < 20 {
		t.Errorf("checked %d of %d variables, expected every one of the DiT's (at least 20)", checked, all)
	}
}

// TestDiTApplyRejectsBadActions: with ActionChannels, missing actions and actions of the wrong shape
// are errors of Exec naming what was expected.
func TestDiTApplyRejectsBadActions(t *testing.T) {
	c := smallDiTConfig()
	c.ActionChannels = 2
	d := mustNewDiT(t, c)
	xt, ctx := randTensor(1, vB, vL, 2, vH, vW), randTensor(2, vB, vP, 2, vH, vW)
	for _, tc := range []struct {
		name string
		in   []*tensors.Tensor
		want string
	}{
		{"no actions", nil, "action channels cond holds the context frames and 1 more inputs, got 1"},
		{"3 components", []*tensors.Tensor{randTensor(3, vB, vL, 3)}, "actions must be [2, 4 frames, 2]"},
		{"one frame short", []*tensors.Tensor{randTensor(3, vB, vL-1, 2)}, "actions must be [2, 4 frames, 2]"},
	} {
		exec, err := model.NewExec(goBackend(t), model.NewStore(), func(scope *model.Scope, in []*Node) *Node {
			return d.Apply(scope, in[0], in[1], in[2:])
		})
		if err != nil {
			t.Fatal(err)
		}
		args := append([]any{xt, noiseLevels(vB), ctx}, anys(tc.in)...)
		if _, err := exec.Call(args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
		exec.Finalize()
	}
}

// anys converts tensors to the arguments of Exec.Call.
func anys(ts []*tensors.Tensor) []any {
	out := make([]any, len(ts))
	for i, x := range ts {
		out[i] = x
	}
	return out
}
