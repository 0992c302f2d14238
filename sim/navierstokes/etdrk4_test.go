package navierstokes

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/integrate/quad"
)

// quadCoeffs evaluates the weights from the integral forms φ_j(z) = ∫₀¹ e^((1−s)z) s^(j−1)/(j−1)! ds by
// Gauss–Legendre quadrature, independently of the series and closed forms the solver uses.
func quadCoeffs(z, h float64) etdCoeffs {
	phi := func(z float64, j int) float64 {
		return quad.Fixed(func(s float64) float64 {
			return math.Exp((1-s)*z) * math.Pow(s, float64(j-1)) / math.Gamma(float64(j))
		}, 0, 1, 64, quad.Legendre{}, 0)
	}
	p1, p2, p3 := phi(z, 1), phi(z, 2), phi(z, 3)
	return etdCoeffs{
		e: math.Exp(z), e2: math.Exp(z / 2), q: h / 2 * phi(z/2, 1),
		f1: h * (p1 - 3*p2 + 4*p3), f2: h * (p2 - 2*p3), f3: h * (-p2 + 4*p3),
	}
}

// TestETDCoeffs checks the ETDRK4 weights against quadrature of their integral forms across the switch
// between series and closed forms, their z → 0 limits, and the exactness for a constant forcing.
func TestETDCoeffs(t *testing.T) {
	const h = 0.005
	zero := newETDCoeffs(0, h)
	for _, v := range []struct {
		name      string
		got, want float64
	}{{"q", zero.q, h / 2}, {"f1", zero.f1, h / 6}, {"f2", zero.f2, h / 6}, {"f3", zero.f3, h / 6}} {
		if math.Abs(v.got-v.want) > 1e-16*h {
			t.Errorf("L=0: %s = %.17g, want %.17g", v.name, v.got, v.want)
		}
	}
	for _, L := range []float64{-1e-3, -1, -20, -150, -199.9, -200, -200.1, -201, -399, -401, -1e3, -4e3} {
		c, want := newETDCoeffs(L, h), quadCoeffs(h*L, h)
		for _, v := range []struct {
			name      string
			got, want float64
		}{{"q", c.q, want.q}, {"f1", c.f1, want.f1}, {"f2", c.f2, want.f2}, {"f3", c.f3, want.f3}} {
			if d := math.Abs(v.got-v.want) / math.Abs(v.want); d > 1e-13 {
				t.Errorf("L=%g: %s = %.17g, quadrature %.17g (rel %.2g)", L, v.name, v.got, v.want, d)
			}
		}
		// A constant forcing is integrated exactly: f1 + 4 f2 + f3 = h φ1(z) = (e^z − 1)/L.
		if d := math.Abs(c.f1+4*c.f2+c.f3-math.Expm1(h*L)/L) / (h / 2); d > 1e-14 {
			t.Errorf("L=%g: f1 + 4f2 + f3 off h·φ1 by %.2g", L, d)
		}
	}
	// Very stiff modes (e^z = 0 in double precision): f3 = h(−4 − 3z − z²)/z³ exactly.
	z := -1e6 * h
	c := newETDCoeffs(-1e6, h)
	if got, want := c.f3*z*z/h, -z-3-4/z; math.Abs(got-want) > 1e-12*want {
		t.Errorf("stiff limit: f3·z²/h = %.15g, want %.15g", got, want)
	}
}
