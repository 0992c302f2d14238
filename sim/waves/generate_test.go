package waves

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
)

func TestGenerateReportsEachPart(t *testing.T) {
	o := DefaultOptions()
	o.N, o.Frames, o.Split = 8, 10, []float64{0.6, 0.2, 0.2}
	out := filepath.Join(t.TempDir(), "w.npy")
	var w bytes.Buffer
	if err := Generate(o, out, &w); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(w.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("printed\n%s", w.String())
	}
	for i, part := range []string{"train", "val", "test"} {
		npy := strings.TrimSuffix(out, ".npy") + "_" + part + ".npy"
		a, err := data.ReadNPY(npy)
		if err != nil {
			t.Fatal(err)
		}
		want := "wrote " + npy + " (" + []string{"6", "2", "2"}[i] + " frames) and " + strings.TrimSuffix(npy, ".npy") + ".json"
		if lines[i] != want || a.Shape[0] != []int{6, 2, 2}[i] {
			t.Errorf("line %q (file of %d frames), want %q", lines[i], a.Shape[0], want)
		}
	}
	if err := Generate(o, filepath.Join(t.TempDir(), "w.txt"), &w); err == nil {
		t.Error("an output without .npy was accepted")
	}
}
