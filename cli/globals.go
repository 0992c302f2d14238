// Package cli is the command-line plumbing that tidal's commands (cmd/tidal) and its benches
// (bench/benchcli) share (docs/HARDENING.md): the flags every command takes (--backend, --max-memory,
// --max-disk, --var, --time-dim) and the checks they make before any work, the deprecated aliases of the
// one vocabulary (README.md, "One vocabulary"), where progress goes, input headers (Input, StatInput)
// and run directories, the output guard that keeps outputs off the inputs (CheckOutputs, WriteNPYs),
// forecast sidecars, static fields, NetCDF outputs, and the reading of time-series inputs from their
// flags. It maps flags to the library's values and holds no maths.
package cli

import (
	"github.com/gomlx/compute"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tidal-forecast/tidal/backend"
	"github.com/tidal-forecast/tidal/guard"
)

// MaxCount bounds counts of cases, members and lead frames: far beyond any use, and small enough that
// products of a few of them cannot overflow int64.
const MaxCount = 1 << 24

// The values of the flags every command shares (AddGlobalFlags).
var backendFlag, maxMemoryFlag, maxDiskFlag string

// AddGlobalFlags adds the flags every command shares to pf, the root command's persistent flags:
// --backend, --max-memory and --max-disk (docs/HARDENING.md).
func AddGlobalFlags(pf *pflag.FlagSet) {
	pf.StringVar(&backendFlag, "backend", "",
		`compute backend: "go" (pure-Go CPU) or "cuda" (XLA with a PJRT CUDA plugin); default $TIDAL_BACKEND, else "go"`)
	pf.StringVar(&maxMemoryFlag, "max-memory", "",
		"memory a run may use, e.g. 16GiB (default: what the machine has available now, MemAvailable, cgroup limit and GOMEMLIMIT)")
	pf.StringVar(&maxDiskFlag, "max-disk", "",
		"disk space a run's outputs may take, e.g. 200GB (default: the free space of the output's folder)")
}

// PreRun is the root command's PersistentPreRunE: it marks flags given by a deprecated alias as given,
// refuses an unknown --backend and a bad --max-memory or --max-disk, and prepares the process for the
// backend (backend.PrepareProcess).
func PreRun(cmd *cobra.Command, args []string) error {
	MarkAliasesChanged(cmd)
	name, err := BackendName()
	if err != nil {
		return err
	}
	if _, err := Budget(); err != nil {
		return err
	}
	return backend.PrepareProcess(name)
}

// BackendName is the backend chosen by --backend, else $TIDAL_BACKEND, else "go" (backend.Resolve).
func BackendName() (string, error) { return backend.Resolve(backendFlag) }

// NewBackend creates the backend chosen by --backend / $TIDAL_BACKEND and returns its name.
func NewBackend() (string, compute.Backend, error) {
	name, err := BackendName()
	if err != nil {
		return "", nil, err
	}
	be, err := backend.New(name)
	return name, be, err
}

// Budget parses --max-memory and --max-disk.
func Budget() (guard.Budget, error) {
	mem, err := guard.ParseBytes("max-memory", maxMemoryFlag)
	if err != nil {
		return guard.Budget{}, err
	}
	disk, err := guard.ParseBytes("max-disk", maxDiskFlag)
	if err != nil {
		return guard.Budget{}, err
	}
	return guard.Budget{Memory: mem, Disk: disk}, nil
}
