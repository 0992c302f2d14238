package rolloutbench

import (
	"bytes"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
	"github.com/tidal-forecast/tidal/internal/testref/unetstep"
)

// TestMeasure runs the measurement on a tiny size: the rollout cannot take less time than the step calls
// inside it, and the report prints the ratio.
func TestMeasure(t *testing.T) {
	opt := Options{Step: unetstep.Config{Members: 2, Channels: 1, Height: 8, Width: 8, History: 2, Width0: 4, Seed: 1}, Frames: 5, Repeats: 1, Dir: t.TempDir()}
	var buf bytes.Buffer
	rep, err := Measure(tensortest.Backend(t), opt, &buf)
	if err != nil {
		t.Fatal(err)
	}
	if rep.InSteps <= 0 || rep.Rollout < rep.InSteps || rep.Reference <= 0 || rep.Driver <= 0 {
		t.Fatalf("inconsistent report %+v", rep)
	}
	if !strings.Contains(buf.String(), "rollout / bare loop:") || !strings.Contains(buf.String(), "driver alone") {
		t.Fatalf("unexpected output:\n%s", buf.String())
	}
	if _, err := Measure(tensortest.Backend(t), Options{Step: opt.Step}, &buf); err == nil {
		t.Fatal("0 frames accepted")
	}
}
