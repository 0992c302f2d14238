package guidedbench

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestW1ClosedForms(t *testing.T) {
	for _, c := range []struct {
		a, b []float64
		want float64
	}{
		{[]float64{2}, []float64{5}, 3},
		{[]float64{0, 1}, []float64{0}, 0.5},
		{[]float64{0, 1, 2}, []float64{0, 3}, 5.0 / 6},
		{[]float64{1, 4, 2}, []float64{1.5, 4.5, 2.5}, 0.5}, // a shift by 0.5
	} {
		if got := W1(c.a, c.b); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("W1(%v, %v) = %g, want %g", c.a, c.b, got, c.want)
		}
	}
}

// TestW1EqualsCDFIntegral checks the quantile form against the other closed form of W1 in one
// dimension, ∫|F_a(x) − F_b(x)| dx over the merged sample points.
func TestW1EqualsCDFIntegral(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		a, b := make([]float64, 1+r.IntN(30)), make([]float64, 1+r.IntN(30))
		for i := range a {
			a[i] = r.NormFloat64()
		}
		for i := range b {
			b[i] = 0.5 + 2*r.NormFloat64()
		}
		pts := slices.Sorted(slices.Values(append(slices.Clone(a), b...)))
		cdf := func(s []float64, x float64) float64 {
			n := 0
			for _, v := range s {
				if v <= x {
					n++
				}
			}
			return float64(n) / float64(len(s))
		}
		want := 0.0
		for i := 0; i+1 < len(pts); i++ {
			want += (pts[i+1] - pts[i]) * math.Abs(cdf(a, pts[i])-cdf(b, pts[i]))
		}
		if got := W1(a, b); math.Abs(got-want) > 1e-9 {
			t.Fatalf("W1 = %g, CDF integral %g", got, want)
		}
	}
}
