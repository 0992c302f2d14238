package navierstokes_test

import (
	"fmt"

	"github.com/tidal-forecast/tidal/sim/navierstokes"
)

// A forced flow on a 64² grid with the paper's parameters (ν auto), from rest for 400 steps (t = 2). The
// energy grows at about the injection rate ε = 0.1, less drag and hyperviscosity.
func ExampleSolver() {
	p := navierstokes.DefaultParams(64)
	p.Seed, p.NuAuto = 1, true
	s, err := navierstokes.New(p)
	if err != nil {
		panic(err)
	}
	for i := 0; i < 400; i++ {
		s.Step()
	}
	zeta := s.Vorticity(nil)
	fmt.Printf("t = %.0f, %d grid values, energy %.3f\n", s.Time(), len(zeta), s.Energy())
	// Output: t = 2, 4096 grid values, energy 0.162
}
