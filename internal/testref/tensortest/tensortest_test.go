package tensortest

import (
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

func TestRoundTripAndComparisons(t *testing.T) {
	vals := []float64{0.5, -2, 3.25, 1e-3}
	got := Float64s(Float32(vals, 2, 2))
	if MaxAbsDiff(got, vals) > 1e-9 {
		t.Fatalf("round trip %v -> %v", vals, got)
	}
	if !CloseRel(1.0001, 1, 2e-4) || CloseRel(1.001, 1, 2e-4) {
		t.Fatal("CloseRel")
	}
	if MaxAbsDiff([]float64{1, 5}, []float64{2, 1}) != 4 {
		t.Fatal("MaxAbsDiff")
	}
	if Backend(t) != Backend(t) {
		t.Fatal("Backend should be shared")
	}
}

// TestRandomizeVariables checks that every trainable variable (float32 and float64) gets values in
// [−scale, scale), "scale" variables 1 + that, that values differ within and between variables, and
// that Trainable skips non-trainable variables.
func TestRandomizeVariables(t *testing.T) {
	store := model.NewStore()
	scope := store.RootScope()
	a := scope.In("a").VariableWithValue("kernel", make([]float32, 50))
	b := scope.In("b").VariableWithValue("scale", make([]float64, 50))
	fixed := scope.In("c").VariableWithShape("kernel", shapes.Make(dtypes.Float32, 3))
	fixed.SetTrainable(false)
	n := 0
	for range Trainable(store) {
		n++
	}
	if n != 2 {
		t.Fatalf("Trainable yields %d variables, want 2", n)
	}
	RandomizeVariables(t, store, 1, 0.3)
	av := Float64s(a.MustValue())
	bv := tensors.MustCopyFlatData[float64](b.MustValue())
	for i := range av {
		if av[i] < -0.3 || av[i] >= 0.3 || bv[i] < 0.7 || bv[i] >= 1.3 {
			t.Fatalf("value %d: kernel %g, scale %g", i, av[i], bv[i])
		}
	}
	if av[0] == av[1] || av[0] == bv[0]-1 {
		t.Errorf("values repeat: kernel %g, %g; scale − 1 %g", av[0], av[1], bv[0]-1)
	}
}
