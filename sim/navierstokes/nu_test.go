package navierstokes

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

func TestSetNu(t *testing.T) {
	var p Params
	if err := p.SetNu(" AUTO "); err != nil || !p.NuAuto {
		t.Errorf("auto: %v %+v", err, p)
	}
	if err := p.SetNu("3e-5"); err != nil || p.NuAuto || p.Nu != 3e-5 {
		t.Errorf("3e-5: %v %+v", err, p)
	}
	if err := p.SetNu("lots"); err == nil || err.Error() != `"lots": expected a number ≥ 0 or "auto"` {
		t.Errorf("lots: %v", err)
	}
}

// TestGenerateReportsWhatItWrote writes a small split run and checks the lines printed against the
// summary WriteDataset returns.
func TestGenerateReportsWhatItWrote(t *testing.T) {
	o := DefaultDatasetOptions(24)
	o.Frames, o.Spinup, o.SaveEvery, o.NuAuto, o.Split = 10, 20, 2, true, []float64{0.6, 0.2, 0.2}
	var w bytes.Buffer
	sum, err := Generate(o, filepath.Join(t.TempDir(), "ns.npy"), nil, &w)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(w.String()), "\n")
	if len(sum.Parts) != 3 || len(lines) != 4 || sum.Steps != 20+9*2 {
		t.Fatalf("%d parts, %d steps; printed\n%s", len(sum.Parts), sum.Steps, w.String())
	}
	for i, p := range sum.Parts {
		if want := fmt.Sprintf("wrote %s (%d frames) and %s", p.NPY, p.Count, p.JSON); lines[i] != want {
			t.Errorf("line %d %q, want %q", i, lines[i], want)
		}
	}
	if !strings.HasPrefix(lines[3], fmt.Sprintf("%d steps in ", sum.Steps)) || !strings.Contains(lines[3], fmt.Sprintf("energy %.4g", sum.Energy)) {
		t.Errorf("summary line %q", lines[3])
	}
}
