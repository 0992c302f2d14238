package unetstep

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
)

// TestUNetStep checks the step of the tests and benchmark: its random weights make the network matter
// (the output is not x_t plus noise, as it would be with the zero-initialised output convolution), a
// call is a function of the history and the frame index only, and the noise changes with the frame.
func TestUNetStep(t *testing.T) {
	cfg := Config{Members: 2, Channels: 1, Height: 8, Width: 8, History: 2, Width0: 4, Seed: 3}
	s, err := New(tensortest.Backend(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n := 2 * 64
	h := [][]float32{make([]float32, n), make([]float32, n)}
	for i := range h[1] {
		h[1][i] = float32(i%9)/9 - 0.5
	}
	a, err := s.Step(context.Background(), h, 7)
	if err != nil {
		t.Fatal(err)
	}
	var moved float64
	for i := range a {
		if math.IsNaN(float64(a[i])) {
			t.Fatal("NaN in the step's output")
		}
		moved = math.Max(moved, math.Abs(float64(a[i]-h[1][i])))
	}
	if moved < 1e-3 {
		t.Fatalf("the network changes x_t by at most %g: its weights are not random", moved)
	}
	b, _ := s.Step(context.Background(), h, 7)
	if !slices.Equal(a, b) {
		t.Fatal("two calls with the same history and frame differ")
	}
	s.cfg.Noise = 1
	c, _ := s.Step(context.Background(), h, 7)
	d, _ := s.Step(context.Background(), h, 8)
	if slices.Equal(c, d) {
		t.Fatal("the noise does not depend on the frame index")
	}
	if _, err := New(tensortest.Backend(t), Config{Members: 1}); err == nil {
		t.Fatal("a zero-sized step was accepted")
	}
}
