package nn

import (
	"math"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
)

// TestSiLU compares SiLU and its derivative σ(x)·(1 + x·(1 − σ(x))) with the closed forms.
func TestSiLU(t *testing.T) {
	x := randFloats(1, 1000)
	for i := range x {
		x[i] *= 12
	}
	got := runGraph(t, func(in []*Node) []*Node {
		y := SiLU(in[0])
		return []*Node{y, Gradient(ReduceAllSum(y), in[0])[0]}
	}, tensors.FromFlatDataAndDimensions(x, len(x)))
	want, dwant := make([]float32, len(x)), make([]float32, len(x))
	for i, v := range x {
		s := 1 / (1 + math.Exp(-float64(v)))
		want[i] = float32(float64(v) * s)
		dwant[i] = float32(s * (1 + float64(v)*(1-s)))
	}
	checkClose(t, "SiLU", got[0], want, 1e-5)
	checkClose(t, "SiLU'", got[1], dwant, 1e-5)
}
