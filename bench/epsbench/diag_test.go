package epsbench

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
)

// TestDiagRuns is a measurement, not a check: with EPS_RUNS=dir1,dir2,… (DyDiff run directories) and
// EPS_TEST=ns_test.npy (a demo's held-out split) it logs each run's ε rms error per step on 64
// held-out windows (the transcription's protocol: windows drawn at random, t in Steps).
func TestDiagRuns(t *testing.T) {
	runs, test := os.Getenv("EPS_RUNS"), os.Getenv("EPS_TEST")
	if runs == "" || test == "" {
		t.Skip("a measurement: set EPS_RUNS and EPS_TEST")
	}
	a, err := data.ReadNPY(test)
	if err != nil {
		t.Fatal(err)
	}
	b := tensortest.Backend(t)
	head := fmt.Sprintf("%-28s", "run")
	for _, s := range Steps {
		head += fmt.Sprintf(" t=%-5d", s)
	}
	t.Log(head)
	for _, run := range strings.Split(runs, ",") {
		m, snap, err := dymodel.Load(run, nil)
		if err != nil {
			t.Fatal(err)
		}
		v := append([]float32(nil), a.Float32()...)
		snap.Norm.Normalize(v, m.Inner())
		w, err := Windows(v, a.Shape[0], m.Config.Frames(), 64, 3)
		if err != nil {
			t.Fatal(err)
		}
		e, err := ErrorByStep(b, m, snap.Store, w, Steps, 4)
		if err != nil {
			t.Fatal(err)
		}
		line := fmt.Sprintf("%-28s", filepath.Base(run))
		for _, x := range e {
			line += fmt.Sprintf(" %7.4f", x)
		}
		t.Log(line)
	}
}
