package metrics

import "testing"

// TestDrift checks the spatial mean, running mean and linear trend on a rollout with a known drift.
func TestDrift(t *testing.T) {
	const nt, np = 50, 8
	frames := make([]float64, nt*np)
	for n := 0; n < nt; n++ {
		for p := 0; p < np; p++ {
			frames[n*np+p] = 0.3*float64(n) + 2 + float64(p%2*2-1) // ±1 around the trend
		}
	}
	m, err := SpatialMean(frames, nt, nil)
	if err != nil || !near(m[10], 5, 1e-14) {
		t.Fatalf("spatial mean %v %v", m, err)
	}
	r, _ := RunningMean(m, 5)
	if len(r) != nt-4 || !near(r[0], 2.6, 1e-14) {
		t.Fatalf("running mean %v", r)
	}
	slope, icept, err := LinearTrend(m)
	if err != nil || !near(slope, 0.3, 1e-12) || !near(icept, 2, 1e-12) {
		t.Fatalf("trend %v %v %v", slope, icept, err)
	}
}
