package pushing

import (
	"math"
	"testing"
)

// TestGenerateDeterministic: the same seed gives the same videos, video v does not depend on the
// number of videos, and another seed differs.
func TestGenerateDeterministic(t *testing.T) {
	o := Options{Videos: 3, Frames: 6, Size: 16, Objects: 2, Seed: 5}
	a, err := Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Generate(o)
	if !equal(a.Frames, b.Frames) || !equal(a.Actions, b.Actions) {
		t.Fatal("two runs with one seed differ")
	}
	o.Videos = 1
	c, _ := Generate(o)
	if !equal(c.Frames, a.Frames[:len(c.Frames)]) || !equal(c.Actions, a.Actions[:len(c.Actions)]) {
		t.Error("video 0 depends on the number of videos")
	}
	o.Seed = 6
	d, _ := Generate(o)
	if equal(d.Frames, c.Frames) {
		t.Error("another seed gives the same video")
	}
	if want := []int{3, 6, 16, 16, 3}; !sameInts(a.Shape, want) || !sameInts(a.ActionShape, []int{3, 5, 2}) {
		t.Errorf("shapes %v and %v", a.Shape, a.ActionShape)
	}
}

// TestActionsMovePusherInFrames: in a plain video without objects, the centroid of the pusher's red
// pixels moves between frames by the recorded action (in pixels: the action times the size), within a
// small fraction of a pixel where the pusher is away from the edges.
func TestActionsMovePusherInFrames(t *testing.T) {
	const N = 32
	v, err := Generate(Options{Videos: 2, Frames: 12, Size: N, Plain: true, Seed: 3, PusherRadius: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	fr := N * N * 3
	for k := range 2 {
		for f := 0; f+1 < 12; f++ {
			x0, y0 := RedCentroid(v.Frames[(k*12+f)*fr:(k*12+f+1)*fr], N)
			x1, y1 := RedCentroid(v.Frames[(k*12+f+1)*fr:(k*12+f+2)*fr], N)
			a := v.Actions[(k*11+f)*2:]
			if math.Abs((x1-x0)-float64(a[0])*N) > 0.05 || math.Abs((y1-y0)-float64(a[1])*N) > 0.05 {
				t.Errorf("video %d frame %d: centroid moved (%.3f, %.3f) px, action (%.3f, %.3f) px", k, f, x1-x0, y1-y0, a[0]*N, a[1]*N)
			}
		}
	}
}

// TestPoliciesPush: with several objects the random policy moves some objects in most videos.
func TestPoliciesPush(t *testing.T) {
	pushed := 0
	for seed := range uint64(10) {
		o, _ := Options{Videos: 1, Frames: 30, Size: 16, Objects: 3, Seed: seed}.withDefaults()
		r := newRand(o.Seed, 0)
		s := NewScene(r, o)
		p := NewPolicy(r, s)
		start := append([]Object(nil), s.Objects...)
		for range 29 {
			s.Step(p.Next(s))
		}
		for i := range start {
			if start[i].Body != s.Objects[i].Body {
				pushed++
				break
			}
		}
	}
	if pushed < 6 {
		t.Errorf("objects moved in %d of 10 videos of 30 frames; the policy should push in most", pushed)
	}
}

// TestOptionsRefused: bad options are refused with an error, sizes are counted before allocating.
func TestOptionsRefused(t *testing.T) {
	for _, o := range []Options{{Videos: 0, Frames: 4, Size: 16}, {Videos: 1, Frames: 1, Size: 16}, {Videos: 1, Frames: 4, Size: 0},
		{Videos: 1, Frames: 4, Size: 16, Objects: -1}, {Videos: 1, Frames: 4, Size: 16, Objects: 99}, {Videos: 1, Frames: 4, Size: 16, MaxStep: -1}} {
		if _, err := Generate(o); err == nil {
			t.Errorf("options %+v accepted", o)
		}
	}
	n, err := Bytes(Options{Videos: 1 << 20, Frames: 1 << 10, Size: 1024})
	if err != nil || n < 1<<40 {
		t.Errorf("Bytes of a huge set: %d, %v", n, err)
	}
}

func sameInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
