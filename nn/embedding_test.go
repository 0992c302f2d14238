package nn

import (
	"math"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
)

// TestSinusoidalEmbeddingGolden pins dim 4, t = 1: frequencies 1 and 10000^(−1/2) = 0.01, so the
// features are [cos 1, cos 0.01, sin 1, sin 0.01].
func TestSinusoidalEmbeddingGolden(t *testing.T) {
	got := runGraph(t, func(in []*Node) []*Node { return []*Node{SinusoidalEmbedding(in[0], 4)} },
		tensors.FromValue([]float32{1}))[0]
	want := []float32{float32(math.Cos(1)), float32(math.Cos(0.01)), float32(math.Sin(1)), float32(math.Sin(0.01))}
	checkClose(t, "embedding of t=1", got, want, 1e-6)
}

// TestSinusoidalEmbeddingFormula checks the formula for several t, an even and an odd dim, and a
// custom period.
func TestSinusoidalEmbeddingFormula(t *testing.T) {
	ts := []float32{0, 0.5, -1.25, 3, 17}
	for _, c := range []struct {
		dim    int
		period float64
	}{{16, DefaultMaxPeriod}, {9, DefaultMaxPeriod}, {6, 100}} {
		got := runGraph(t, func(in []*Node) []*Node { return []*Node{SinusoidalEmbeddingPeriod(in[0], c.dim, c.period)} },
			tensors.FromValue(ts))[0]
		h := c.dim / 2
		want := make([]float32, len(ts)*c.dim)
		for b, tv := range ts {
			for k := range h {
				w := math.Pow(c.period, -float64(k)/float64(h))
				want[b*c.dim+k] = float32(math.Cos(float64(tv) * w))
				want[b*c.dim+h+k] = float32(math.Sin(float64(tv) * w))
			}
		}
		checkClose(t, "embedding", got, want, 1e-5)
	}
}
