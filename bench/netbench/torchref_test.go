package netbench

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tidal-forecast/tidal/nets"
)

// TestParseTorchOutput checks the parsing of the PyTorch script's output, and that a parameter count
// other than the network's is rejected.
func TestParseTorchOutput(t *testing.T) {
	u, _ := nets.New(Config(32))
	out := "# torch 1.13, 2 threads\n16 32 32 " + strconv.Itoa(u.NumParams()) + " 250.5 -\n16 64 64 5659841 1000 900.25\n"
	header, res, err := parseTorchOutput(strings.NewReader(out), []Case{{16, 32, 32}})
	if err != nil {
		t.Fatal(err)
	}
	if header != "torch 1.13, 2 threads" || len(res) != 1 || res[0].Eager != 250500*time.Microsecond || res[0].Compiled != 0 {
		t.Errorf("header %q, results %+v", header, res)
	}
	bad := "16 32 32 12345 250.5 -\n"
	if _, _, err := parseTorchOutput(strings.NewReader(bad), []Case{{16, 32, 32}}); err == nil || !strings.Contains(err.Error(), "parameters") {
		t.Errorf("a wrong parameter count gave error %v", err)
	}
}
