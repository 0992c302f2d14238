package diffusion

import (
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/support/exceptions"
)

// Scalars packs host float64 values, computed in float64, into the float32 vector a step graph takes.
func Scalars(v ...float64) *tensors.Tensor {
	f := make([]float32, len(v))
	for i, x := range v {
		f[i] = float32(x)
	}
	return tensors.FromValue(f)
}

// Elem is element i of a vector of scalars, as a scalar node.
func Elem(c *Node, i int) *Node { return Reshape(Slice(c, AxisElem(i))) }

// PerSample reshapes a scalar or [batch] coefficient, converted to x's dtype, so that it broadcasts over
// x [batch, ...]: [batch, 1, ..., 1]. It panics (GoMLX's way inside graph building) on any other shape.
func PerSample(x, c *Node) *Node {
	c = ConvertDType(c, x.DType())
	if c.Rank() == 0 {
		return c
	}
	if c.Rank() != 1 || c.Shape().Dimensions[0] != x.Shape().Dimensions[0] {
		exceptions.Panicf("per-sample coefficient has shape %s, expected [%d] (the batch of x %s) or a scalar",
			c.Shape(), x.Shape().Dimensions[0], x.Shape())
	}
	dims := make([]int, x.Rank())
	for i := range dims {
		dims[i] = 1
	}
	dims[0] = x.Shape().Dimensions[0]
	return Reshape(c, dims...)
}

// ShapeOf describes a tensor's shape for an error message, "nil" for a nil tensor.
func ShapeOf(t *tensors.Tensor) any {
	if t == nil {
		return "nil"
	}
	return t.Shape()
}
