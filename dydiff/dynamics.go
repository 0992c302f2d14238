package dydiff

import (
	"fmt"
	"math"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/support/exceptions"

	"github.com/tidal-forecast/tidal/diffusion"
)

// Dynamics applies the DyDiff Dynamics operator along the frame axis (axis 1) of x [batch, frames, ...] with
// a per-sample coefficient gammaBar (shape [batch], or a scalar for all) — docs/DIFFUSION.md, "Dynamics"
// (code get_emas):
//
//	y⁰ = x⁰,   yᶠ = √(1−γ̄)·yᶠ⁻¹ + √γ̄·xᶠ   (f = 1..L−1)
//
// The recursion starts at the oldest frame, which passes through untouched. γ̄ = 1 is the identity.
func Dynamics(x, gammaBar *Node) *Node {
	sg, s1g := sqrtPair(x, gammaBar)
	return dynamics(x, sg, s1g)
}

// InverseDynamics undoes Dynamics (docs/DIFFUSION.md, "Dynamics"; code get_reverse_emas):
//
//	x⁰ = y⁰,   xᶠ = (yᶠ − √(1−γ̄)·yᶠ⁻¹)/√γ̄   (f = 1..L−1)
func InverseDynamics(y, gammaBar *Node) *Node {
	sg, s1g := sqrtPair(y, gammaBar)
	return inverseDynamics(y, sg, s1g)
}

// sqrtPair returns √γ̄ and √(1−γ̄) shaped [batch, 1, 1, ...] (or scalars) to broadcast over x.
func sqrtPair(x, gammaBar *Node) (sg, s1g *Node) {
	g := diffusion.PerSample(x, ConvertDType(gammaBar, x.DType()))
	return Sqrt(g), Sqrt(OneMinus(g))
}

// dynamics is Dynamics with √γ̄ and √(1−γ̄) given (each broadcastable to a frame slice of x).
func dynamics(x, sg, s1g *Node) *Node {
	checkFrames(x)
	L := x.Shape().Dimensions[1]
	frames := make([]*Node, L)
	frames[0] = SliceAxis(x, 1, AxisRange(0, 1))
	for f := 1; f < L; f++ {
		frames[f] = Add(Mul(frames[f-1], s1g), Mul(SliceAxis(x, 1, AxisRange(f, f+1)), sg))
	}
	if L == 1 {
		return frames[0]
	}
	return Concatenate(frames, 1)
}

// inverseDynamics is InverseDynamics with √γ̄ and √(1−γ̄) given.
func inverseDynamics(y, sg, s1g *Node) *Node {
	checkFrames(y)
	L := y.Shape().Dimensions[1]
	if L == 1 {
		return y
	}
	first := SliceAxis(y, 1, AxisRange(0, 1))
	cur := SliceAxis(y, 1, AxisRange(1, L))
	prev := SliceAxis(y, 1, AxisRange(0, L-1))
	rest := Div(Sub(cur, Mul(prev, s1g)), sg)
	return Concatenate([]*Node{first, rest}, 1)
}

func checkFrames(x *Node) {
	if x.Rank() < 2 {
		exceptions.Panicf("dydiff: tensor of shape %s has no frame axis; expected [batch, frames, ...]", x.Shape())
	}
}

// DynamicsFloat64 is Dynamics on the host, in float64, for one sample stored frame-major: x holds frames
// blocks of len(x)/frames values each (docs/DIFFUSION.md, "Dynamics").
func DynamicsFloat64(x []float64, frames int, gammaBar float64) ([]float64, error) {
	n, err := frameSize(x, frames, gammaBar)
	if err != nil {
		return nil, err
	}
	sg, s1g := math.Sqrt(gammaBar), math.Sqrt(1-gammaBar)
	y := append([]float64(nil), x...)
	for f := 1; f < frames; f++ {
		for j := range n {
			y[f*n+j] = s1g*y[(f-1)*n+j] + sg*x[f*n+j]
		}
	}
	return y, nil
}

// InverseDynamicsFloat64 is InverseDynamics on the host, in float64, for one frame-major sample.
func InverseDynamicsFloat64(y []float64, frames int, gammaBar float64) ([]float64, error) {
	n, err := frameSize(y, frames, gammaBar)
	if err != nil {
		return nil, err
	}
	sg, s1g := math.Sqrt(gammaBar), math.Sqrt(1-gammaBar)
	x := append([]float64(nil), y...)
	for f := 1; f < frames; f++ {
		for j := range n {
			x[f*n+j] = (y[f*n+j] - s1g*y[(f-1)*n+j]) / sg
		}
	}
	return x, nil
}

func frameSize(x []float64, frames int, gammaBar float64) (int, error) {
	if frames < 1 || len(x)%frames != 0 {
		return 0, fmt.Errorf("dydiff: %d values do not split into %d frames", len(x), frames)
	}
	if !(gammaBar > 0 && gammaBar <= 1) {
		return 0, fmt.Errorf("dydiff: γ̄=%v, expected 0 < γ̄ ≤ 1", gammaBar)
	}
	return len(x) / frames, nil
}
