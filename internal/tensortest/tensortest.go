// Package tensortest holds what the tests of tidal's graph packages share: one pure-Go backend per test
// binary, and conversions between float32 tensors and float64 host values.
package tensortest

import (
	"math"
	"sync"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/tidal-forecast/tidal/backend"
)

// Shared is the pure-Go backend shared by a test binary (a tensor placed on one backend instance cannot
// move to another, so tests that pass tensors around must share one).
var Shared = sync.OnceValues(func() (compute.Backend, error) { return backend.New(backend.Go) })

// Backend returns Shared, failing the test if it cannot be created.
func Backend(t testing.TB) compute.Backend {
	t.Helper()
	b, err := Shared()
	if err != nil {
		t.Fatalf("go backend: %v", err)
	}
	return b
}

// Float64s copies a float32 tensor's values into float64. It panics on a tensor of another dtype.
func Float64s(x *tensors.Tensor) []float64 {
	v := tensors.MustCopyFlatData[float32](x)
	out := make([]float64, len(v))
	for i, f := range v {
		out[i] = float64(f)
	}
	return out
}

// Float32 makes a float32 tensor of the given dimensions from float64 values.
func Float32(vals []float64, dims ...int) *tensors.Tensor {
	f := make([]float32, len(vals))
	for i, v := range vals {
		f[i] = float32(v)
	}
	return tensors.FromFlatDataAndDimensions(f, dims...)
}

// CloseRel says whether got is within rel of want, relative to |want|.
func CloseRel(got, want, rel float64) bool {
	return math.Abs(got-want) <= rel*math.Max(math.Abs(want), 1e-300)
}

// MaxAbsDiff is the largest |a[i] − b[i]|.
func MaxAbsDiff(a, b []float64) float64 {
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Abs(a[i]-b[i]))
	}
	return m
}

// Finite copies a float32 tensor's values into float64, failing the test at the first NaN or infinity.
func Finite(t testing.TB, name string, x *tensors.Tensor) []float64 {
	t.Helper()
	v := Float64s(x)
	for i, f := range v {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			t.Fatalf("%s: value %d is %v", name, i, f)
		}
	}
	return v
}

// Repeats calls sample k times and returns the first result's values, failing the test on an error, a
// non-finite value, or a later result that is not bit-identical to the first.
func Repeats(t testing.TB, name string, k int, sample func() (*tensors.Tensor, error)) []float64 {
	t.Helper()
	var first []float64
	for i := range k {
		out, err := sample()
		if err != nil {
			t.Fatalf("%s, call %d: %v", name, i, err)
		}
		v := Finite(t, name, out)
		if i == 0 {
			first = v
		} else if d := MaxAbsDiff(v, first); d != 0 || len(v) != len(first) {
			t.Errorf("%s: call %d differs from the first by %g", name, i, d)
		}
	}
	return first
}
