// Package nsbench times sim/navierstokes's solver step against the NumPy reference of the same step
// (internal/testref/nsref) in the same run, for `tidal bench navier-stokes`.
package nsbench

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/tidal-forecast/tidal/internal/testref/nsref"
	"github.com/tidal-forecast/tidal/internal/testref/pyref"
	"github.com/tidal-forecast/tidal/sim/navierstokes"
)

// DefaultSteps is the default number of timed steps per measurement at grid n, about a quarter second.
func DefaultSteps(n int) int {
	switch {
	case n <= 64:
		return 400
	case n <= 128:
		return 100
	default:
		return max(10, 30*256*256/(n*n))
	}
}

// TimeStep returns the wall time per step of the Go solver at grid n with the default parameters (ν auto,
// forcing on), measured over steps steps after a short warm-up, on workers goroutines (0 = Params.Workers's automatic choice).
func TimeStep(n, steps, workers int) (time.Duration, error) {
	p := navierstokes.DefaultParams(n)
	p.Workers, p.NuAuto = workers, true
	s, err := navierstokes.New(p)
	if err != nil {
		return 0, err
	}
	randomFlow(s, 1, 5, 0.5)
	for i := 0; i < 3; i++ {
		s.Step()
	}
	start := time.Now()
	for i := 0; i < steps; i++ {
		s.Step()
	}
	return time.Since(start) / time.Duration(steps), nil
}

// TimeNumPy returns the time per step of the NumPy reference (internal/testref/nsref) at grid n with the same
// parameters, run by python; form is "flux" or "basdevant", the two ways it can write the nonlinear term.
func TimeNumPy(python string, n, steps int, form string) (time.Duration, error) {
	p := navierstokes.DefaultParams(n)
	nu := navierstokes.AutoNu(n, p.NuOrder)
	out, err := pyref.Run(python, nsref.Script, "bench", "--n", fmt.Sprint(n), "--steps", fmt.Sprint(steps),
		"--nu", fmt.Sprint(nu), "--order", fmt.Sprint(p.NuOrder), "--mu", fmt.Sprint(p.Mu), "--dt", fmt.Sprint(p.Dt),
		"--kf", fmt.Sprint(p.Kf), "--df", fmt.Sprint(p.DeltaF), "--eps", fmt.Sprint(p.Eps), "--form", form)
	if err != nil {
		return 0, err
	}
	var r struct {
		MsPerStep float64 `json:"ms_per_step"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return 0, fmt.Errorf("NumPy reference printed %q: %w", out, err)
	}
	return time.Duration(r.MsPerStep * float64(time.Millisecond)), nil
}

// randomFlow sets a random smooth vorticity field, deterministic in seed, whose energy spectrum peaks
// near kPeak, scaled to energy e: drawn once to measure its energy, then drawn again scaled.
func randomFlow(s *navierstokes.Solver, seed uint64, kPeak, e float64) {
	draw := func(f float64) {
		rng := rand.New(rand.NewPCG(seed, 99))
		s.SetVorticitySpectrum(func(kx, ky int) complex128 {
			k := math.Hypot(float64(kx), float64(ky))
			a := f * k * math.Exp(-(k-kPeak)*(k-kPeak)/4)
			return complex(a*rng.NormFloat64(), a*rng.NormFloat64())
		})
	}
	draw(1)
	draw(math.Sqrt(e / s.Energy()))
}
