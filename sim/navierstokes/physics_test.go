package navierstokes

import (
	"fmt"
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
		p.Eps, p.Dt = 0, dt
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

// TestNonlinearTermConserves: on the kept modes the pseudo-spectral advection is the exact Galerkin
// one, which conserves energy and enstrophy, Σ N̂ conj(ζ̂)/|k|² = 0 and Σ N̂ conj(ζ̂) = 0, to round-off.
// Without dealiasing, or with an advection that is not u·∇ζ, these sums do not vanish.
func TestNonlinearTermConserves(t *testing.T) {
	for _, n := range []int{32, 64, 96} {
		p := DefaultParams(n)
		p.Eps = 0
		s := mustSolver(t, p)
		s.setRandomFlow(uint64(n), float64(n)/8, 1) // energy up to the cutoff, where aliasing would bite
		s.parallel(s.w, func(c0, c1 int) { s.prepare(s.zh, c0, c1) })
		s.parallel(s.n, s.products)
		s.parallel(s.w, func(c0, c1 int) { s.nonlinear(s.nk, c0, c1) })
		dE := s.injectionOf(s.zh, s.nk)
		dZ := s.sum(func(i int) float64 { return real(s.zh[i])*real(s.nk[i]) + imag(s.zh[i])*imag(s.nk[i]) })
		size := s.sum(func(i int) float64 { return math.Sqrt(sqAbs(s.zh[i]) * sqAbs(s.nk[i])) })
		t.Logf("n=%d: dE/dt %.3g, dZ/dt %.3g, scale %.3g", n, dE, dZ, size)
		if math.Abs(dE) > 1e-13*size || math.Abs(dZ) > 1e-13*size {
			t.Errorf("n=%d: advection changes energy at %.3g and enstrophy at %.3g (scale %.3g)", n, dE, dZ, size)
		}
	}
}

// TestForcingNormalisation: the expected injection rate of the forcing spectrum, summed over the whole
// plane from the amplitudes the solver draws with, is ε to 1e-6 (it is exact up to round-off); and the
// flow-independent part of the injection of the solver's actual steps, ½|Δζ̂_F|²/|k|² with Δζ̂_F =
// (f1 + 4f2 + f3)·F̂ the forcing's increment, averaged over 2000 draws, is within 3% of ε.
func TestForcingNormalisation(t *testing.T) {
	for _, c := range []struct {
		n               int
		kf, df, eps, dt float64
	}{{64, 6, 1.5, 0.1, 0.005}, {128, 14, 1.5, 0.3, 0.002}, {48, 4, 0.8, 1, 0.01}} {
		t.Run(fmt.Sprintf("n=%d,kf=%g", c.n, c.kf), func(t *testing.T) {
			p := DefaultParams(c.n)
			p.Kf, p.DeltaF, p.Eps, p.Dt, p.Seed = c.kf, c.df, c.eps, c.dt, 42
			s := mustSolver(t, p)
			n4 := math.Pow(float64(c.n), 4)
			// Expected rate: every mode k ≠ 0 of the whole plane gets E|F̂|² = amp², conjugate pairs alike.
			var expected float64
			for j, i := range s.force.idx {
				expected += 2 * s.force.amp[j] * s.force.amp[j] * c.dt / s.k2[i] / (2 * n4)
			}
			if rel := math.Abs(expected/c.eps - 1); rel > 1e-6 {
				t.Errorf("expected injection %.9g, want ε = %g", expected, c.eps)
			}
			// The ring is where it should be: the forcing-weighted mean |k| is near k_f.
			var kMean, wSum float64
			for j, i := range s.force.idx {
				kMean += s.force.amp[j] * s.force.amp[j] * math.Sqrt(s.k2[i])
				wSum += s.force.amp[j] * s.force.amp[j]
			}
			if kMean /= wSum; math.Abs(kMean-c.kf) > c.df {
				t.Errorf("forcing centred at |k| = %.3g, want k_f = %g", kMean, c.kf)
			}
			const draws = 2000
			var mean float64
			for d := 0; d < draws; d++ {
				s.force.draw(s.fh)
				mean += s.sum(func(i int) float64 {
					e := s.etd[i]
					return sqAbs(scale(e.f1+4*e.f2+e.f3, s.fh[i])) / s.k2[i]
				}) / 2 / c.dt / draws
			}
			if rel := math.Abs(mean/c.eps - 1); rel > 0.03 {
				t.Errorf("flow-independent injection over %d steps %.4g, want ε = %g within 3%%", draws, mean, c.eps)
			}
			t.Logf("expected %.12g, sample mean over %d steps %.5g (ε = %g)", expected, draws, mean, c.eps)
		})
	}
}

// TestEnergyBudget: over each step of a forced turbulent flow, the energy change closes the budget
// dE/dt = P − 2μE − D (P = ⟨−ψF⟩ the injection, D the hyperviscous dissipation; the advection conserves
// energy) to 1e-3 of the mean injection ε. Within a step the forcing F̂ is constant, so the step
// integrates an ordinary differential equation; the budget's integral over the step is taken by
// Simpson's rule, its midpoint value from two half steps of a dt/2 solver fed the same F̂.
func TestEnergyBudget(t *testing.T) {
	p := DefaultParams(64)
	p.Seed = 3
	s := mustSolver(t, p)
	half := p
	half.Dt /= 2
	mid := mustSolver(t, half)
	s.setRandomFlow(8, 5, 0.5)
	for i := 0; i < 200; i++ {
		s.Step()
	}
	h := p.Dt
	rate := func(s *Solver, fh []complex128) float64 {
		return s.injectionOf(s.zh, fh) - 2*s.p.Mu*s.Energy() - s.Dissipation()
	}
	var worst, injected float64
	const steps = 100
	for i := 0; i < steps; i++ {
		s.force.draw(s.fh)
		copy(mid.zh, s.zh)
		copy(mid.fh, s.fh)
		e0, r0 := s.Energy(), rate(s, s.fh)
		mid.advance()
		rm := rate(mid, s.fh)
		s.advance()
		e1, r1 := s.Energy(), rate(s, s.fh)
		worst = math.Max(worst, math.Abs((e1-e0)/h-(r0+4*rm+r1)/6))
		injected += s.injectionOf(s.zh, s.fh) / steps
	}
	t.Logf("E %.4g, D %.3g, mean injection %.4g: worst budget residual %.3g (ε = %g)", s.Energy(), s.Dissipation(), injected, worst, p.Eps)
	if worst > 1e-3*p.Eps {
		t.Fatalf("energy budget residual %.3g > 1e-3·ε", worst)
	}
}

// spunUpEnstrophySpectrum runs p's flow from rest for spinup steps, then averages its enstrophy spectrum
// over 50 samples 10 steps apart.
func spunUpEnstrophySpectrum(t *testing.T, p Params, spinup int) (avg []float64, s *Solver) {
	s = mustSolver(t, p)
	for i := 0; i < spinup; i++ {
		s.Step()
	}
	const samples = 50
	for i := 0; i < samples; i++ {
		for j := 0; j < 10; j++ {
			s.Step()
		}
		z := s.EnstrophySpectrum()
		if avg == nil {
			avg = make([]float64, len(z))
		}
		for k := range z {
			avg[k] += z[k] / samples
		}
	}
	return avg, s
}

func peakOf(spec []float64) int {
	peak := 0
	for k := range spec {
		if spec[k] > spec[peak] {
			peak = k
		}
	}
	return peak
}

// TestEnstrophySpectrumPeak spins a 64² flow up with the default parameters and ν auto (t = 15, three
// drag times 1/(2μ)) and averages its enstrophy spectrum: the peak must lie within a factor 2 of k_f, and
// the spectrum must fall off towards the cutoff M (no pile-up). Energy goes to large scales (inverse
// cascade) and enstrophy to small ones, so a peak far from k_f means the forcing, the cascade or the
// dissipation is wrong. The paper's ν = 2e-7, far too weak on a 64² grid, is the negative control: its
// enstrophy piles up at the cutoff and the check catches it.
func TestEnstrophySpectrumPeak(t *testing.T) {
	if testing.Short() {
		t.Skip("spins up a flow")
	}
	p := DefaultParams(64)
	p.Seed = 1
	avg, s := spunUpEnstrophySpectrum(t, p, 3000)
	peak, tail := peakOf(avg), avg[s.m]/avg[peakOf(avg)]
	t.Logf("t = %g, E %.3g, Z %.3g; enstrophy spectrum peaks at k = %d; Z(k=M=%d)/Z(peak) = %.2g\n%.3g",
		s.Time(), s.Energy(), s.Enstrophy(), peak, s.m, tail, avg)
	if kf := p.Kf; float64(peak) < kf/2 || float64(peak) > 2*kf {
		t.Errorf("enstrophy spectrum peaks at k = %d, want within a factor 2 of k_f = %g", peak, kf)
	}
	if tail > 1e-2 {
		t.Errorf("enstrophy piles up at the cutoff: Z(M)/Z(peak) = %.2g", tail)
	}

	p.NuAuto, p.Nu = false, PaperNu
	weak, _ := spunUpEnstrophySpectrum(t, p, 3000)
	weakTail := weak[s.m] / weak[peakOf(weak)]
	t.Logf("negative control ν = %g: peak at k = %d, Z(M)/Z(peak) = %.2g", PaperNu, peakOf(weak), weakTail)
	if weakTail <= 1e-2 {
		t.Errorf("with ν = %g on 64² the pile-up check did not fire (Z(M)/Z(peak) = %.2g)", PaperNu, weakTail)
	}
}
