package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/backend"
)

func init() {
	rootCmd.AddCommand(&cobra.Command{
		Use: "backends",
		Example: `  tidal backends
  tidal --backend cuda backends`,
		Short: "List the compute backends and whether each works on this machine",
		Long: `backends tries every compute backend tidal knows and prints whether it works here. For "cuda" it
prints the PJRT plugin found, or why none can be used and every place that was searched.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, st := range backend.Probe() {
				mark := "unavailable"
				if st.OK {
					mark = "available"
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%-5s %-11s %s\n", st.Name, mark, st.Detail)
			}
			return nil
		},
	})
}
