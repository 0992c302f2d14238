package navierstokes

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/dsp/fourier"
)

// gridOf samples f(x, y) on the n × n grid, [y][x].
func gridOf(n int, f func(x, y float64) float64) []float64 {
	g := make([]float64, n*n)
	for j := 0; j < n; j++ {
		for i := 0; i < n; i++ {
			g[j*n+i] = f(2*math.Pi*float64(i)/float64(n), 2*math.Pi*float64(j)/float64(n))
		}
	}
	return g
}

func maxAbs(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		m = math.Max(m, math.Abs(x))
	}
	return m
}

func maxAbsDiff(a, b []float64) float64 {
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Abs(a[i]-b[i]))
	}
	return m
}

// TestTaylorGreenDecay: with ordinary viscosity, no forcing and no drag, any superposition of Fourier
// modes of one |k| is a steady solution of the Euler equations (ζ = −|k|²ψ makes u·∇ζ = 0), so it decays
// as exp(−ν|k|²t) and its energy as exp(−2ν|k|²t). After 1000 steps at N = 64 the energy must match to
// 1e-6 and the field pointwise; a wrong velocity (which would not cancel the advection), a wrong
// viscous rate or order, or a drag where there is none all fail it.
func TestTaylorGreenDecay(t *testing.T) {
	const n = 64
	cases := []struct {
		name string
		nu   float64
		k2   float64
		zeta func(x, y float64) float64
	}{
		{"classic", 0.05, 2, func(x, y float64) float64 { return 2 * math.Sin(x) * math.Sin(y) }},
		{"|k|=5 mixture", 0.004, 25, func(x, y float64) float64 {
			return 0.6*math.Sin(3*x+4*y) + 0.5*math.Cos(4*x-3*y+1) + 0.4*math.Sin(5*x) + 0.3*math.Cos(5*y+2)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := DefaultParams(n)
			p.NuAuto, p.Nu, p.NuOrder, p.Mu, p.Eps = false, c.nu, 1, 0, 0
			s := mustSolver(t, p)
			zeta0 := gridOf(n, c.zeta)
			if err := s.SetVorticity(zeta0); err != nil {
				t.Fatal(err)
			}
			e0 := s.Energy()
			for i := 0; i < 1000; i++ {
				s.Step()
			}
			decay := math.Exp(-c.nu * c.k2 * s.Time())
			want := e0 * decay * decay
			if rel := math.Abs(s.Energy()/want - 1); rel > 1e-6 {
				t.Errorf("E(t=%g) = %.12g, analytic %.12g: relative error %.2g", s.Time(), s.Energy(), want, rel)
			}
			got := s.Vorticity(nil)
			for i := range zeta0 {
				zeta0[i] *= decay
			}
			if d := maxAbsDiff(got, zeta0); d > 1e-9 {
				t.Errorf("ζ(t) differs from ζ(0)·exp(−ν|k|²t) by %.3g", d)
			}
		})
	}
}

// TestTimeStepperOrder runs a nonlinear, unforced flow from a random smooth field to t = 1 with
// dt = 0.1, 0.05 and 0.025 and compares with dt = 0.00625: each halving of dt must cut the error by
// about 2⁴ = 16 (ETDRK4 is fourth order).
func TestTimeStepperOrder(t *testing.T) {
	run := func(dt float64) []float64 {
		p := DefaultParams(32)
		p.Eps, p.Dt, p.NuAuto = 0, dt, true
		s := mustSolver(t, p)
		s.setRandomFlow(3, 3, 2)
		for i := 0; i < int(math.Round(1/dt)); i++ {
			s.Step()
		}
		return s.Vorticity(nil)
	}
	ref := run(0.00625)
	var errs []float64
	for _, dt := range []float64{0.1, 0.05, 0.025} {
		errs = append(errs, maxAbsDiff(run(dt), ref))
	}
	t.Logf("max|ζ| %.3g; errors at dt = 0.1, 0.05, 0.025: %.3g", maxAbs(ref), errs)
	for i := 0; i+1 < len(errs); i++ {
		if r := errs[i] / errs[i+1]; r < 12 || r > 22 {
			t.Errorf("error ratio %.2f between dt = %g and %g; a fourth-order scheme gives ≈ 16", r, 0.1/math.Pow(2, float64(i)), 0.05/math.Pow(2, float64(i)))
		}
	}
}

// TestVelocityClosedForm checks the sign conventions on ζ = sin(2x)cos(3y): ψ = −ζ/13 (ζ = ∇²ψ),
// u = −∂ψ/∂y = −3 sin(2x) sin(3y)/13, v = ∂ψ/∂x = −2 cos(2x) cos(3y)/13.
func TestVelocityClosedForm(t *testing.T) {
	const n = 32
	s := mustSolver(t, DefaultParams(n))
	zeta := gridOf(n, func(x, y float64) float64 { return math.Sin(2*x) * math.Cos(3*y) })
	if err := s.SetVorticity(zeta); err != nil {
		t.Fatal(err)
	}
	u, v := s.Velocity(nil, nil)
	wantU := gridOf(n, func(x, y float64) float64 { return -3 * math.Sin(2*x) * math.Sin(3*y) / 13 })
	wantV := gridOf(n, func(x, y float64) float64 { return -2 * math.Cos(2*x) * math.Cos(3*y) / 13 })
	if d := maxAbsDiff(u, wantU); d > 1e-14 {
		t.Errorf("u differs from the closed form by %.3g", d)
	}
	if d := maxAbsDiff(v, wantV); d > 1e-14 {
		t.Errorf("v differs from the closed form by %.3g", d)
	}
	if d := maxAbsDiff(s.Vorticity(nil), zeta); d > 1e-14 {
		t.Errorf("ζ round trip off by %.3g", d)
	}
	if e := (4.0 + 9) / 13 / 13 / 8; math.Abs(s.Energy()-e) > 1e-15 {
		t.Errorf("energy %.17g, closed form ½⟨u²+v²⟩ = %.17g", s.Energy(), e)
	}
}

// spectralDerivative returns ∂f/∂x (axis 1) or ∂f/∂y (axis 0) of a real [y][x] grid, computed with
// gonum's FFT, independently of the solver's transforms.
func spectralDerivative(f []float64, n, axis int) []float64 {
	g := fourier.NewCmplxFFT(n)
	c := make([]complex128, n*n)
	for i, v := range f {
		c[i] = complex(v, 0)
	}
	transform := func(inverse bool) {
		line := make([]complex128, n)
		for pass := 0; pass < 2; pass++ { // rows (along x), then columns (along y)
			for a := 0; a < n; a++ {
				at := func(b int) int {
					if pass == 0 {
						return a*n + b
					}
					return b*n + a
				}
				for b := range line {
					line[b] = c[at(b)]
				}
				if inverse {
					g.Sequence(line, line)
				} else {
					g.Coefficients(line, line)
				}
				for b := range line {
					c[at(b)] = line[b]
				}
			}
		}
	}
	transform(false)
	wave := func(i int) float64 {
		if i == n/2 {
			return 0
		}
		if i > n/2 {
			return float64(i - n)
		}
		return float64(i)
	}
	for j := 0; j < n; j++ {
		for i := 0; i < n; i++ {
			k := wave(i)
			if axis == 0 {
				k = wave(j)
			}
			c[j*n+i] *= complex(0, k)
		}
	}
	transform(true)
	out := make([]float64, n*n)
	for i := range out {
		out[i] = real(c[i]) / float64(n*n)
	}
	return out
}

// TestDivergenceFreeAndCurl: on a turbulent state the velocity is divergence-free to round-off and its
// curl ∂v/∂x − ∂u/∂y is the vorticity, both differentiated with gonum's FFT.
func TestDivergenceFreeAndCurl(t *testing.T) {
	const n = 64
	s := mustSolver(t, DefaultParams(n))
	s.setRandomFlow(5, 5, 0.5)
	for i := 0; i < 10; i++ {
		s.Step()
	}
	u, v := s.Velocity(nil, nil)
	zeta := s.Vorticity(nil)
	ux, vy := spectralDerivative(u, n, 1), spectralDerivative(v, n, 0)
	vx, uy := spectralDerivative(v, n, 1), spectralDerivative(u, n, 0)
	var div, curl float64
	for i := range u {
		div = math.Max(div, math.Abs(ux[i]+vy[i]))
		curl = math.Max(curl, math.Abs(vx[i]-uy[i]-zeta[i]))
	}
	scale := maxAbs(zeta)
	t.Logf("max|ζ| %.3g, max|∇·u| %.3g, max|curl u − ζ| %.3g", scale, div, curl)
	if div > 1e-13*scale || curl > 1e-13*scale {
		t.Fatalf("max|∇·u| = %.3g, max|curl u − ζ| = %.3g, want round-off of max|ζ| = %.3g", div, curl, scale)
	}
}
