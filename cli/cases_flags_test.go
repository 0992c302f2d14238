package cli_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/tidal-forecast/tidal/cli"
)

// TestCasesFlags: --cases takes a whole number and points a list to --starts; StartCases keeps the
// context before and the lead within the series.
func TestCasesFlags(t *testing.T) {
	var n int
	var starts []int
	f := pflag.NewFlagSet("x", pflag.ContinueOnError)
	cli.AddCasesFlags(f, &n, &starts, 20, "the series")
	if n != 20 {
		t.Errorf("default %d, want 20", n)
	}
	if err := f.Parse([]string{"--cases", "5", "--starts", "3,9"}); err != nil || n != 5 || !slices.Equal(starts, []int{3, 9}) {
		t.Errorf("parsed %d %v, %v", n, starts, err)
	}
	var c cli.CasesCount
	if err := c.Set("5,6"); err == nil || !strings.Contains(err.Error(), "--starts 5,6") {
		t.Errorf("a list given to --cases: %v", err)
	}
	if err := c.Set("many"); err == nil {
		t.Error("--cases many was accepted")
	}
	cs, err := cli.StartCases([]int{2, 7}, 10, 2, 3, "--data d.npy")
	if err != nil || !slices.Equal(cs.Starts, []int{2, 7}) || cs.Context != 2 || cs.Lead != 3 {
		t.Errorf("cases %+v, %v", cs, err)
	}
	for _, s := range []int{1, 8} {
		if _, err := cli.StartCases([]int{s}, 10, 2, 3, "--data d.npy"); err == nil || !strings.Contains(err.Error(), "starts 2 to 7") {
			t.Errorf("start %d: %v", s, err)
		}
	}
}
