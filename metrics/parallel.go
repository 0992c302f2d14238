package metrics

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// parallelFor calls fn(worker, i) for every i in [0, n) on up to GOMAXPROCS goroutines. worker is in
// [0, workers) and lets fn use per-goroutine scratch buffers. Callers store results by i and reduce them in
// order afterwards, so results do not depend on scheduling.
func parallelFor(n int, fn func(worker, i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			fn(0, i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				fn(w, i)
			}
		}(w)
	}
	wg.Wait()
}

// numWorkers is the number of distinct worker ids parallelFor may pass for n tasks.
func numWorkers(n int) int { return max(1, min(runtime.GOMAXPROCS(0), n)) }
