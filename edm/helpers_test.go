package edm

import (
	"math"
	"sync"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/tidal-forecast/tidal/backend"
)

var sharedBackend = sync.OnceValues(func() (compute.Backend, error) { return backend.New(backend.Go) })

// testBackend returns the pure-Go backend shared by the package's tests.
func testBackend(t *testing.T) compute.Backend {
	t.Helper()
	b, err := sharedBackend()
	if err != nil {
		t.Fatalf("go backend: %v", err)
	}
	return b
}

func f64(t *tensors.Tensor) []float64 {
	v := tensors.MustCopyFlatData[float32](t)
	out := make([]float64, len(v))
	for i, f := range v {
		out[i] = float64(f)
	}
	return out
}

func tensor32(vals []float64, dims ...int) *tensors.Tensor {
	f := make([]float32, len(vals))
	for i, v := range vals {
		f[i] = float32(v)
	}
	return tensors.FromFlatDataAndDimensions(f, dims...)
}

func closeRel(got, want, rel float64) bool {
	return math.Abs(got-want) <= rel*math.Max(math.Abs(want), 1e-300)
}

func maxAbsDiff(a, b []float64) float64 {
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Abs(a[i]-b[i]))
	}
	return m
}

// zLimit bounds the largest |z|-score of a correct sampler's moments (fixed seeds); zWrong is what a
// deliberately wrong sampler must exceed, so a test would catch it.
const zLimit, zWrong = 4.5, 10
