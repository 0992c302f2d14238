package nsbench

import (
	"fmt"
	"math"
	"runtime"
	"testing"

	"github.com/tidal-forecast/tidal/sim/navierstokes"
)

// TestRandomFlow checks the benchmark's initial state: its energy is the one asked for, and the same
// seed draws the same field.
func TestRandomFlow(t *testing.T) {
	var fields [2][]float64
	for i := range fields {
		s, err := navierstokes.New(navierstokes.DefaultParams(32))
		if err != nil {
			t.Fatal(err)
		}
		randomFlow(s, 3, 4, 0.7)
		if e := s.Energy(); math.Abs(e-0.7) > 1e-12 {
			t.Fatalf("energy %g, want 0.7", e)
		}
		fields[i] = s.Vorticity(nil)
	}
	for i := range fields[0] {
		if fields[0][i] != fields[1][i] {
			t.Fatal("the same seed drew two different fields")
		}
	}
}

// TestTimeStep times a few steps at a tiny size: a positive time per step.
func TestTimeStep(t *testing.T) {
	d, err := TimeStep(32, 3, 1)
	if err != nil || d <= 0 {
		t.Fatalf("TimeStep = %v, %v", d, err)
	}
	if DefaultSteps(64) != 400 || DefaultSteps(512) != 10 {
		t.Fatalf("DefaultSteps(64), (512) = %d, %d; want 400, 10", DefaultSteps(64), DefaultSteps(512))
	}
}

// BenchmarkStep times one forced ETDRK4 step at the benchmark sizes, on one worker and on all cores:
// go test -run '^$' -bench Step ./bench/nsbench
func BenchmarkStep(b *testing.B) {
	for _, n := range []int{64, 128, 256} {
		for _, workers := range []int{1, runtime.GOMAXPROCS(0)} {
			b.Run(fmt.Sprintf("n=%d/workers=%d", n, workers), func(b *testing.B) {
				p := navierstokes.DefaultParams(n)
				p.Workers = workers
				s, err := navierstokes.New(p)
				if err != nil {
					b.Fatal(err)
				}
				randomFlow(s, 1, 5, 0.5)
				for b.Loop() {
					s.Step()
				}
			})
		}
	}
}
