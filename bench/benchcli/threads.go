package benchcli

import (
	"fmt"
	"runtime"
	"runtime/pprof"

	"github.com/gomlx/compute"

	"github.com/tidal-forecast/tidal/atomicfile"
	"github.com/tidal-forecast/tidal/backend"
	"github.com/tidal-forecast/tidal/guard"
)

// startCPUProfile starts a pprof CPU profile written to path (the --profile flag; "" for none) through
// atomicfile, and returns the function that stops it: it commits the file when the run's err is nil,
// removes it otherwise, and returns err or the commit's error.
func startCPUProfile(path string) (stop func(err error) error, err error) {
	if path == "" {
		return func(err error) error { return err }, nil
	}
	f, err := atomicfile.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Abort()
		return nil, fmt.Errorf("--profile: %w", err)
	}
	return func(err error) error {
		pprof.StopCPUProfile()
		if err != nil {
			f.Abort()
			return err
		}
		if err := f.Commit(); err != nil {
			return fmt.Errorf("--profile: %w", err)
		}
		return nil
	}, nil
}

// checkThreads refuses a --threads entry or --branches outside [0, 4096] (0: all cores, the default).
func checkThreads(threads []int, branches int) error {
	return guard.First(guard.Ints("threads", threads, 0, 4096), guard.Int("branches", branches, 0, 4096))
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
