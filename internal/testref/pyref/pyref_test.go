package pyref

import (
	"strings"
	"testing"
)

func TestFindRefusesMissingModule(t *testing.T) {
	_, err := Find("tidal_no_such_module_xyz")
	if err == nil || !strings.Contains(err.Error(), "tidal_no_such_module_xyz") {
		t.Fatalf("expected an error naming the module, got %v", err)
	}
}

func TestRunReturnsOutput(t *testing.T) {
	py := ForTest(t, "numpy")
	out, err := Run(py, "import numpy, sys; print(int(numpy.arange(int(sys.argv[1])).sum()))", "5")
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(string(out)) != "10" {
		t.Fatalf("got %q, want 10", out)
	}
}
