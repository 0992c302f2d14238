package main

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"
)

func init() {
	rootCmd.AddCommand(&cobra.Command{
		Use:     "version",
		Example: `  tidal version`,
		Short:   "Print tidal's version and the Go toolchain it was built with",
		Args:    cobra.NoArgs,
		Run: func(cmd *cobra.Command, args []string) {
			fmt.Fprintf(cmd.OutOrStdout(), "tidal %s (%s, %s/%s, GoMLX v0.28.16)\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		},
	})
}
