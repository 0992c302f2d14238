package cli_test

import (
	"errors"
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
	inputs := []*cli.Input{{Flag: "data", Path: data}, {Flag: "run", Path: run, Dir: true}, nil}
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

// TestDataIsSeries: the kind comes from the content, not the name: an NPY named .csv is an array, text
// named .npy a series; --input-format with an array and a folder are refused naming the flag.
func TestDataIsSeries(t *testing.T) {
	dir := t.TempDir()
	npy, text := filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.npy")
	if err := os.WriteFile(npy, []byte("\x93NUMPY\x01\x00"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(text, []byte("a,b\n1,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if s, err := cli.DataIsSeries("data", npy, ""); err != nil || s {
		t.Errorf("an NPY named .csv: series %v, %v", s, err)
	}
	if s, err := cli.DataIsSeries("data", text, ""); err != nil || !s {
		t.Errorf("text named .npy: series %v, %v", s, err)
	}
	if _, err := cli.DataIsSeries("data", npy, "csv"); err == nil || !strings.Contains(err.Error(), "--input-format csv") {
		t.Errorf("--input-format with an array: %v", err)
	}
	if _, err := cli.DataIsSeries("data", dir, ""); err == nil || !strings.Contains(err.Error(), "--data") {
		t.Errorf("a folder: %v", err)
	}
	if err := cli.DataError("x.npy", errors.New("--data x.npy: bad")); err.Error() != "--data x.npy: bad" {
		t.Errorf("DataError repeated the flag: %v", err)
	}
}
