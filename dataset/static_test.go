package dataset

import (
	"math"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
)

// NewStatic takes [S, H, W] or [H, W] (one channel); Norm is each channel's mean and population std
// (1 for a constant channel); Normalized maps them to mean 0 and std 1; NaN, ±Inf and other ranks are
// refused naming the place; Save and LoadStatic round-trip and LoadStatic checks the recorded shape.
func TestStatic(t *testing.T) {
	s, err := NewStatic("f", data.FromFloat64([]float64{1, 2, 3, 4, 5, 5, 5, 5}, 2, 2, 2))
	if err != nil {
		t.Fatal(err)
	}
	n := s.Norm()
	if n.Mean[0] != 2.5 || math.Abs(n.Std[0]-math.Sqrt(1.25)) > 1e-12 || n.Mean[1] != 5 || n.Std[1] != 1 {
		t.Errorf("norm %+v, want means 2.5, 5 and stds √1.25, 1", n)
	}
	v := s.Normalized(n)
	for i, want := range []float64{-1.5, -0.5, 0.5, 1.5} {
		if math.Abs(float64(v[i])-want/math.Sqrt(1.25)) > 1e-6 {
			t.Errorf("normalised[%d] = %v, want %v", i, v[i], want/math.Sqrt(1.25))
		}
	}
	if v[4] != 0 {
		t.Errorf("a constant channel normalises to %v, want 0", v[4])
	}
	if c := s.Config(); c.Channels != 2 || c.Validate() != nil {
		t.Errorf("config %+v: %v", c, c.Validate())
	}
	one, err := NewStatic("g", data.FromFloat32(make([]float32, 6), 2, 3))
	if err != nil || one.Channels != 1 || one.Height != 2 || one.Width != 3 {
		t.Errorf("[H, W]: %+v, %v", one, err)
	}
	if err := one.CheckGrid("g", 2, 4); err == nil || !strings.Contains(err.Error(), "2×3") || !strings.Contains(err.Error(), "2×4") {
		t.Errorf("CheckGrid: %v", err)
	}
	bad := []float32{1, 2, 3, float32(math.Inf(1))}
	if _, err := NewStatic("h", data.FromFloat32(bad, 1, 2, 2)); err == nil || !strings.Contains(err.Error(), "row 1, column 1") {
		t.Errorf("+Inf: %v", err)
	}
	if _, err := NewStatic("h", data.FromFloat32(make([]float32, 8), 2, 2, 2, 1)); err == nil || !strings.Contains(err.Error(), "[S, H, W]") {
		t.Errorf("rank 4: %v", err)
	}
	dir := t.TempDir()
	if err := s.Save(dir); err != nil {
		t.Fatal(err)
	}
	back, err := LoadStatic(dir, 2, 2, 2)
	if err != nil || !back.Equal(s) {
		t.Errorf("round trip: %v", err)
	}
	if _, err := LoadStatic(dir, 3, 2, 2); err == nil || !strings.Contains(err.Error(), "[3, 2, 2]") {
		t.Errorf("other recorded shape: %v", err)
	}
	if _, err := LoadStatic(t.TempDir(), 1, 2, 2); err == nil || !strings.Contains(err.Error(), StaticFile) {
		t.Errorf("missing file: %v", err)
	}
}
