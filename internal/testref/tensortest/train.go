package tensortest

import (
	"math"
	"testing"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// AdamW runs n AdamW steps (learning rate lr, weight decay 0.01) of loss on fixed inputs, in a graph
// marked as training, and returns the losses. loss gets scope (with nothing visited) and the inputs. It
// fails the test on an error or a non-finite loss. Tests use it to give a network trained, non-trivial
// weights (tidal's UNet starts by predicting 0).
func AdamW(t testing.TB, b compute.Backend, scope *model.Scope, n int, lr float64,
	loss func(scope *model.Scope, in []*Node) *Node, inputs ...*tensors.Tensor) []float64 {
	t.Helper()
	opt := optimizer.Adam().LearningRate(lr).WeightDecay(0.01).Done()
	exec, err := model.NewExec(b, scope.Store(), func(_ *model.Scope, in []*Node) *Node {
		g := in[0].Graph()
		scope.SetTraining(g, true)
		l := loss(scope.ResetVisited(), in)
		opt.UpdateGraph(scope.ResetVisited(), g, l)
		return l
	})
	if err != nil {
		t.Fatal(err)
	}
	defer exec.Finalize()
	args := make([]any, len(inputs))
	for i, x := range inputs {
		args[i] = x
	}
	losses := make([]float64, n)
	for i := range n {
		out, err := exec.Call(args...)
		if err != nil {
			t.Fatalf("training step %d: %v", i, err)
		}
		losses[i] = float64(tensors.MustCopyFlatData[float32](out[0])[0])
		if math.IsNaN(losses[i]) || math.IsInf(losses[i], 0) {
			t.Fatalf("training step %d: loss %v", i, losses[i])
		}
	}
	return losses
}
