package navierstokes

import (
	"fmt"
	"runtime"
	"testing"
)

// BenchmarkStep times one forced ETDRK4 step at the benchmark sizes, on one worker and on all cores.
func BenchmarkStep(b *testing.B) {
	for _, n := range []int{64, 128, 256} {
		for _, workers := range []int{1, runtime.GOMAXPROCS(0)} {
			b.Run(fmt.Sprintf("n=%d/workers=%d", n, workers), func(b *testing.B) {
				p := DefaultParams(n)
				p.Workers = workers
				s := mustSolver(b, p)
				s.setRandomFlow(1, 5, 0.5)
				for b.Loop() {
					s.Step()
				}
			})
		}
	}
}
