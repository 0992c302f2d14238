package metrics

import (
	"runtime"
	"sync/atomic"
	"testing"
)

// TestParallelForVisitsEachIndexOnce runs with 1 and 4 workers and checks every index is visited once and
// worker ids stay below numWorkers.
func TestParallelForVisitsEachIndexOnce(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 4} {
		runtime.GOMAXPROCS(procs)
		const n = 1000
		var seen [n]atomic.Int32
		var badWorker atomic.Bool
		parallelFor(n, func(w, i int) {
			if w < 0 || w >= numWorkers(n) {
				badWorker.Store(true)
			}
			seen[i].Add(1)
		})
		for i := range seen {
			if seen[i].Load() != 1 {
				t.Fatalf("GOMAXPROCS %d: index %d visited %d times", procs, i, seen[i].Load())
			}
		}
		if badWorker.Load() {
			t.Fatalf("GOMAXPROCS %d: worker id out of range", procs)
		}
	}
}
