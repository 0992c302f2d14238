package nets

import (
	"fmt"
	"math"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/support/exceptions"
)

// DefaultMinScale is the floor of MeanScale, GluonTS's MeanScaler minimum_scale.
const DefaultMinScale = 1e-10

// MeanScale is GluonTS's mean scaling (MeanScaler, as in TimeGrad) of windows x [B, L, N] whose
// first context steps are observed: per window and series,
//
//	scale[b, n] = max(mean_{l < context} |x[b, l, n]|, minScale),
//
// shaped [B, N]. The diffusion runs on x/scale (ScaleWindow): the network's inputs, its noise
// prediction and the sampler's output are all in the scaled space, and a forecast is multiplied back
// by the scale of its own context (docs/SERIES.md, "Where the scaling applies"). MeanScaleFloat64 is
// the same on the host.
func MeanScale(x *Node, context int, minScale float64) *Node {
	checkWindow("MeanScale", x, context)
	ctx := SliceAxis(x, 1, AxisRange(0, context))
	return MaxScalar(ReduceMean(Abs(ctx), 1), minScale)
}

// ScaleWindow returns x [B, L, N] divided by scale [B, N] (MeanScale), each series by its own.
func ScaleWindow(x, scale *Node) *Node {
	d := x.Shape().Dimensions
	if x.Rank() != 3 || !scale.Shape().Equal(shapeOf(x.DType(), d[0], d[2])) {
		exceptions.Panicf("nets.ScaleWindow: x must be [batch, steps, series] and scale [batch, series], got %s and %s", x.Shape(), scale.Shape())
	}
	return Div(x, InsertAxes(scale, 1))
}

// SeriesConditioning returns SeriesNet's first three conditioning inputs for windows x [B, L, N]
// (already scaled) whose first context steps are observed, DyDiff's concatenated conditioning
// (docs/DIFFUSION.md): the clean context x·m [B, L, N], the context mask m [B, L] (1 for l <
// context) and the first-predicted-step flag [B, L] (1 for l = context).
func SeriesConditioning(x *Node, context int) []*Node {
	checkWindow("SeriesConditioning", x, context)
	d := x.Shape().Dimensions
	B, L := d[0], d[1]
	mask := make([]float64, L)
	first := make([]float64, L)
	for l := range mask {
		if l < context {
			mask[l] = 1
		}
	}
	if context < L {
		first[context] = 1
	}
	g := x.Graph()
	m := ConstAsDType(g, x.DType(), mask)
	clean := Mul(x, Reshape(m, 1, L, 1))
	perWindow := func(v *Node) *Node { return BroadcastToDims(InsertAxes(v, 0), B, L) }
	return []*Node{clean, perWindow(m), perWindow(ConstAsDType(g, x.DType(), first))}
}

func checkWindow(op string, x *Node, context int) {
	if x.Rank() != 3 {
		exceptions.Panicf("nets.%s: x must be [batch, steps, series], got shape %s", op, x.Shape())
	}
	if L := x.Shape().Dimensions[1]; context < 1 || context > L {
		exceptions.Panicf("nets.%s: context must be in 1..%d (the window's steps), got %d", op, L, context)
	}
}

// MeanScaleFloat64 is MeanScale on the host for one window x of L steps × N series, stored
// step-major (x[l·N + n]); it returns the N scales.
func MeanScaleFloat64(x []float64, L, N, context int, minScale float64) ([]float64, error) {
	if L < 1 || N < 1 || len(x) != L*N {
		return nil, fmt.Errorf("nets.MeanScaleFloat64: %d values do not make a window of %d steps × %d series", len(x), L, N)
	}
	if context < 1 || context > L {
		return nil, fmt.Errorf("nets.MeanScaleFloat64: context must be in 1..%d (the window's steps), got %d", L, context)
	}
	s := make([]float64, N)
	for l := range context {
		for n := range s {
			v := x[l*N+n]
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("nets.MeanScaleFloat64: step %d, series %d is %g; the context must be finite", l, n, v)
			}
			s[n] += math.Abs(v)
		}
	}
	for n := range s {
		s[n] = max(s[n]/float64(context), minScale)
	}
	return s, nil
}
