package metrics

import (
	"strings"
	"testing"
)

// TestPointWeights checks row weights, full-map weights and their normalisation.
func TestPointWeights(t *testing.T) {
	w, err := PointWeights([]int{2, 3, 2}, []float64{1, 2, 3}, []int{3})
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{0.5, 0.5, 1, 1, 1.5, 1.5, 0.5, 0.5, 1, 1, 1.5, 1.5}
	for i := range want {
		if !near(w[i], want[i], 1e-15) {
			t.Fatalf("row weights %v, want %v", w, want)
		}
	}
	if _, err := PointWeights([]int{3, 2}, []float64{1, 2}, []int{2}); err != nil {
		// [2] matches the trailing axis (columns) of [3, 2] but not the rows: accepted as a trailing map.
		t.Fatal(err)
	}
	if _, err := PointWeights([]int{3, 4}, []float64{1, 2}, []int{2}); err == nil || !strings.Contains(err.Error(), "one weight per row") {
		t.Errorf("bad weights: %v", err)
	}
	if _, err := PointWeights([]int{2}, []float64{1, -1}, []int{2}); err == nil {
		t.Error("negative weight accepted")
	}
	lat, err := LatitudeWeights([]float64{-60, 0, 60})
	if err != nil || !near(lat[0], 0.5/(2.0/3), 1e-12) || !near(lat[1], 1/(2.0/3), 1e-12) {
		t.Fatalf("latitude weights %v %v", lat, err)
	}
}
