package convbench

import (
	"math"
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/tidal-forecast/tidal/internal/tensortest"
)

var goBackend = tensortest.Backend

// randTensor returns a float32 tensor with entries uniform in [-1, 1), reproducible from seed.
func randTensor(seed uint64, dims ...int) *tensors.Tensor {
	r := rand.New(rand.NewPCG(seed, 0x7a11da1))
	v := make([]float32, numElements(dims))
	for i := range v {
		v[i] = 2*r.Float32() - 1
	}
	return tensors.FromFlatDataAndDimensions(v, dims...)
}

// runGraph runs fn once on inputs and returns its outputs' values.
func runGraph(t testing.TB, fn func(in []*Node) []*Node, inputs ...*tensors.Tensor) [][]float32 {
	t.Helper()
	exec, err := NewExec(goBackend(t), fn)
	if err != nil {
		t.Fatalf("NewExec: %v", err)
	}
	defer exec.Finalize()
	args := make([]any, len(inputs))
	for i, in := range inputs {
		args[i] = in
	}
	outs, err := exec.Call(args...)
	if err != nil {
		t.Fatal(err)
	}
	vals := make([][]float32, len(outs))
	for i, o := range outs {
		vals[i] = tensors.MustCopyFlatData[float32](o)
	}
	return vals
}

// checkClose fails the test if max|got − want| exceeds tol relative to max|want|.
func checkClose(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	var d, m float64
	for i := range want {
		d = math.Max(d, math.Abs(float64(got[i]-want[i])))
		m = math.Max(m, math.Abs(float64(want[i])))
	}
	if len(got) != len(want) || d > tol*m || math.IsNaN(d) {
		t.Errorf("%s: error %.3g relative to %.3g exceeds %.1g (len %d vs %d)", what, d, m, tol, len(got), len(want))
	}
}
