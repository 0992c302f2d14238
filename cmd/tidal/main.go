// Command tidal is the command-line front of the tidal library: probabilistic forecasting of
// spatiotemporal dynamics with diffusion models. Each subcommand lives in its own file and only parses
// flags into the library's option structs; no maths lives here.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/atomicfile"
	"github.com/tidal-forecast/tidal/bench/benchcli"
	"github.com/tidal-forecast/tidal/cli"
)

// version is set at link time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

var rootCmd = &cobra.Command{
	Use: "tidal",
	Example: `  tidal data navier-stokes --out ns.npy --size 64 --frames 2000 --split 0.7,0.1,0.2
  tidal train dydiff --data ns_train.npy --val ns_val.npy --steps 2000 --run runs/dydiff
  tidal forecast --run runs/dydiff --data ns_test.npy --cases 20 --out fc.npy`,
	Short: "Probabilistic forecasting of spatiotemporal dynamics with diffusion models",
	Long: `tidal trains and samples diffusion models that forecast fields evolving in time (turbulent flows,
weather and climate fields, videos, multivariate series) and scores the forecasts with the verification
metrics of the field. It runs on CPU in pure Go by default, and on CUDA GPUs through XLA.`,
	SilenceUsage:      true,
	SilenceErrors:     true,
	PersistentPreRunE: cli.PreRun,
}

func init() {
	cli.AddGlobalFlags(rootCmd.PersistentFlags())
	cli.AddFieldFlags(rootCmd.PersistentFlags())
	cli.Version = version
	rootCmd.AddCommand(benchcli.Command())
}

func main() {
	atomicfile.CleanupOnSignals() // SIGINT and SIGTERM remove unfinished outputs, then exit 130 / 143
	if err := rootCmd.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "tidal:", err)
		os.Exit(1)
	}
}
