package nets

import (
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/nn"
)

// TestDownResBlockOnRepeatedPixels checks DownResBlock against ResBlock with the same variables: on
// an input whose pixels are repeated 2×2 (x = up(y)), group norm sees the same statistics as on y
// and the pooling undoes the repetition, so DownResBlock(up(y)) = ResBlock(y) exactly in exact
// arithmetic. With the pooling left out the shapes would not even match; with the pooling applied
// before the group norm only on one path the values would differ.
func TestDownResBlockOnRepeatedPixels(t *testing.T) {
	for _, emb := range []Embedding{AddEmbedding, ScaleShift} {
		opt := BlockOptions{Groups: 2, GNEpsilon: 1e-6, PadH: nn.Periodic, PadW: nn.Zero, Embedding: emb}
		store := model.NewStore()
		// The Go backend turns variables into constants: compile again after changing them.
		run := func(y, e *tensors.Tensor) (a, b []float64) {
			outs, err := model.ExecOnceN(goBackend(t), store, func(scope *model.Scope, y, e *Node) []*Node {
				plain := ResBlock(scope.In("block"), y, e, 6, opt)
				down := DownResBlock(scope.ResetVisited().In("block"), nn.Upsample2x(y), e, 6, opt)
				return []*Node{plain, down}
			}, y, e)
			if err != nil {
				t.Fatal(err)
			}
			return flat(outs[0]), flat(outs[1])
		}
		y, e := randTensor(1, 2, 4, 8, 8), randTensor(2, 2, 12)
		run(y, e)
		randomizeVariables(t, store, 3, 0.3)
		plain, down := run(y, e)
		if e := relErr(down, plain); e > 1e-5 || maxAbs(plain) == 0 {
			t.Errorf("%s: DownResBlock(up(y)) differs from ResBlock(y) by %.3g (relative), max |ResBlock| %g", emb, e, maxAbs(plain))
		}
	}
}

// TestLinearInputGradient checks that Linear's gradient with respect to its input alone (no weight
// gradient asked for) works on the Go backend and equals the closed form ∂Σ(xW + b)/∂x = W·1.
func TestLinearInputGradient(t *testing.T) {
	store := model.NewStore()
	exec, err := model.NewExec(goBackend(t), store, func(scope *model.Scope, x *Node) []*Node {
		dense := scope.In("dense")
		y := Linear(dense, x, 3)
		w := dense.GetVariable("weights").NodeValue(x.Graph())
		return []*Node{Gradient(ReduceAllSum(y), x)[0], ReduceSum(w, 1)}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer exec.Finalize()
	outs, err := exec.Call(randTensor(1, 2, 5))
	if err != nil {
		t.Fatal(err)
	}
	grad, rowSums := flat(outs[0]), flat(outs[1])
	for b := range 2 {
		if e := relErr(grad[b*5:(b+1)*5], rowSums); e > 1e-6 {
			t.Errorf("row %d: gradient %v, want W·1 = %v", b, grad[b*5:(b+1)*5], rowSums)
		}
	}
}
