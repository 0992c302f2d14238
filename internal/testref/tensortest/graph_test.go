package tensortest

import (
	"math"
	"slices"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// TestRunGraph runs x·2 + 1 on a uniform tensor and checks the values, the reproducibility of Uniform
// and its range, and RelErr's scale and length handling.
func TestRunGraph(t *testing.T) {
	x := Uniform(3, 4, 5)
	v := tensors.MustCopyFlatData[float32](x)
	if !slices.Equal(v, tensors.MustCopyFlatData[float32](Uniform(3, 4, 5))) {
		t.Fatal("Uniform is not reproducible")
	}
	for _, f := range v {
		if f < -1 || f >= 1 {
			t.Fatalf("Uniform value %v outside [−1, 1)", f)
		}
	}
	got := RunGraph(t, func(in []*graph.Node) []*graph.Node {
		return []*graph.Node{graph.AddScalar(graph.MulScalar(in[0], 2), 1)}
	}, x)
	for i := range v {
		if got[0][i] != 2*v[i]+1 {
			t.Fatalf("value %d: %v, want %v", i, got[0][i], 2*v[i]+1)
		}
	}
	if e := RelErr([]float32{1, 2.2}, []float32{1, 2}); math.Abs(e-0.1) > 1e-6 {
		t.Fatalf("RelErr = %v, want 0.1", e)
	}
	if !math.IsInf(RelErr([]float32{1}, []float32{1, 2}), 1) {
		t.Fatal("RelErr of different lengths is not +Inf")
	}
}
