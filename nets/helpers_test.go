package nets

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute/dtypes"

	"github.com/tidal-forecast/tidal/internal/testref/tensortest"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// goBackend returns the pure-Go backend shared by the tests.
var goBackend = tensortest.Backend

// randTensor returns a float32 tensor with entries uniform in [-1, 1), reproducible from seed.
func randTensor(seed uint64, dims ...int) *tensors.Tensor {
	return randTensorAs(dtypes.Float32, seed, dims...)
}

// randTensorAs is randTensor with the given dtype (Float32 or Float64).
func randTensorAs(dtype dtypes.DType, seed uint64, dims ...int) *tensors.Tensor {
	n := 1
	for _, d := range dims {
		n *= d
	}
	return fromFloats(dtype, randFloats(seed, n, 1), dims...)
}

// fromFloats returns vals as a tensor of the given dtype (Float32 or Float64).
func fromFloats(dtype dtypes.DType, vals []float32, dims ...int) *tensors.Tensor {
	if dtype == dtypes.Float64 {
		v := make([]float64, len(vals))
		for i, x := range vals {
			v[i] = float64(x)
		}
		return tensors.FromFlatDataAndDimensions(v, dims...)
	}
	return tensors.FromFlatDataAndDimensions(vals, dims...)
}

func randFloats(seed uint64, n int, scale float32) []float32 {
	r := rand.New(rand.NewPCG(seed, 0x7a11da1))
	v := make([]float32, n)
	for i := range v {
		v[i] = scale * (2*r.Float32() - 1)
	}
	return v
}

// randomizeVariables is tensortest.RandomizeVariables.
func randomizeVariables(t testing.TB, store *model.Store, seed uint64, scale float32) {
	t.Helper()
	tensortest.RandomizeVariables(t, store, seed, float64(scale))
}

// relErr is max|got − want| / max|want|: the error relative to the scale of the reference.
func relErr(got, want []float64) float64 {
	if len(got) != len(want) {
		return math.Inf(1)
	}
	var maxDiff, maxRef float64
	for i := range got {
		maxDiff = max(maxDiff, math.Abs(got[i]-want[i]))
		maxRef = max(maxRef, math.Abs(want[i]))
	}
	if maxRef == 0 {
		return maxDiff
	}
	return maxDiff / maxRef
}

// flat returns the values of a Float32 or Float64 tensor as float64.
func flat(t *tensors.Tensor) []float64 {
	if t.DType() == dtypes.Float64 {
		return tensors.MustCopyFlatData[float64](t)
	}
	v32 := tensors.MustCopyFlatData[float32](t)
	v := make([]float64, len(v32))
	for i, x := range v32 {
		v[i] = float64(x)
	}
	return v
}

func maxAbs(v []float64) float64 {
	var m float64
	for _, x := range v {
		m = max(m, math.Abs(x))
	}
	return m
}

// trainable is tensortest.Trainable.
var trainable = tensortest.Trainable

// maxChangePerFrame is, for each frame f of vB windows of vL frames of frame values each, the largest
// |changed − base| over the windows' values of frame f.
func maxChangePerFrame(base, changed []float64, frame int) []float64 {
	per := make([]float64, vL)
	for b := range vB {
		for f := range vL {
			for i := range frame {
				j := (b*vL+f)*frame + i
				per[f] = max(per[f], math.Abs(changed[j]-base[j]))
			}
		}
	}
	return per
}
