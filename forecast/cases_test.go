package forecast

import (
	"testing"

	"github.com/tidal-forecast/tidal/data"
)

// ramp is a series whose frame k is filled with the value k, so every gathered frame tells where it came from.
func ramp(frames int, frame ...int) *data.Array {
	size := data.NumElements(frame)
	v := make([]float32, frames*size)
	for i := range v {
		v[i] = float32(i / size)
	}
	return data.FromFloat32(v, append([]int{frames}, frame...)...)
}

func TestEvenCases(t *testing.T) {
	c, err := EvenCases(20, 2, 5, 4)
	if err != nil {
		t.Fatal(err)
	}
	want := []int{2, 6, 10, 15} // first 2, last 20-5 = 15
	for i, s := range want {
		if c.Starts[i] != s {
			t.Fatalf("starts %v, want %v", c.Starts, want)
		}
	}
	for _, bad := range [][4]int{{6, 2, 5, 1}, {20, 0, 5, 1}, {20, 2, 0, 1}, {20, 2, 5, 0}} {
		if _, err := EvenCases(bad[0], bad[1], bad[2], bad[3]); err == nil {
			t.Errorf("EvenCases%v accepted", bad)
		}
	}
}

func TestTruthAndContextPickTheRightFrames(t *testing.T) {
	s := ramp(20, 1, 2, 3)
	c := Cases{Context: 2, Lead: 3, Starts: []int{2, 17}}
	tr, err := Truth(s, c)
	if err != nil {
		t.Fatal(err)
	}
	ctx, err := Context(s, c)
	if err != nil {
		t.Fatal(err)
	}
	if got := tr.Shape; len(got) != 5 || got[0] != 2 || got[1] != 3 || got[4] != 3 {
		t.Fatalf("truth shape %v", got)
	}
	// case 1 predicts frames 17, 18, 19 and observes 15, 16
	if tr.F32[3*6] != 17 || tr.F32[5*6+5] != 19 || ctx.F32[2*6] != 15 || ctx.F32[3*6+5] != 16 {
		t.Fatalf("wrong frames: truth %v context %v", tr.F32, ctx.F32)
	}
	if _, err := Truth(s, Cases{Context: 2, Lead: 4, Starts: []int{17}}); err == nil {
		t.Fatal("a case running past the end was accepted")
	}
}
