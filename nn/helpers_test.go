package nn

import (
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
)

// goBackend returns the pure-Go backend shared by the tests.
var goBackend = tensortest.Backend

// randTensor returns a float32 tensor with entries uniform in [-1, 1), reproducible from seed.
var randTensor = tensortest.Uniform

// randFloats is n values of the stream of randTensor(seed).
func randFloats(seed uint64, n int) []float32 {
	return tensors.MustCopyFlatData[float32](tensortest.Uniform(seed, n))
}

// runGraph builds, compiles and runs fn on the Go backend and returns its outputs as flat float32.
var runGraph = tensortest.RunGraph

var (
	relErr     = tensortest.RelErr
	checkClose = tensortest.CheckClose
)

func numElements(dims []int) int {
	n := 1
	for _, d := range dims {
		n *= d
	}
	return n
}
