package nsref

import (
	"strings"
	"testing"
)

// TestScriptEmbedded checks that the script is there and has both the step and the benchmark modes that
// the solver's tests and nsbench call.
func TestScriptEmbedded(t *testing.T) {
	for _, want := range []string{"import numpy", "bench", "--form"} {
		if !strings.Contains(Script, want) {
			t.Errorf("ns_step.py lacks %q", want)
		}
	}
}
