package tensortest

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// Uniform returns a float32 tensor of the given dimensions with entries uniform in [−1, 1), reproducible
// from seed.
func Uniform(seed uint64, dims ...int) *tensors.Tensor {
	n := 1
	for _, d := range dims {
		n *= d
	}
	r := rand.New(rand.NewPCG(seed, 0x7a11da1))
	v := make([]float32, n)
	for i := range v {
		v[i] = 2*r.Float32() - 1
	}
	return tensors.FromFlatDataAndDimensions(v, dims...)
}

// RunGraph builds, compiles and runs fn once on the Shared backend and returns its float32 outputs,
// flat; it fails the test on any error.
func RunGraph(t testing.TB, fn func(in []*graph.Node) []*graph.Node, inputs ...*tensors.Tensor) [][]float32 {
	t.Helper()
	exec, err := graph.NewExec(Backend(t), fn)
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

// RelErr is max|got − want| / max|want| (max|got − want| when want is all zero): the error relative to
// the scale of the reference; +Inf when the lengths differ.
func RelErr(got, want []float32) float64 {
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

// CheckClose fails the test (without stopping it) when RelErr(got, want) exceeds tol or is NaN.
func CheckClose(t testing.TB, what string, got, want []float32, tol float64) {
	t.Helper()
	if e := RelErr(got, want); e > tol || math.IsNaN(e) {
		t.Errorf("%s: relative error %.3g > %.1g (len %d vs %d)", what, e, tol, len(got), len(want))
	}
}
