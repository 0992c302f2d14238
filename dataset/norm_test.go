package dataset

import (
	"math"
	"path/filepath"
	"testing"
)

// Statistics come from the training part only and match a direct two-pass computation; Normalize
// then Denormalize gives back the values.
func TestNormFromTrainingPart(t *testing.T) {
	s := field("a", 10, 2, 3, 3, 5)
	_, _, n, err := Split([]Series{s}, Options{Frames: 2, ValFraction: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	for c := range 2 {
		var xs []float64
		for tt := range 5 {
			for i := range 9 {
				xs = append(xs, float64(s.Data[tt*18+c*9+i]))
			}
		}
		m := 0.0
		for _, x := range xs {
			m += x
		}
		m /= float64(len(xs))
		v := 0.0
		for _, x := range xs {
			v += (x - m) * (x - m)
		}
		sd := math.Sqrt(v / float64(len(xs)))
		if math.Abs(n.Mean[c]-m) > 1e-9 || math.Abs(n.Std[c]-sd) > 1e-9 {
			t.Errorf("channel %d: mean %v std %v, want %v %v", c, n.Mean[c], n.Std[c], m, sd)
		}
	}
	x := append([]float32(nil), s.Data...)
	n.Normalize(x, 9)
	if x[0] == s.Data[0] {
		t.Fatal("Normalize changed nothing")
	}
	n.Denormalize(x, 9)
	for i := range x {
		if math.Abs(float64(x[i]-s.Data[i])) > 1e-3 {
			t.Fatalf("round trip: %v → %v at %d", s.Data[i], x[i], i)
		}
	}
}

// Saved statistics load back equal; a file with the wrong channel count or a zero std is refused.
func TestNormSaveLoad(t *testing.T) {
	p := filepath.Join(t.TempDir(), "norm.json")
	n := Norm{Mean: []float64{0.5, -1e-3}, Std: []float64{2, 0.125}}
	if err := n.Save(p); err != nil {
		t.Fatal(err)
	}
	back, err := LoadNorm(p, 2)
	if err != nil || back.Mean[1] != n.Mean[1] || back.Std[0] != n.Std[0] {
		t.Fatalf("load: %+v, %v", back, err)
	}
	if _, err := LoadNorm(p, 3); err == nil {
		t.Error("3 channels accepted for a 2-channel file")
	}
	if err := (Norm{Mean: []float64{0}, Std: []float64{0}}).Validate(1); err == nil {
		t.Error("std 0 accepted")
	}
}
