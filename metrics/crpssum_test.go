package metrics

import (
	"math"
	"testing"
)

// TestQuantileMatchesNumPy checks linear-interpolation quantiles against values numpy.quantile gives for
// [1, 2, 4, 8] (hand-checked: h = 3q).
func TestQuantileMatchesNumPy(t *testing.T) {
	x := []float64{1, 2, 4, 8}
	for q, want := range map[float64]float64{0.05: 1.15, 0.5: 3, 0.9: 6.8, 0.95: 7.4, 1: 8} {
		if got := Quantile(x, q); !near(got, want, 1e-12) {
			t.Errorf("q=%v: %v, want %v", q, got, want)
		}
	}
}

// TestCRPSSumByHand: one case, one lead, a field of two series, three members. The sums are s = {3, 5, 10}
// and z = 6, so crps-sum = CRPS({3,5,10}, 6) / 6, and the quantile form is the mean quantile loss / 6.
func TestCRPSSumByHand(t *testing.T) {
	f, _ := NewEnsemble([]float64{1, 2, 2, 3, 4, 6}, []int{1, 3, 1, 2}, DefaultLayout)
	o, _ := NewTruth([]float64{2, 4}, []int{1, 1, 2}, DefaultLayout)
	r, err := CRPSSum(f, o, Empirical)
	if err != nil {
		t.Fatal(err)
	}
	want := pairwiseCRPS([]float64{3, 5, 10}, 6, false) / 6
	if !near(r.Pooled, want, 1e-14) || !near(r.PerLead[0], want, 1e-14) {
		t.Fatalf("crps-sum %+v, want %v", r, want)
	}
	q, err := CRPSSumQuantile(f, o, []float64{0.5})
	if err != nil {
		t.Fatal(err)
	}
	// median of {3,5,10} is 5 < z = 6: loss 2·|(5−6)(0−0.5)| = 1
	if !near(q.Pooled, 1.0/6, 1e-14) {
		t.Fatalf("crps-sum-ql at the median: %v, want 1/6", q.Pooled)
	}
	// The quantile form converges to the ensemble form as the quantile grid refines, for a large ensemble
	// (here both estimate the same integral; 0.5% is the grid's discretisation error at 999 levels).
	n := 4001
	vals := make([]float64, n)
	for i := range vals {
		vals[i] = math.Sqrt(float64(i)) // an arbitrary skewed ensemble
	}
	big, _ := NewEnsemble(vals, []int{1, n, 1}, DefaultLayout)
	y, _ := NewTruth([]float64{30}, []int{1, 1}, DefaultLayout)
	fine := make([]float64, 999)
	for i := range fine {
		fine[i] = float64(i+1) / 1000
	}
	e, _ := CRPSSum(big, y, Empirical)
	ql, _ := CRPSSumQuantile(big, y, fine)
	if math.Abs(ql.Pooled-e.Pooled) > 0.005*e.Pooled {
		t.Fatalf("fine quantile grid %v vs ensemble %v", ql.Pooled, e.Pooled)
	}
	if _, err := CRPSSumQuantile(f, o, []float64{1.5}); err == nil {
		t.Fatal("quantile 1.5 accepted")
	}
}
