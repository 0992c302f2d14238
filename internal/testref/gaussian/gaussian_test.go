package gaussian

import (
	"math"
	"testing"
)

func maxAbs(a, b Mat) float64 {
	m := 0.0
	for i := range a {
		for j := range a {
			m = math.Max(m, math.Abs(a[i][j]-b[i][j]))
		}
	}
	return m
}

// Inv, Chol and EigSym reconstruct the test covariance.
func TestDecompositions(t *testing.T) {
	s := TestModel().Sigma
	if d := maxAbs(s.Mul(s.Inv()), Identity(4)); d > 1e-12 {
		t.Errorf("Σ·Σ⁻¹ off the identity by %g", d)
	}
	l := s.Chol()
	if d := maxAbs(l.Mul(l.T()), s); d > 1e-12 {
		t.Errorf("L·Lᵀ off Σ by %g", d)
	}
	lam, u := s.EigSym()
	if d := maxAbs(u.Mul(Diag(lam)).Mul(u.T()), s); d > 1e-12 {
		t.Errorf("U·Λ·Uᵀ off Σ by %g", d)
	}
	if d := maxAbs(u.T().Mul(u), Identity(4)); d > 1e-12 {
		t.Errorf("UᵀU off the identity by %g", d)
	}
	tr := 0.0
	for i, v := range lam {
		tr += v - s[i][i]
	}
	if math.Abs(tr) > 1e-12 {
		t.Errorf("Σλ − tr Σ = %g", tr)
	}
}

// Samples of the model have its moments: |z| below 4.5 over 20 000 vectors; a shifted mean is seen.
func TestSampleMoments(t *testing.T) {
	d := TestModel()
	x := d.Sample(1, 10000, 2)
	m, c := Moments(x, 4, 2)
	if z := MaxZ(m, c, d.Mu, d.Sigma, 20000, 0); z > 4.5 {
		t.Errorf("|z| = %.2f", z)
	}
	shifted := append([]float64(nil), d.Mu...)
	shifted[2] += 0.1
	if z := MaxZ(m, c, shifted, d.Sigma, 20000, 0); z < 10 {
		t.Errorf("a mean shifted by 0.1 gives |z| = %.2f only", z)
	}
	// A shift of 0.1 (0.083 of that frame's sd) hides inside an allowed bias of 0.1, not of 0.05.
	if z := MaxZ(m, c, shifted, d.Sigma, 20000, 0.1); z > 4.5 {
		t.Errorf("bias 0.1 does not cover a 0.1 shift: |z| = %.2f", z)
	}
	if z := MaxZ(m, c, shifted, d.Sigma, 20000, 0.05); z < 3 {
		t.Errorf("bias 0.05 covers a 0.1 shift: |z| = %.2f", z)
	}
	if r := RelDiff(m, c, d.Mu, d.Sigma); r > 0.05 {
		t.Errorf("relative difference %.3f", r)
	}
}

// HeunLaw of the probability-flow ODE of x₀ ~ N(0, 1) (dx/dσ = σx/(1+σ²)) carries N(0, 1 + σ_max²) to
// N(0, 1) as the grid is refined (deterministic Heun, error O(h²)), and churn that the grid cannot
// take back leaves the variance above 1.
func TestHeunLawFlowOfAStandardNormal(t *testing.T) {
	deriv := func(s float64) (float64, float64) { return s / (1 + s*s), 0 }
	grid := func(n int) []float64 { // EDM's ρ = 7 grid from 80 to 0.002, then 0
		out := make([]float64, n+1)
		for i := range n {
			r := float64(i) / float64(n-1)
			out[i] = math.Pow(math.Pow(80, 1.0/7)+r*(math.Pow(0.002, 1.0/7)-math.Pow(80, 1.0/7)), 7)
		}
		return out
	}
	for _, c := range []struct {
		n   int
		tol float64
	}{{50, 2e-2}, {400, 1e-3}} {
		mean, variance := HeunLaw(deriv, grid(c.n), 0, 0, 0, 0)
		if mean != 0 || math.Abs(variance-1) > c.tol {
			t.Errorf("%d steps: N(%g, %g), want N(0, 1) within %g", c.n, mean, variance, c.tol)
		}
	}
	if _, v := HeunLaw(deriv, grid(50), 40, 0, 0, 1.05); !(v > 1.02) {
		t.Errorf("churn 40 with S_noise 1.05: variance %g, want above 1", v)
	}
}
