package main

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

func init() { rootCmd.AddCommand(benchCmd) }
