package dydiff

import (
	"math"
	"sync"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/tidal-forecast/tidal/backend"
	gm "github.com/tidal-forecast/tidal/internal/gaussian"
)

var sharedBackend = sync.OnceValues(func() (compute.Backend, error) { return backend.New(backend.Go) })

// testBackend returns the pure-Go backend shared by the package's tests (a tensor placed on one backend
// instance cannot move to another).
func testBackend(t *testing.T) compute.Backend {
	t.Helper()
	b, err := sharedBackend()
	if err != nil {
		t.Fatalf("go backend: %v", err)
	}
	return b
}

func mustSchedule(t *testing.T, eta float64, opt ScheduleOptions) Schedule {
	t.Helper()
	s, err := NewSchedule(eta, opt)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func flat32(t *testing.T, x *tensors.Tensor) []float64 {
	t.Helper()
	v, err := tensors.CopyFlatData[float32](x)
	if err != nil {
		t.Fatal(err)
	}
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

// dynMatrix is Dynamics along L frames as an L×L matrix: Dyn(x) = A x.
func dynMatrix(L int, g float64) gm.Mat {
	a := gm.NewMat(L)
	for j := range L {
		e := make([]float64, L)
		e[j] = 1
		col, err := DynamicsFloat64(e, L, g)
		if err != nil {
			panic(err)
		}
		for i := range L {
			a[i][j] = col[i]
		}
	}
	return a
}
