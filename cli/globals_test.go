package cli_test

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/cli/clitest"
)

// newRoot is a root command with the shared flags and one subcommand that records the budget and the
// backend it sees.
func newRoot(t *testing.T) (*cobra.Command, *[3]any) {
	t.Helper()
	seen := new([3]any)
	root := &cobra.Command{Use: "tidal", SilenceUsage: true, SilenceErrors: true, PersistentPreRunE: cli.PreRun}
	cli.AddGlobalFlags(root.PersistentFlags())
	root.AddCommand(&cobra.Command{Use: "show", RunE: func(*cobra.Command, []string) error {
		b, err := cli.Budget()
		if err != nil {
			return err
		}
		name, err := cli.BackendName()
		seen[0], seen[1], seen[2] = b.Memory, b.Disk, name
		return err
	}})
	return root, seen
}

// TestGlobalFlags: --max-memory and --max-disk reach Budget in bytes, --backend reaches BackendName, and a
// bad value of each is refused before the command runs, naming the flag.
func TestGlobalFlags(t *testing.T) {
	t.Setenv("TIDAL_BACKEND", "")
	root, seen := newRoot(t)
	if _, err := clitest.Run(t, root, "--max-memory", "2KiB", "--max-disk", "3MB", "--backend", "go", "show"); err != nil {
		t.Fatal(err)
	}
	if seen[0] != int64(2048) || seen[1] != int64(3_000_000) || seen[2] != "go" {
		t.Errorf("memory, disk, backend = %v, want 2048, 3000000, go", *seen)
	}
	for _, bad := range [][]string{{"--max-memory", "lots"}, {"--max-disk", "-1GB"}, {"--backend", "tpu"}} {
		*seen = [3]any{}
		_, err := clitest.Run(t, root, append(bad, "show")...)
		if err == nil || !strings.Contains(err.Error(), strings.TrimPrefix(bad[0], "--")) && !strings.Contains(err.Error(), bad[1]) {
			t.Errorf("%v: got %v, want an error naming the flag or the value", bad, err)
		}
		if seen[2] != nil {
			t.Errorf("%v: the command ran", bad)
		}
	}
}
