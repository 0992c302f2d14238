package benchcli

import (
	"fmt"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/bench/benchenv"
	"github.com/tidal-forecast/tidal/bench/nsbench"
	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/internal/testref/pyref"
)

func init() {
	var sizes []int
	var steps, repeats int
	cmd := &cobra.Command{
		Use: "navier-stokes",
		Example: `  tidal bench navier-stokes --sizes 64,128 --repeats 3
  tidal bench navier-stokes --sizes 256 --solver-steps 200`,
		Short: "Time Navier–Stokes solver steps against the NumPy reference step",
		Long: `navier-stokes times one forced ETDRK4 step (default parameters, ν auto) of the Go solver, on one
core and on all cores, and of the NumPy reference implementation of the same step (run with Debian's
python3-numpy, single-threaded) in its two forms of the nonlinear term (flux: 3 inverse + 2 forward real
2D FFTs per evaluation; Basdevant: 2 + 2). Measurements alternate between the implementations and each
figure is the best of --repeats, so that load from other processes hits them alike. The ratio is the
faster NumPy form over the faster Go run.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ns := sizes
			if err := evenSizes(ns); err != nil {
				return err
			}
			if err := checkGridBench(ns, steps, repeats); err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			python, pyErr := pyref.Find("numpy")
			if pyErr != nil {
				fmt.Fprintf(w, "NumPy reference unavailable (%v); timing Go only\n", pyErr)
			}
			fmt.Fprintf(w, "load average before: %s; GOMAXPROCS %d\n", benchenv.LoadAverage(), runtime.GOMAXPROCS(0))
			fmt.Fprintf(w, "%5s %12s %12s %14s %16s %8s\n", "N", "Go 1 core", "Go all", "NumPy flux", "NumPy Basdevant", "ratio")
			for _, n := range ns {
				k := steps
				if k <= 0 {
					k = nsbench.DefaultSteps(n)
				}
				best := map[string]time.Duration{}
				keep := func(name string, d time.Duration, err error) error {
					if err != nil {
						return fmt.Errorf("N = %d, %s: %w", n, name, err)
					}
					if b, ok := best[name]; !ok || d < b {
						best[name] = d
					}
					return nil
				}
				for r := 0; r < repeats; r++ {
					d, err := nsbench.TimeStep(n, k, 1)
					if err := keep("go1", d, err); err != nil {
						return err
					}
					d, err = nsbench.TimeStep(n, k, runtime.GOMAXPROCS(0))
					if err := keep("goall", d, err); err != nil {
						return err
					}
					if pyErr != nil {
						continue
					}
					for _, form := range []string{"flux", "basdevant"} {
						d, err := nsbench.TimeNumPy(python, n, k, form)
						if err := keep(form, d, err); err != nil {
							return err
						}
					}
				}
				goBest := min(best["go1"], best["goall"])
				line := fmt.Sprintf("%5d %12s %12s", n, ms(best["go1"]), ms(best["goall"]))
				if pyErr == nil {
					npBest := min(best["flux"], best["basdevant"])
					line += fmt.Sprintf(" %14s %16s %7.1fx", ms(best["flux"]), ms(best["basdevant"]), float64(npBest)/float64(goBest))
				}
				fmt.Fprintln(w, line)
			}
			fmt.Fprintf(w, "load average after: %s\n", benchenv.LoadAverage())
			return nil
		},
	}
	f := cmd.Flags()
	f.IntSliceVar(&sizes, "sizes", []int{64, 128, 256}, "grid sides N to time, one case each (even)")
	f.IntVar(&steps, "solver-steps", 0, "timed solver steps per measurement (0 = about a quarter second each)")
	cli.DeprecatedAlias(f, "steps", "solver-steps")
	f.IntVar(&repeats, "repeats", 3, "measurements per implementation and size; the best is kept")
	benchCmd.AddCommand(cmd)
}

// evenSizes refuses a grid side that is odd or below 8 (the spectral solver's grids are even).
func evenSizes(ns []int) error {
	for _, n := range ns {
		if n < 8 || n%2 != 0 {
			return fmt.Errorf("--sizes %v: %d is not an even grid size ≥ 8", ns, n)
		}
	}
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d)/float64(time.Millisecond)) }
