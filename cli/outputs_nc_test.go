package cli_test

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/cli"
)

// TestOutFormat: --format nc renames FILE.npy, npy refuses FILE.nc, a series format points to
// --input-format; NetCDF is chosen by --format or the name; series outputs refuse it.
func TestOutFormat(t *testing.T) {
	for _, c := range []struct{ out, format, want string }{{"a.npy", "nc", "a.nc"}, {"a.npy", "", "a.npy"}, {"a.nc", "", "a.nc"}} {
		if got, err := cli.DataOutPath(c.out, c.format); err != nil || got != c.want {
			t.Errorf("%s --format %q: %s, %v", c.out, c.format, got, err)
		}
	}
	if _, err := cli.DataOutPath("a.nc", "npy"); err == nil {
		t.Error("--format npy with a .nc name was accepted")
	}
	if err := cli.CheckOutFormat("csv"); err == nil || !strings.Contains(err.Error(), "--input-format csv") {
		t.Errorf("--format csv: %v", err)
	}
	if !cli.WantNC("", "x.NC") || cli.WantNC("npy", "x.nc") || !cli.WantNC("nc", "x.npy") {
		t.Error("WantNC")
	}
	if err := cli.RefuseSeriesNC("", "", "fc.nc"); err == nil || !strings.Contains(err.Error(), "fc.nc") {
		t.Errorf("a series forecast to NetCDF: %v", err)
	}
	cmd := &cobra.Command{Use: "forecast", RunE: func(*cobra.Command, []string) error { return nil }}
	var members int
	var vars []string
	cmd.Flags().IntVar(&members, "members", 8, "")
	cmd.Flags().StringSliceVar(&vars, "var", nil, "")
	cmd.SetArgs([]string{"--members", "4", "--var", "u,v"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got := cli.CommandLine(cmd); got != "forecast --members 4 --var u,v" {
		t.Errorf("command line %q", got)
	}
}
