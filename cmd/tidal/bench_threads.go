package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/gomlx/compute"

	"github.com/tidal-forecast/tidal/backend"
)

// startCPUProfile starts a pprof CPU profile written to path (the --profile flag; "" for none) and
// returns the function that stops it and closes the file.
func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("--profile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// eachThreadCount runs fn once per entry n of threads (the --threads flag; 0 = all cores) with
// GOMAXPROCS set to n and a Go backend created with backend.GoConfig(n) plus the extra options
// goConfig (comma-separated, may be empty), finalized after fn. GOMAXPROCS is restored at the end.
func eachThreadCount(threads []int, goConfig string, fn func(be compute.Backend, n int) error) error {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, n := range threads {
		if n < 0 {
			return fmt.Errorf("--threads: %d is negative", n)
		}
		if n == 0 {
			n = runtime.NumCPU()
		}
		runtime.GOMAXPROCS(n)
		cfg := backend.GoConfig(n)
		if goConfig != "" {
			cfg += "," + goConfig
		}
		be, err := compute.NewWithConfig(cfg)
		if err != nil {
			return err
		}
		err = fn(be, n)
		be.Finalize()
		if err != nil {
			return err
		}
	}
	return nil
}
