package navierstokes

import "math"

// etdCoeffs are the ETDRK4 weights of Cox & Matthews (2002) for one mode with linear rate L and step h.
// With z = hL and φ_j(z) = Σ_{m≥0} z^m/(m+j)! (φ1 = (e^z − 1)/z, φ2 = (e^z − 1 − z)/z², ...):
//
//	e  = exp(z),  e2 = exp(z/2),  q = (h/2)·φ1(z/2)
//	f1 = h(φ1 − 3φ2 + 4φ3) = h(−4 − z + e^z(4 − 3z + z²))/z³
//	f2 = h(φ2 − 2φ3)       = h(2 + z + e^z(z − 2))/z³
//	f3 = h(−φ2 + 4φ3)      = h(−4 − 3z − z² + e^z(4 − z))/z³
//
// A step of dû/dt = Lû + N(û) is then
//
//	a  = e2·û + q·N(û)
//	b  = e2·û + q·N(a)
//	c  = e2·a + q·(2N(b) − N(û))
//	û' = e·û + f1·N(û) + 2 f2·(N(a) + N(b)) + f3·N(c).
//
// The closed forms lose all their digits to cancellation as z → 0, so the φ_j come from their Taylor
// series for |z| < 1 and from the closed forms (with expm1) beyond, where at most two digits are lost.
// (Kassam & Trefethen's contour average has the same aim but loses ~1e-11 where its circle passes near 0.)
type etdCoeffs struct{ e, e2, q, f1, f2, f3 float64 }

// newETDCoeffs returns the weights for a real rate L (≤ 0 here) and step h.
func newETDCoeffs(L, h float64) etdCoeffs {
	z := h * L
	p1, p2, p3 := phis(z)
	half, _, _ := phis(z / 2)
	return etdCoeffs{
		e: math.Exp(z), e2: math.Exp(z / 2), q: h / 2 * half,
		f1: h * (p1 - 3*p2 + 4*p3), f2: h * (p2 - 2*p3), f3: h * (-p2 + 4*p3),
	}
}

// phis returns φ1(z), φ2(z), φ3(z).
func phis(z float64) (p1, p2, p3 float64) {
	if math.Abs(z) >= 1 {
		em := math.Expm1(z)
		return em / z, (em - z) / (z * z), (em - z - z*z/2) / (z * z * z)
	}
	// Σ_m z^m/(m+j)!, summed from the smallest term; 24 terms reach round-off for |z| < 1.
	const terms = 24
	for m := terms; m >= 0; m-- {
		zm := math.Pow(z, float64(m))
		p1 += zm / factorial(m+1)
		p2 += zm / factorial(m+2)
		p3 += zm / factorial(m+3)
	}
	return p1, p2, p3
}

func factorial(m int) float64 {
	f := 1.0
	for i := 2; i <= m; i++ {
		f *= float64(i)
	}
	return f
}
