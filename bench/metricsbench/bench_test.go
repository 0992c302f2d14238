package metricsbench

import (
	"bytes"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/internal/testref/pyref"
)

// TestRunAgreesWithNumPy runs a tiny benchmark: Go's and NumPy's per-lead CRPS must agree to 1e-5
// relative (NumPy works in float32 per point), and the report must name both timings.
func TestRunAgreesWithNumPy(t *testing.T) {
	pyref.ForTest(t, "numpy")
	var out bytes.Buffer
	res, err := Run(Options{Cases: 2, Members: 9, Leads: 3, Size: 20, Seed: 3}, &out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if res.MaxRelDiff > 1e-5 || res.NumPy <= 0 || res.Go <= 0 {
		t.Fatalf("result %+v\n%s", res, out.String())
	}
	for _, s := range []string{"NumPy", "speed-up", "1 thread"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("report lacks %q:\n%s", s, out.String())
		}
	}
}
