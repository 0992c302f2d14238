package cli_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/cli/clitest"
)

// TestDeprecatedAlias: the old name sets the new flag's value, marks it as given (MarkAliasesChanged, as
// PreRun calls it), prints the deprecation notice and is hidden from the help.
func TestDeprecatedAlias(t *testing.T) {
	var steps int
	var changed bool
	cmd := &cobra.Command{Use: "x", PreRun: func(c *cobra.Command, _ []string) { cli.MarkAliasesChanged(c) },
		RunE: func(c *cobra.Command, _ []string) error { changed = c.Flags().Changed("sampler-steps"); return nil }}
	cmd.Flags().IntVar(&steps, "sampler-steps", 10, "sampler steps")
	cli.DeprecatedAlias(cmd.Flags(), "ddim-steps", "sampler-steps")
	out, err := clitest.Run(t, cmd, "--ddim-steps", "7")
	if err != nil {
		t.Fatal(err)
	}
	if steps != 7 || !changed {
		t.Errorf("--ddim-steps 7 gave --sampler-steps %d, changed %v; want 7, true", steps, changed)
	}
	if !bytes.Contains([]byte(out), []byte("use --sampler-steps")) {
		t.Errorf("no deprecation notice in %q", out)
	}
	if f := cmd.Flags().Lookup("ddim-steps"); f == nil || !f.Hidden {
		t.Error("the alias is not a hidden flag")
	}
	if _, err := clitest.Run(t, cmd); err != nil || steps != 10 || changed {
		t.Errorf("without flags: err %v, steps %d, changed %v; want the default 10, not given", err, steps, changed)
	}
}

// TestProgressWriter: --quiet discards the progress, else it goes to the command's standard error.
func TestProgressWriter(t *testing.T) {
	var errBuf bytes.Buffer
	cmd := &cobra.Command{Use: "x"}
	cmd.SetErr(&errBuf)
	if w := cli.ProgressWriter(cmd, true); w != io.Discard {
		t.Error("quiet progress is not discarded")
	}
	io.WriteString(cli.ProgressWriter(cmd, false), "step 1")
	if errBuf.String() != "step 1" {
		t.Errorf("progress went elsewhere than standard error: %q", errBuf.String())
	}
}
