package samplerbench

import (
	"strings"
	"testing"
	"time"

	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
)

// Run measures both samplers on a tiny case: every timing is positive, the evaluations are counted per
// sampler (DDIM: steps; Heun: 2·steps − 1), and the table prints them.
func TestRun(t *testing.T) {
	cases := []Case{{Sampler: DDIM, Batch: 2, Size: 8, Channels: 8, Steps: 4}, {Sampler: Heun, Batch: 2, Size: 8, Channels: 8, Steps: 4}}
	rs, err := Run(tensortest.Backend(t), cases, time.Millisecond, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []int{4, 7} {
		r := rs[i]
		if r.Evals != want {
			t.Errorf("%s: %d evaluations, want %d", r.Case, r.Evals, want)
		}
		if r.Forward <= 0 || r.ForwardLive <= 0 || r.Sample <= 0 || r.FirstCall < r.Sample/10 || !(r.Ratio() > 0) || !(r.CPURatio() > 0) {
			t.Errorf("%s: implausible timings %+v", r.Case, r)
		}
	}
	var sb strings.Builder
	if err := WriteTable(&sb, rs); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sb.String(), "heun 2×8²×8, 4 steps") {
		t.Errorf("table:\n%s", sb.String())
	}
	if _, err := Run(tensortest.Backend(t), []Case{{Sampler: DDIM}}, 0, nil); err == nil {
		t.Error("a zero case was accepted")
	}
}
