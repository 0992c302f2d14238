package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/cli"
)

// TestCheckOutputs: an output that is an input, lies inside a run directory, or repeats another output is
// refused naming both flags; distinct outputs beside the inputs pass and are not created.
func TestCheckOutputs(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data.npy")
	run := filepath.Join(dir, "run")
	if err := os.WriteFile(data, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(run, 0o755); err != nil {
		t.Fatal(err)
	}
	inputs := []cli.File{{Flag: "data", Path: data}, {Flag: "run", Path: run, Dir: true}, {Flag: "val"}}
	for _, c := range []struct {
		outs [][2]string
		want string
	}{
		{[][2]string{{"out", data}}, "--data"},
		{[][2]string{{"out", filepath.Join(run, "fc.npy")}}, "--run"},
		{[][2]string{{"out", filepath.Join(dir, "a.npy")}, {"truth-out", filepath.Join(dir, "a.npy")}}, "--out"},
	} {
		err := cli.CheckOutputs(inputs, c.outs...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: got %v, want an error naming %s", c.outs, err, c.want)
		}
	}
	ok := filepath.Join(dir, "fc.npy")
	if err := cli.CheckOutputs(inputs, [2]string{"out", ok}, [2]string{"truth-out", ""}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(ok); !os.IsNotExist(err) {
		t.Errorf("CheckOutputs left %s behind (%v)", ok, err)
	}
}
