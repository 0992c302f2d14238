package forecast

import (
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/guard"
)

// Run's persistence on a two-channel series is the last observed frame of each case for every member
// and lead, and its truth the frames the case predicts (element by element); a random walk without
// TrainRows fits its scale on the rows before the first case: the same draws as with TrainRows set to it.
func TestBaselineRun(t *testing.T) {
	const T, C = 12, 2
	v := make([]float32, T*C)
	for i := range v {
		v[i] = float32(i/C*10 + i%C*1000) // frame f, channel c: 10 f + 1000 c
	}
	series := data.FromFloat32(v, T, C)
	r := BaselineRun{Baseline: Baseline{Method: "persistence", Members: 2}, Cases: Cases{Context: 3, Lead: 2, Starts: []int{3, 9}}, Truth: true}
	fc, truth, err := r.Run(series)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(fc.Shape, []int{2, 2, 2, C}) || !slices.Equal(truth.Shape, []int{2, 2, C}) {
		t.Fatalf("shapes %v and %v", fc.Shape, truth.Shape)
	}
	for b, s := range r.Cases.Starts {
		for m := range 2 {
			for h := range 2 {
				for c := range C {
					if got, want := fc.Float32()[((b*2+m)*2+h)*C+c], float32((s-1)*10+c*1000); got != want {
						t.Errorf("case %d member %d lead %d channel %d: %v, want the last observed %v", b, m, h, c, got, want)
					}
				}
			}
		}
		for h := range 2 {
			for c := range C {
				if got, want := truth.Float32()[(b*2+h)*C+c], float32((s+h)*10+c*1000); got != want {
					t.Errorf("truth of case %d lead %d channel %d: %v, want %v", b, h, c, got, want)
				}
			}
		}
	}
	r.Truth = false
	if _, truth, err := r.Run(series); err != nil || truth != nil {
		t.Errorf("without Truth: %v, %v; want no truth", truth, err)
	}
	rw := BaselineRun{Baseline: Baseline{Method: "random-walk", Members: 3, Seed: 4}, Cases: Cases{Context: 1, Lead: 2, Starts: []int{9, 6}}}
	a, _, err := rw.Run(series)
	if err != nil {
		t.Fatal(err)
	}
	rw.TrainRows = 6
	b, _, err := rw.Run(series)
	if err != nil || !slices.Equal(a.Float32(), b.Float32()) {
		t.Errorf("random walk without TrainRows differs from TrainRows 6, the first case's start (%v)", err)
	}
	for _, x := range a.Float32() {
		if math.IsNaN(float64(x)) {
			t.Fatal("NaN in the random walk")
		}
	}
}

// CheckSize asks for exactly the bytes counted here by hand: that many pass, one less is refused.
func TestBaselineCheckSize(t *testing.T) {
	r := BaselineRun{Baseline: Baseline{Method: "persistence", Members: 4}, Cases: Cases{Context: 3, Lead: 5, Starts: []int{3, 4}}}
	const F, held = 6, 100
	for _, c := range []struct {
		truth     bool
		s         BaselineSize
		mem, disk int64
	}{
		{false, BaselineSize{Unit: "cases", Frame: "frame [2 3]", FrameElems: F, Held: held, Context: true}, held + 2*4*5*F*4 + 2*3*F*4, 2 * 4 * 5 * F * 4},
		{true, BaselineSize{Unit: "cases", Frame: "frame [2 3]", FrameElems: F, Held: held, Context: true}, held + 2*4*5*F*4 + 2*5*F*4 + 2*3*F*4, 2*4*5*F*4 + 2*5*F*4},
		{false, BaselineSize{Unit: "windows", Frame: "6 series", FrameElems: F, Held: held, TruthAlways: true}, held + 2*4*5*F*4 + 2*5*F*4, 2*4*5*F*4 + 2*5*F*4},
	} {
		r.Truth = c.truth
		out := filepath.Join(t.TempDir(), "b.npy")
		if err := r.CheckSize(guard.Budget{Memory: c.mem, Disk: c.disk}, out, c.s); err != nil {
			t.Errorf("%+v: exactly %d and %d bytes refused: %v", c.s, c.mem, c.disk, err)
		}
		want := "a persistence forecast [2 " + c.s.Unit + ", 4 members, 5 lead, " + c.s.Frame + "] float32 needs"
		if err := r.CheckSize(guard.Budget{Memory: c.mem - 1, Disk: c.disk}, out, c.s); err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%+v: one byte of memory short: %v, want %q", c.s, err, want)
		}
		if err := r.CheckSize(guard.Budget{Memory: c.mem, Disk: c.disk - 1}, out, c.s); err == nil || !strings.Contains(err.Error(), "would write") {
			t.Errorf("%+v: one byte of disk short: %v", c.s, err)
		}
	}
}
