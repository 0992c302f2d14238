package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/tidal-forecast/tidal/internal/tensortest"
)

// goBackend returns the pure-Go backend shared by the tests.
var goBackend = tensortest.Backend

// randTensor returns a float32 tensor with entries uniform in [-1, 1), reproducible from seed.
func randTensor(seed uint64, dims ...int) *tensors.Tensor {
	return tensors.FromFlatDataAndDimensions(randFloats(seed, numElements(dims)), dims...)
}

func randFloats(seed uint64, n int) []float32 {
	r := rand.New(rand.NewPCG(seed, 0x7a11da1))
	v := make([]float32, n)
	for i := range v {
		v[i] = 2*r.Float32() - 1
	}
	return v
}

// runGraph builds, compiles and runs fn on the Go backend and returns its outputs as flat float32.
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
		t.Fatalf("running the graph: %v", err)
	}
	flat := make([][]float32, len(outs))
	for i, o := range outs {
		flat[i] = tensors.MustCopyFlatData[float32](o)
		o.FinalizeAll()
	}
	return flat
}

// relErr is max|got − want| / max|want|: the error relative to the scale of the reference.
func relErr(got, want []float32) float64 {
	if len(got) != len(want) {
		return math.Inf(1)
	}
	var maxDiff, maxRef float64
	for i := range got {
		maxDiff = max(maxDiff, math.Abs(float64(got[i])-float64(want[i])))
		maxRef = max(maxRef, math.Abs(float64(want[i])))
	}
	if maxRef == 0 {
		return maxDiff
	}
	return maxDiff / maxRef
}

// checkClose fails the test when relErr(got, want) exceeds tol.
func checkClose(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	if e := relErr(got, want); e > tol || math.IsNaN(e) {
		t.Errorf("%s: relative error %.3g > %.1g (len %d vs %d)", what, e, tol, len(got), len(want))
	}
}

func numElements(dims []int) int {
	n := 1
	for _, d := range dims {
		n *= d
	}
	return n
}
