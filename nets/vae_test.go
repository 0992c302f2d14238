package nets

import (
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/nn"
)

// TestVAEShapesAndCount checks the encoder's and decoder's output shapes for ×2, ×4 and ×8
// downsampling, the clamp of the log-variance, and that the variables created hold NumParams scalars.
func TestVAEShapesAndCount(t *testing.T) {
	for _, tc := range []struct {
		mults  []int
		blocks int
		pad    nn.Padding
		H, W   int
	}{
		{[]int{1, 2}, 1, nn.Zero, 8, 12},
		{[]int{1, 2, 2}, 2, nn.Periodic, 16, 8},
		{[]int{1, 1, 2, 2}, 1, nn.Zero, 16, 16},
	} {
		v, err := NewVAE(VAEConfig{InChannels: 2, LatentChannels: 3, Channels: 8, Mults: tc.mults, Blocks: tc.blocks, Groups: 4, PadH: tc.pad, PadW: tc.pad})
		if err != nil {
			t.Fatal(err)
		}
		f := 1 << (len(tc.mults) - 1)
		if v.Factor() != f {
			t.Fatalf("mults %v: factor %d, want %d", tc.mults, v.Factor(), f)
		}
		store := model.NewStore()
		exec, err := model.NewExec(goBackend(t), store, func(scope *model.Scope, x *Node) []*Node {
			mean, logVar := v.Encode(scope, x)
			// A large multiple of the input drives the log-variance past its clamp somewhere.
			_, wild := v.Encode(scope.ResetVisited(), MulScalar(x, 1e4))
			return []*Node{mean, logVar, v.Decode(scope, mean), wild}
		})
		if err != nil {
			t.Fatal(err)
		}
		outs, err := exec.Call(randTensor(7, 3, 2, tc.H, tc.W))
		exec.Finalize()
		if err != nil {
			t.Fatal(err)
		}
		want := []int{3, 3, tc.H / f, tc.W / f}
		for i, name := range []string{"mean", "log-variance"} {
			if got := outs[i].Shape().Dimensions; !equalInts(got, want) {
				t.Errorf("mults %v: %s %v, want %v", tc.mults, name, got, want)
			}
		}
		if got := outs[2].Shape().Dimensions; !equalInts(got, []int{3, 2, tc.H, tc.W}) {
			t.Errorf("mults %v: decoded %v, want [3 2 %d %d]", tc.mults, got, tc.H, tc.W)
		}
		for _, x := range flat(outs[3]) {
			if x < LogVarMin || x > LogVarMax {
				t.Fatalf("mults %v: log-variance %g outside [%g, %g]", tc.mults, x, LogVarMin, LogVarMax)
			}
		}
		n := 0
		for v := range trainable(store) {
			n += v.Shape().Size()
		}
		if n != v.NumParams() {
			t.Errorf("mults %v, blocks %d: the graph created %d parameters, NumParams says %d", tc.mults, tc.blocks, n, v.NumParams())
		}
	}
}

// TestVAERefusesBadGrids checks the configuration errors and the refusal of a grid the factor does not
// divide.
func TestVAERefusesBadGrids(t *testing.T) {
	if _, err := NewVAE(VAEConfig{}); err == nil || !strings.Contains(err.Error(), "InChannels") {
		t.Errorf("no InChannels: got %v", err)
	}
	if _, err := NewVAE(VAEConfig{InChannels: 1, Mults: []int{1, 0}}); err == nil || !strings.Contains(err.Error(), "Mults[1]") {
		t.Errorf("a zero multiplier: got %v", err)
	}
	v, err := NewVAE(VAEConfig{InChannels: 1, Channels: 8, Mults: []int{1, 2, 2}})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.CheckGrid(10, 16); err == nil || !strings.Contains(err.Error(), "×4") {
		t.Errorf("10×16 with ×4: got %v", err)
	}
	if err := v.CheckGrid(16, 8); err != nil {
		t.Errorf("16×8 with ×4: %v", err)
	}
	exec, err := model.NewExec(goBackend(t), model.NewStore(), func(scope *model.Scope, x *Node) *Node {
		m, _ := v.Encode(scope, x)
		return m
	})
	if err != nil {
		t.Fatal(err)
	}
	defer exec.Finalize()
	if _, err := exec.Call(randTensor(1, 1, 1, 10, 8)); err == nil || !strings.Contains(err.Error(), "must divide") {
		t.Errorf("encoding a 10×8 grid: got %v", err)
	}
}
