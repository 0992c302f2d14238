package dataset

import (
	"math"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoadNorm: no norm.json makes LoadNorm panic, and what it accepts has the channels asked for and
// finite, positive standard deviations.
func FuzzLoadNorm(f *testing.F) {
	for _, s := range []string{`{"mean":[0],"std":[1]}`, `{"mean":[0,1],"std":[1,0]}`, `{"mean":[1e400],"std":[1]}`,
		`{"mean":null,"std":null}`, `[]`, ``, `{"mean":[0],"std":[-1]}`, `{"mean":["x"],"std":[1]}`} {
		f.Add([]byte(s), 1)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, text []byte, channels int) {
		channels = channels%8 + 1
		if channels < 1 {
			channels += 8
		}
		p := filepath.Join(dir, "norm.json")
		if err := os.WriteFile(p, text, 0o644); err != nil {
			t.Fatal(err)
		}
		n, err := LoadNorm(p, channels)
		if err != nil {
			return
		}
		if len(n.Mean) != channels || len(n.Std) != channels {
			t.Fatalf("accepted %d means and %d stds for %d channels", len(n.Mean), len(n.Std), channels)
		}
		for i, s := range n.Std {
			if !(s > 0) || math.IsInf(s, 0) || math.IsNaN(n.Mean[i]) || math.IsInf(n.Mean[i], 0) {
				t.Errorf("accepted mean %v, std %v for channel %d", n.Mean[i], s, i)
			}
		}
	})
}
