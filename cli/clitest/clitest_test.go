package clitest

import (
	"fmt"
	"testing"

	"github.com/spf13/cobra"
)

// TestResetFlagsClearsSliceFlags: a slice flag set by one in-process run must not be appended to by the
// next (pflag's slice values append once they have been set).
func TestResetFlagsClearsSliceFlags(t *testing.T) {
	var got []int
	cmd := &cobra.Command{Use: "x", RunE: func(*cobra.Command, []string) error { return nil }}
	cmd.Flags().IntSliceVar(&got, "mults", []int{1, 2}, "")
	for i := 0; i < 2; i++ {
		if _, err := Run(t, cmd, "--mults", "3,4"); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != "[3 4]" {
			t.Fatalf("run %d: --mults 3,4 gave %v", i+1, got)
		}
	}
	if _, err := Run(t, cmd); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[1 2]" {
		t.Fatalf("a run without --mults gave %v, expected the default [1 2]", got)
	}
}
