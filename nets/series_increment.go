package nets

import (
	"fmt"
	"math"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/support/exceptions"
)

// IncrementScale is the per-series scale of a window anchored at its last observed step (docs/SERIES.md,
// "The persistence anchor"): for windows x [B, L, N] whose first context ≥ 2 steps are observed,
//
//	scale[b, n] = max(√(horizon · mean_{0 < l < context} (x[b, l, n] − x[b, l−1, n])²),
//	                  relFloor · mean_{l < context} |x[b, l, n]|,  minScale),
//
// shaped [B, N]: the root-mean-square step of the context, times √horizon, so that a random walk with
// that step departs from its last observed value by one scale unit (one standard deviation) after
// horizon steps. The floor relative to the series' level (MeanScale) keeps a context that did not move
// (a pegged exchange rate) from dividing a later move by almost nothing; DefaultRelFloor is 10⁻³.
// IncrementScaleFloat64 is the same on the host.
func IncrementScale(x *Node, context, horizon int, relFloor, minScale float64) *Node {
	checkWindow("IncrementScale", x, context)
	if context < 2 {
		exceptions.Panicf("nets.IncrementScale: the context must have at least 2 steps (one increment), got %d", context)
	}
	a := SliceAxis(x, 1, AxisRange(1, context))
	b := SliceAxis(x, 1, AxisRange(0, context-1))
	ms := ReduceMean(Square(Sub(a, b)), 1)
	level := MulScalar(ReduceMean(Abs(SliceAxis(x, 1, AxisRange(0, context))), 1), relFloor)
	return MaxScalar(Max(Sqrt(MulScalar(ms, float64(horizon))), level), minScale)
}

// DefaultRelFloor is IncrementScale's floor relative to the context's mean absolute level.
const DefaultRelFloor = 1e-3

// IncrementScaleFloat64 is IncrementScale on the host for one window x of L steps × N series, stored
// step-major (x[l·N + n]); it returns the N scales.
func IncrementScaleFloat64(x []float64, L, N, context, horizon int, relFloor, minScale float64) ([]float64, error) {
	if L < 1 || N < 1 || len(x) != L*N {
		return nil, fmt.Errorf("nets.IncrementScaleFloat64: %d values do not make a window of %d steps × %d series", len(x), L, N)
	}
	if context < 2 || context > L {
		return nil, fmt.Errorf("nets.IncrementScaleFloat64: context must be in 2..%d (at least one increment inside the window), got %d", L, context)
	}
	if horizon < 1 {
		return nil, fmt.Errorf("nets.IncrementScaleFloat64: horizon %d, expected ≥ 1 step", horizon)
	}
	s := make([]float64, N)
	level := make([]float64, N)
	for l := range context {
		for n := range s {
			v := x[l*N+n]
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("nets.IncrementScaleFloat64: step %d, series %d is %g; the context must be finite", l, n, v)
			}
			level[n] += math.Abs(v)
			if l > 0 {
				d := v - x[(l-1)*N+n]
				s[n] += d * d
			}
		}
	}
	for n := range s {
		s[n] = max(math.Sqrt(float64(horizon)*s[n]/float64(context-1)), relFloor*level[n]/float64(context), minScale)
	}
	return s, nil
}
