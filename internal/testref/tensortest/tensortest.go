// Package tensortest holds what the tests of tidal's graph packages share: one pure-Go backend per test
// binary, and conversions between float32 tensors and float64 host values.
package tensortest

import (
	"iter"
	"math"
	"math/rand/v2"
	"os"
	"sync"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/backend"
)

// BackendEnvVar names the environment variable that runs the tests on another backend: "cuda" runs
// them on the GPU through XLA (`make gpu-check` does; the process needs the plugin's library path,
// as backend.PrepareProcess sets it). Unset or "go": the pure-Go backend.
const BackendEnvVar = "TIDAL_TEST_BACKEND"

// Shared is the backend shared by a test binary, the pure-Go one unless $TIDAL_TEST_BACKEND names
// another (a tensor placed on one backend instance cannot move to another, so tests that pass tensors
// around must share one).
var Shared = sync.OnceValues(func() (compute.Backend, error) {
	name := os.Getenv(BackendEnvVar)
	if name == "" {
		name = backend.Go
	}
	return backend.New(name)
})

// Backend returns Shared, failing the test if it cannot be created.
func Backend(t testing.TB) compute.Backend {
	t.Helper()
	b, err := Shared()
	if err != nil {
		t.Fatalf("test backend (%s=%q): %v", BackendEnvVar, os.Getenv(BackendEnvVar), err)
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

// Trainable iterates over the trainable variables of store, in creation order.
func Trainable(store *model.Store) iter.Seq[*model.Variable] {
	return func(yield func(*model.Variable) bool) {
		for v := range store.IterVariables() {
			if v.Trainable && !yield(v) {
				return
			}
		}
	}
}

// RandomizeVariables replaces every trainable variable of store (Float32 or Float64) by values
// uniform in [-scale, scale), reproducible from seed: away from a network's initialisation, where
// zero-initialised layers hide most of it. Variables named "scale" (group-norm scales) get 1 + that,
// to stay away from 0.
func RandomizeVariables(t testing.TB, store *model.Store, seed uint64, scale float64) {
	t.Helper()
	i := uint64(0)
	for v := range Trainable(store) {
		i++
		r := rand.New(rand.NewPCG(seed+i, 0x7a11da1))
		vals := make([]float64, v.Shape().Size())
		for j := range vals {
			vals[j] = float64(float32(scale) * (2*r.Float32() - 1))
			if v.Name() == "scale" {
				vals[j]++
			}
		}
		var val *tensors.Tensor
		if v.DType() == dtypes.Float64 {
			val = tensors.FromFlatDataAndDimensions(vals, v.Shape().Dimensions...)
		} else {
			val = Float32(vals, v.Shape().Dimensions...)
		}
		if err := v.SetValue(val); err != nil {
			t.Fatalf("setting %s: %v", v.Path(), err)
		}
	}
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
