package pushing

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestStepMovesPusherByClippedAction: away from objects and edges the pusher moves by the action
// clipped to ±MaxStep, exactly, and the returned action is that displacement.
func TestStepMovesPusherByClippedAction(t *testing.T) {
	s := &Scene{Pusher: Body{Kind: Disc, X: 0.5, Y: 0.5, R: 0.07}, MaxStep: 0.05}
	for _, c := range []struct{ dx, dy, wx, wy float64 }{
		{0.01, -0.02, 0.01, -0.02}, {0.2, 0.03, 0.05, 0.03}, {-1, -1, -0.05, -0.05}, {math.NaN(), 0.01, 0, 0.01},
	} {
		x0, y0 := s.Pusher.X, s.Pusher.Y
		ax, ay := s.Step(c.dx, c.dy)
		if math.Abs(ax-c.wx) > 1e-15 || math.Abs(ay-c.wy) > 1e-15 || s.Pusher.X-x0 != ax || s.Pusher.Y-y0 != ay {
			t.Errorf("action (%v, %v): moved (%v, %v), returned (%v, %v); want (%v, %v)", c.dx, c.dy, s.Pusher.X-x0, s.Pusher.Y-y0, ax, ay, c.wx, c.wy)
		}
	}
}

// TestStepKeepsPusherOnTable: at the edge the pusher stops with its rim on the table's edge, and the
// returned action is the displacement it made.
func TestStepKeepsPusherOnTable(t *testing.T) {
	s := &Scene{Pusher: Body{Kind: Disc, X: 0.9, Y: 0.5, R: 0.07}, MaxStep: 0.05}
	ax, _ := s.Step(0.05, 0)
	if math.Abs(s.Pusher.X-0.93) > 1e-15 || math.Abs(ax-0.03) > 1e-15 {
		t.Fatalf("pusher at x %v after a step of %v, want 0.93 after 0.03", s.Pusher.X, ax)
	}
}

// TestUntouchedObjectDoesNotMove: an object the pusher never reaches keeps its position exactly.
func TestUntouchedObjectDoesNotMove(t *testing.T) {
	s := &Scene{Pusher: Body{Kind: Disc, X: 0.2, Y: 0.2, R: 0.07}, MaxStep: 0.05,
		Objects: []Object{{Body: Body{Kind: Box, X: 0.8, Y: 0.8, R: 0.08}}, {Body: Body{Kind: Disc, X: 0.2, Y: 0.8, R: 0.08}}}}
	for range 5 {
		s.Step(0.05, 0)
	}
	if o := s.Objects[0].Body; o.X != 0.8 || o.Y != 0.8 {
		t.Errorf("box moved to (%v, %v)", o.X, o.Y)
	}
	if o := s.Objects[1].Body; o.X != 0.2 || o.Y != 0.8 {
		t.Errorf("disc moved to (%v, %v)", o.X, o.Y)
	}
}

// TestPushDiscHeadOn: a disc pushed head-on moves by the pusher's displacement along the line of
// centres and ends touching it: centre distance exactly the sum of the radii.
func TestPushDiscHeadOn(t *testing.T) {
	s := &Scene{Pusher: Body{Kind: Disc, X: 0.3, Y: 0.5, R: 0.07}, MaxStep: 0.05,
		Objects: []Object{{Body: Body{Kind: Disc, X: 0.45, Y: 0.5, R: 0.08}}}}
	s.Step(0.05, 0) // pusher to 0.35: 0.1 from the object's centre, overlap 0.05
	o := s.Objects[0].Body
	if math.Abs(o.X-0.5) > 1e-12 || o.Y != 0.5 || math.Abs(o.X-s.Pusher.X-0.15) > 1e-12 {
		t.Fatalf("object at (%v, %v), pusher at %v; want the object at 0.5, touching", o.X, o.Y, s.Pusher.X)
	}
}

// TestPushBoxAndChain: a box pushed into a disc pushes the disc too; nothing overlaps afterwards.
func TestPushBoxAndChain(t *testing.T) {
	s := &Scene{Pusher: Body{Kind: Disc, X: 0.2, Y: 0.5, R: 0.07}, MaxStep: 0.05,
		Objects: []Object{{Body: Body{Kind: Box, X: 0.35, Y: 0.5, R: 0.08}}, {Body: Body{Kind: Disc, X: 0.52, Y: 0.5, R: 0.08}}}}
	for range 6 {
		s.Step(0.05, 0)
	}
	b, d := s.Objects[0].Body, s.Objects[1].Body
	if !(b.X > 0.35 && d.X > 0.52) {
		t.Errorf("box at %v and disc at %v: both should have moved right", b.X, d.X)
	}
	if math.Abs(b.Y-0.5) > 1e-12 || math.Abs(d.Y-0.5) > 1e-12 {
		t.Errorf("a head-on push moved the objects sideways: %v, %v", b.Y, d.Y)
	}
	noOverlaps(t, s)
}

// noOverlaps fails if the pusher overlaps an object by more than 1e-6 table units (a thousandth of a
// pixel at 64²; objects may jam, but the pusher never enters one) or an object left the table.
func noOverlaps(t *testing.T, s *Scene) {
	t.Helper()
	for i, o := range s.Objects {
		if dx, dy := overlap(s.Pusher, o.Body); math.Hypot(dx, dy) > 1e-6 {
			t.Fatalf("pusher %+v overlaps object %d %+v by %v", s.Pusher, i, o.Body, math.Hypot(dx, dy))
		}
		if o.X < o.R-1e-12 || o.X > 1-o.R+1e-12 || o.Y < o.R-1e-12 || o.Y > 1-o.R+1e-12 {
			t.Fatalf("object %d %+v left the table", i, o.Body)
		}
	}
}

// TestRandomPushesNeverOverlap drives crowded scenes with the random policy: after every step the
// pusher overlaps no object, every body stays on the table and the returned action is the pusher's
// displacement, within ±MaxStep.
func TestRandomPushesNeverOverlap(t *testing.T) {
	for seed := range uint64(20) {
		r := rand.New(rand.NewPCG(seed, 7))
		s := NewScene(r, Options{Objects: 6, PusherRadius: 0.07, MaxStep: 0.05})
		p := NewPolicy(r, s)
		for range 60 {
			x0, y0 := s.Pusher.X, s.Pusher.Y
			ax, ay := s.Step(p.Next(s))
			if s.Pusher.X-x0 != ax || s.Pusher.Y-y0 != ay || math.Abs(ax) > 0.05+1e-12 || math.Abs(ay) > 0.05+1e-12 {
				t.Fatalf("seed %d: action (%v, %v), moved (%v, %v)", seed, ax, ay, s.Pusher.X-x0, s.Pusher.Y-y0)
			}
			noOverlaps(t, s)
		}
	}
}

// TestOverlapGolden pins the minimum translation of each pair kind against hand-computed values.
func TestOverlapGolden(t *testing.T) {
	for _, c := range []struct {
		a, b   Body
		dx, dy float64
	}{
		{Body{Disc, 0, 0, 0.1}, Body{Disc, 0.15, 0, 0.1}, 0.05, 0},                                      // discs: along the centres
		{Body{Disc, 0, 0, 0.1}, Body{Disc, 0.3, 0, 0.1}, 0, 0},                                          // apart
		{Body{Disc, 0, 0, 0.1}, Body{Box, 0.15, 0, 0.1}, 0.05, 0},                                       // disc into a box face
		{Body{Disc, 0, 0, 0.1}, Body{Box, 0.13, 0.13, 0.1}, 0.040710678118654752, 0.040710678118654752}, // into a corner: (0.1 − 0.03√2)/√2 each
		{Body{Box, 0, 0, 0.1}, Body{Box, 0.15, 0.02, 0.1}, 0.05, 0},                                     // boxes: least-overlap axis
		{Body{Box, 0, 0, 0.1}, Body{Disc, 0, 0.18, 0.1}, 0, 0.02},                                       // box pushes a disc
	} {
		dx, dy := overlap(c.a, c.b)
		if math.Abs(dx-c.dx) > 1e-12 || math.Abs(dy-c.dy) > 1e-12 {
			t.Errorf("overlap(%+v, %+v) = (%v, %v), want (%v, %v)", c.a, c.b, dx, dy, c.dx, c.dy)
		}
	}
}
