package navierstokes

import (
	"math"
	"testing"
)

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
	p.Seed, p.NuAuto = 1, true
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
