package navierstokes

import (
	"fmt"
	"math"
	"runtime"
)

// parallelFrom is the smallest grid on which Workers = 0 uses every core.
const parallelFrom = 128

// Paper defaults (Hess et al. 2025, App. C.1, from the stochastic-forcing example of GeophysicalFlows.jl).
const (
	// PaperN is the grid of the paper's dataset, 256 × 256.
	PaperN = 256
	// PaperNu is the paper's hyperviscosity ν on its 256² grid.
	PaperNu = 2e-7
	// DefaultSpinup is the default number of discarded solver steps: from rest the energy approaches its
	// steady state with time constant 1/(2μ) = 5, and 6000 steps of 0.005 are 30 time units, six of them.
	DefaultSpinup = 6000
	// DefaultSaveEvery is the number of solver steps between saved frames (frame spacing 0.02).
	DefaultSaveEvery = 4
)

// Params are the physical and numerical parameters of forced 2D turbulence on the doubly periodic
// 2π × 2π domain (Hess et al. 2025, App. C.1):
//
//	∂ζ/∂t + u·∇ζ = F − μζ − ν(−∇²)^nν ζ
//
// with F white-in-time ring forcing of energy injection rate ε.
type Params struct {
	// N is the number of grid points per side; even, at least 8.
	N int
	// Nu is the (hyper)viscosity ν of the term −ν|k|^(2·NuOrder)ζ̂. Ignored when NuAuto is set.
	Nu float64
	// NuAuto replaces Nu by AutoNu(N, NuOrder), which keeps the damping rate at the dealiasing cutoff at
	// its value on the paper's grid; it equals PaperNu at N = 256.
	NuAuto bool
	// NuOrder is nν: 1 is ordinary viscosity, 2 (the default) hyperviscosity ∝ |k|⁴.
	NuOrder int
	// Mu is the linear drag μ (nμ = 0): the term −μζ̂ on every mode but the mean.
	Mu float64
	// Kf is the forcing wavenumber k_f (in units of 2π/L = 1).
	Kf float64
	// DeltaF is the width δ_f of the Gaussian forcing ring.
	DeltaF float64
	// Eps is the energy injection rate ε; 0 switches the forcing off.
	Eps float64
	// Dt is the time step.
	Dt float64
	// Seed seeds the forcing noise; a run is a deterministic function of Params.
	Seed uint64
	// Workers is the number of goroutines a step uses; 0 chooses: one below N = 128, where a step's nine
	// synchronisations cost more than a second core saves (and much more when the cores are shared),
	// GOMAXPROCS from N = 128 up. For a given build and CPU, results are bit-for-bit the same for any value.
	Workers int
}

// DefaultParams returns the paper's parameters on an n × n grid: ν = PaperNu = 2e-7 (set NuAuto on grids
// coarser than 256², where this ν lets enstrophy pile up at the cutoff), nν = 2,
// μ = 0.1, k_f = 6, δ_f = 1.5, ε = 0.1, dt = 0.005, seed 0.
func DefaultParams(n int) Params {
	return Params{N: n, Nu: PaperNu, NuOrder: 2, Mu: 0.1, Kf: 6, DeltaF: 1.5, Eps: 0.1, Dt: 0.005}
}

// Cutoff is the largest wavenumber component the 2/3 rule keeps on an n-point grid, M = ⌊(n−1)/3⌋: the
// largest M with 3M < n, so that a product of two fields with |kx|, |ky| ≤ M aliases only onto discarded
// modes and the pseudo-spectral nonlinear term equals the exact (Galerkin) one on the kept modes.
func Cutoff(n int) int { return (n - 1) / 3 }

// AutoNu is the ν that gives a grid of n points the hyperviscous damping rate ν·M^(2nν) that PaperNu
// gives the paper's 256² grid at its cutoff M = 85, so that coarse grids do not pile enstrophy up at the
// cutoff and fine ones do not over-damp. M is Cutoff(n).
func AutoNu(n, order int) float64 {
	ref := PaperNu * math.Pow(float64(Cutoff(PaperN)), 4) // the paper's rate at its cutoff, nν = 2
	return ref / math.Pow(float64(Cutoff(n)), 2*float64(order))
}

// Resolved returns p with NuAuto applied and Workers set, after checking every field.
func (p Params) Resolved() (Params, error) {
	if err := p.Validate(); err != nil {
		return p, err
	}
	if p.NuAuto {
		p.Nu = AutoNu(p.N, p.NuOrder)
	}
	if p.Workers == 0 {
		p.Workers = 1
		if p.N >= parallelFrom {
			p.Workers = runtime.GOMAXPROCS(0)
		}
	}
	return p, nil
}

// Validate returns an error naming the first parameter that is out of range and what was expected.
func (p Params) Validate() error {
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case p.N < 8 || p.N%2 != 0:
		return fmt.Errorf("grid size N = %d: expected an even number ≥ 8", p.N)
	case p.N > 8192:
		return fmt.Errorf("grid size N = %d: expected at most 8192", p.N)
	case !p.NuAuto && (!finite(p.Nu) || p.Nu < 0):
		return fmt.Errorf("viscosity ν = %g: expected a finite number ≥ 0", p.Nu)
	case p.NuOrder < 1 || p.NuOrder > 8:
		return fmt.Errorf("viscosity order nν = %d: expected 1 (ordinary) to 8", p.NuOrder)
	case !finite(p.Mu) || p.Mu < 0:
		return fmt.Errorf("drag μ = %g: expected a finite number ≥ 0", p.Mu)
	case !finite(p.Eps) || p.Eps < 0:
		return fmt.Errorf("injection rate ε = %g: expected a finite number ≥ 0 (0 switches forcing off)", p.Eps)
	case !finite(p.Dt) || p.Dt <= 0:
		return fmt.Errorf("time step dt = %g: expected a finite number > 0", p.Dt)
	case p.Workers < 0:
		return fmt.Errorf("workers = %d: expected ≥ 0 (0 = all cores)", p.Workers)
	}
	if p.Eps > 0 {
		m := float64(Cutoff(p.N))
		switch {
		case !finite(p.Kf) || p.Kf <= 0:
			return fmt.Errorf("forcing wavenumber k_f = %g: expected a finite number > 0", p.Kf)
		case !finite(p.DeltaF) || p.DeltaF <= 0:
			return fmt.Errorf("forcing width δ_f = %g: expected a finite number > 0", p.DeltaF)
		case p.Kf >= m:
			return fmt.Errorf("forcing wavenumber k_f = %g: expected it below the dealiasing cutoff %g of an N = %d grid", p.Kf, m, p.N)
		}
	}
	return nil
}
