package benchcli

import (
	"testing"

	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/cli/clitest"
)

// root is a tidal root command holding only the bench tree, with the flags every command shares.
var root = func() *cobra.Command {
	r := &cobra.Command{Use: "tidal", SilenceUsage: true, SilenceErrors: true, PersistentPreRunE: cli.PreRun}
	cli.AddGlobalFlags(r.PersistentFlags())
	r.AddCommand(Command())
	return r
}()

// runTidal runs `tidal args...` in-process and returns what it printed and its error.
func runTidal(t *testing.T, args ...string) (string, error) {
	t.Helper()
	return clitest.Run(t, root, args...)
}
