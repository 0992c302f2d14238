package metrics

import (
	"math"
	"testing"
)

// TestCSIByHand: a 1×4 field, threshold 1, two members. Truth events at cells 0, 1; member 0 forecasts
// events at 1, 2 (1 hit, 1 false alarm, 1 miss), member 1 at 0, 1 (2 hits): CSI = 3 / (3 + 1 + 1).
// The ensemble mean (0.5, 2, 0.5, 0) has an event at 1 only: CSI = 1/2.
func TestCSIByHand(t *testing.T) {
	f, _ := NewEnsemble([]float64{0, 2, 1, 0, 1, 2, 0, 0}, []int{1, 2, 1, 1, 4}, DefaultLayout)
	o, _ := NewTruth([]float64{3, 1, 0, 0}, []int{1, 1, 1, 4}, DefaultLayout)
	r, err := CSI(f, o, EventOptions{Threshold: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !near(r.Pooled, 3.0/5, 1e-15) {
		t.Fatalf("CSI %v, want 0.6", r.Pooled)
	}
	r, _ = CSI(f, o, EventOptions{Threshold: 1, EnsembleMean: true})
	if !near(r.Pooled, 1.0/2, 1e-15) {
		t.Fatalf("CSI of the mean %v, want 1/2", r.Pooled)
	}
	r, _ = CSI(f, o, EventOptions{Threshold: 10})
	if !math.IsNaN(r.Pooled) {
		t.Fatalf("CSI with no events %v, want NaN", r.Pooled)
	}
}

// TestFSSLimits: a perfect forecast has FSS 1 at every window; a forecast whose events never overlap the
// truth's has FSS 0 at window 1 and gains skill as the window grows past the displacement.
func TestFSSLimits(t *testing.T) {
	const h, w = 12, 12
	truth := make([]float64, h*w)
	shifted := make([]float64, h*w)
	truth[5*w+4] = 1
	shifted[5*w+6] = 1 // two cells to the right
	o, _ := NewTruth(truth, []int{1, 1, h, w}, DefaultLayout)
	same, _ := NewEnsemble(truth, []int{1, 1, 1, h, w}, DefaultLayout)
	off, _ := NewEnsemble(shifted, []int{1, 1, 1, h, w}, DefaultLayout)
	prev := -1.0
	for _, k := range []int{1, 3, 5, 7} {
		r, err := FSS(same, o, EventOptions{Threshold: 0.5, Window: k})
		if err != nil || !near(r.Pooled, 1, 1e-15) {
			t.Fatalf("perfect forecast, window %d: %v %v", k, r.Pooled, err)
		}
		r, _ = FSS(off, o, EventOptions{Threshold: 0.5, Window: k})
		if k == 1 && r.Pooled != 0 {
			t.Fatalf("displaced forecast, window 1: FSS %v, want 0", r.Pooled)
		}
		if r.Pooled <= prev && k > 3 {
			t.Fatalf("FSS does not grow with the window: %v after %v", r.Pooled, prev)
		}
		prev = r.Pooled
	}
}
