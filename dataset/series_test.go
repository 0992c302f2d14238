package dataset

import (
	"math"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
)

func TestRejects(t *testing.T) {
	nan := data.FromFloat32([]float32{1, 2, float32(math.NaN()), 4}, 2, 2)
	if _, err := FromArray("x.npy", nan); err == nil || !strings.Contains(err.Error(), "frame 1") {
		t.Errorf("NaN: %v", err)
	}
	if _, err := FromArray("x.npy", data.FromFloat32(make([]float32, 8), 2, 2, 2)); err == nil || !strings.Contains(err.Error(), "x.npy") {
		t.Errorf("rank 3: %v", err)
	}
	ss := []Series{field("a", 5, 1, 2, 2, 0), field("b", 5, 1, 2, 3, 0)}
	if _, _, _, err := Split(ss, Options{Frames: 2}); err == nil || !strings.Contains(err.Error(), "b") {
		t.Errorf("mismatched frames: %v", err)
	}
	if _, _, _, err := Split(ss[:1], Options{Frames: 6}); err == nil {
		t.Error("window longer than the series accepted")
	}
	if _, _, _, err := Split(ss[:1], Options{Frames: 1, Crop: []int{3, 1}}); err == nil {
		t.Error("crop taller than the grid accepted")
	}
}
