// Package backend picks the compute backend tidal runs on: "go", GoMLX's pure-Go CPU backend (the
// default), or "cuda", GoMLX's XLA backend with a PJRT CUDA plugin found on this machine.
//
// The name comes from the --backend flag, else the TIDAL_BACKEND environment variable, else "go".
// Nothing is ever downloaded: when "cuda" is asked for and no plugin is found, the error lists every
// place searched (see FindCUDAPlugin).
package backend

import (
	"fmt"
	"os"
	"runtime"
	"strings"

	"github.com/gomlx/compute"
	_ "github.com/gomlx/compute/gobackend" // registers "go"
)

// Names of the backends.
const (
	Go   = "go"
	CUDA = "cuda"
)

// EnvVar names the environment variable that chooses the backend when no flag does.
const EnvVar = "TIDAL_BACKEND"

// Resolve returns the backend name to use: flag if set, else $TIDAL_BACKEND, else "go".
// Names are case-insensitive; anything but "go" or "cuda" is an error.
func Resolve(flag string) (string, error) {
	name, from := flag, "--backend"
	if name == "" {
		name, from = os.Getenv(EnvVar), EnvVar
	}
	if name == "" {
		return Go, nil
	}
	switch n := strings.ToLower(strings.TrimSpace(name)); n {
	case Go, CUDA:
		return n, nil
	default:
		return "", fmt.Errorf("%s=%q: unknown backend, expected %q or %q", from, name, Go, CUDA)
	}
}

// New creates the named backend ("go" or "cuda"). For "cuda" see FindCUDAPlugin and PrepareProcess.
func New(name string) (compute.Backend, error) {
	switch name {
	case Go:
		return compute.NewWithConfig(GoConfig(runtime.GOMAXPROCS(0)))
	case CUDA:
		if !cgoEnabled {
			return nil, fmt.Errorf("backend %q needs a tidal built with CGO_ENABLED=1 (this binary was built without cgo)", CUDA)
		}
		plugin, searched, err := FindCUDAPlugin()
		if err != nil {
			return nil, err
		}
		_ = searched
		return newXLA(plugin)
	default:
		return nil, fmt.Errorf("unknown backend %q, expected %q or %q", name, Go, CUDA)
	}
}

// GoConfig returns the configuration of GoMLX's pure-Go backend that tidal uses for a process with
// the given number of threads (its GOMAXPROCS, which must be set before the backend is created: the
// backend's worker pool then holds 2·threads workers): at most min(threads, 8) graph executors.
//
// Why: the backend runs independent operations of a graph on several executors (8 by default, at
// most its pool size), and each executor holds a slot of the worker pool even while it waits for
// work; a matmul can only spread over the slots left. With the defaults on 2 threads, 3 of the 4
// slots are held by executors and every matmul runs on one core (a 1024³ matmul: 94 GFLOP/s instead
// of 170 on a 2-core machine). With threads executors, threads + 1 slots stay free.
func GoConfig(threads int) string {
	return fmt.Sprintf("go:num_executors=%d", min(max(threads, 1), 8))
}

// Status says whether one backend works on this machine, and why not.
type Status struct {
	Name   string
	OK     bool
	Detail string
}

// Probe checks every backend by creating it, and reports what it found. For "cuda" the detail is the
// plugin path, or the reason none can be used with every place searched.
func Probe() []Status {
	out := []Status{}
	if b, err := New(Go); err != nil {
		out = append(out, Status{Name: Go, Detail: err.Error()})
	} else {
		out = append(out, Status{Name: Go, OK: true, Detail: b.Description()})
		b.Finalize()
	}
	st := Status{Name: CUDA}
	plugin, searched, err := FindCUDAPlugin()
	switch {
	case !cgoEnabled:
		st.Detail = "this binary was built without cgo (build with CGO_ENABLED=1 to use XLA)"
	case err != nil:
		st.Detail = err.Error()
	default:
		b, berr := newXLA(plugin)
		if berr != nil {
			st.Detail = fmt.Sprintf("plugin %s found (searched %d places) but failed to start: %v", plugin, len(searched), berr)
		} else {
			st.OK = true
			st.Detail = fmt.Sprintf("plugin %s: %s", plugin, b.Description())
			b.Finalize()
		}
	}
	return append(out, st)
}
