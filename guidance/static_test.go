package guidance

import (
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
)

// A discriminator with StaticChannels takes the static fields [B, S, H, W] after its conditioning
// frames: its logits depend on them (other fields, other logits, with the same weights), and missing or
// misshapen static fields are refused naming them.
func TestLogitStaticChannels(t *testing.T) {
	c := tinyConfig()
	c.StaticChannels = 2
	d := mustNew(t, c)
	f32 := dtypes.Float32
	x, s := randTensor(f32, 1, 2, 1, 8, 8), sigmas(f32, 2)
	a, b := randTensor(f32, 2, 2, 1, 8, 8), randTensor(f32, 3, 2, 1, 8, 8)
	st1, st2 := randTensor(f32, 4, 2, 2, 8, 8), randTensor(f32, 5, 2, 2, 8, 8)
	store := model.NewStore()
	l1 := logits(t, store, d, x, s, a, b, st1)
	tensortest.RandomizeVariables(t, store, 11, 0.2)
	l1 = logits(t, store, d, x, s, a, b, st1)
	l2 := logits(t, store, d, x, s, a, b, st2)
	diff := 0.0
	for i := range l1 {
		diff = max(diff, abs(l1[i]-l2[i]))
	}
	if diff < 1e-5 {
		t.Errorf("other static fields changed the logits by %v", diff)
	}
	for _, tc := range []struct {
		args []*tensors.Tensor
		want string
	}{
		{[]*tensors.Tensor{x, s, a, b}, "static channels"},
		{[]*tensors.Tensor{x, s, a, b, randTensor(f32, 6, 2, 1, 8, 8)}, "static fields"},
	} {
		_, err := model.ExecOnce(tensortest.Backend(t), model.NewStore(), func(scope *model.Scope, in []*Node) *Node {
			return d.Logit(scope, in[0], in[1], in[2:])
		}, anys(tc.args)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want one containing %q", err, tc.want)
		}
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
