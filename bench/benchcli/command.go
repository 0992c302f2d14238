// Package benchcli is the `tidal bench` command tree: speed measurements and the papers' comparisons
// (bench/*bench packages hold their logic). cmd/tidal adds Command to its root; the flags every command
// shares and their checks come from package cli.
package benchcli

import "github.com/spf13/cobra"

// benchCmd groups the speed measurements. Each subcommand prints its rates next to a reference measured
// in the same run (shared machines drift), and registers itself from its own file.
var benchCmd = &cobra.Command{
	Use: "bench",
	Example: `  tidal bench train-step --quick
  tidal bench dydiff --quick --dir bench-dydiff`,
	Short: "Measure tidal's speed against references timed in the same run",
	Args:  cobra.NoArgs,
	RunE: func(cmd *cobra.Command, args []string) error {
		return cmd.Help()
	},
}

// Command is the `bench` command with every subcommand, for the root command of tidal (it is one
// command: add it to one root).
func Command() *cobra.Command { return benchCmd }
