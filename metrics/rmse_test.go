package metrics

import (
	"math"
	"testing"
)

// TestRMSEAndBiasByHand: two cases, two members, one lead, two points with weights 1.5 and 0.5.
// Case 0: members (1, 3) and (0, 0) → mean (2, 0); truth (4, 1) → errors (2, 1).
// Case 1: members (0, 0) and (2, 2) → mean (0, 2); truth (0, 2) → errors (0, 0).
func TestRMSEAndBiasByHand(t *testing.T) {
	f, _ := NewEnsemble([]float64{1, 0, 3, 0, 0, 2, 0, 2}, []int{2, 2, 1, 2}, DefaultLayout)
	o, _ := NewTruth([]float64{4, 1, 0, 2}, []int{2, 1, 2}, DefaultLayout)
	w, _ := PointWeights([]int{2}, []float64{3, 1}, []int{2})
	r, err := RMSE(f, o, w)
	if err != nil {
		t.Fatal(err)
	}
	want := (math.Sqrt((1.5*4+0.5*1)/2) + 0) / 2
	if !near(r[0], want, 1e-15) {
		t.Fatalf("RMSE %v, want %v", r[0], want)
	}
	b, err := BiasMaps(f, o, w)
	if err != nil {
		t.Fatal(err)
	}
	// bias map = mean over cases of truth − mean: (1, 0.5)
	if !near(b.Maps[0][0], 1, 1e-15) || !near(b.Maps[0][1], 0.5, 1e-15) {
		t.Fatalf("bias map %v", b.Maps[0])
	}
	if !near(b.Mean[0], (1.5*1+0.5*0.5)/2, 1e-15) || !near(b.MeanAbs[0], b.Mean[0], 1e-15) {
		t.Fatalf("bias %v, mean abs %v", b.Mean[0], b.MeanAbs[0])
	}
}
