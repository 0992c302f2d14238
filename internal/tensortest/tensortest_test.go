package tensortest

import "testing"

func TestRoundTripAndComparisons(t *testing.T) {
	vals := []float64{0.5, -2, 3.25, 1e-3}
	got := Float64s(Float32(vals, 2, 2))
	if MaxAbsDiff(got, vals) > 1e-9 {
		t.Fatalf("round trip %v -> %v", vals, got)
	}
	if !CloseRel(1.0001, 1, 2e-4) || CloseRel(1.001, 1, 2e-4) {
		t.Fatal("CloseRel")
	}
	if MaxAbsDiff([]float64{1, 5}, []float64{2, 1}) != 4 {
		t.Fatal("MaxAbsDiff")
	}
	if Backend(t) != Backend(t) {
		t.Fatal("Backend should be shared")
	}
}
