// Package pushing is a procedural robot-pushing video generator in the manner of the BAIR robot
// pushing data set (Ebert et al. 2017) that Dynamical Diffusion (Guo et al. 2025, §5 "BAIR" and
// "RoboNet") forecasts with actions: a table seen from above, a pusher (the gripper's tip) that moves by
// a 2D action each step, and objects (discs and boxes of several colours and textures) that the pusher
// shoves kinematically. Everything is deterministic from a seed; frames are rendered anti-aliased in RGB.
//
// Coordinates are table units: the table is the square [0, 1]², x to the right, y down (image rows).
// An action is the pusher's displacement (dx, dy) in table units during one step (docs/VIDEO.md).
package pushing

import (
	"fmt"
	"math"
)

// Shape kinds of a Body.
const (
	Disc = iota // a disc of radius R
	Box         // an axis-aligned square of half-side R
)

// Body is a rigid shape on the table: a Disc of radius R or an axis-aligned Box of half-side R,
// centred at (X, Y).
type Body struct {
	Kind int
	X, Y float64
	R    float64
}

// Object is a pushable body with its look.
type Object struct {
	Body
	// Colour is the object's RGB colour in [0, 1], Texture its pattern (Solid, Stripes, Checks, Ring).
	Colour  [3]float64
	Texture int
}

// Scene is the state of one video: the table's texture, the pusher and the objects.
type Scene struct {
	// Table is the table's texture (Plain, Wood, Checker, Speckle), TableColour its base colour and
	// TableSeed the seed of its speckle pattern.
	Table       int
	TableColour [3]float64
	TableSeed   uint64
	// Pusher is the gripper's tip: a Disc. PusherColour is its colour.
	Pusher       Body
	PusherColour [3]float64
	Objects      []Object
	// MaxStep bounds each action component (table units per step): larger ones are clipped.
	MaxStep float64
}

// Validate names the first thing wrong with the scene: bodies off the table or of non-positive size,
// a non-positive MaxStep or non-finite values.
func (s *Scene) Validate() error {
	ok := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	if !(s.MaxStep > 0) || !ok(s.MaxStep) {
		return fmt.Errorf("pushing: max step %v: expected a finite value > 0", s.MaxStep)
	}
	bodies := append([]Body{s.Pusher}, make([]Body, 0, len(s.Objects))...)
	for _, o := range s.Objects {
		bodies = append(bodies, o.Body)
	}
	for i, b := range bodies {
		if !ok(b.X) || !ok(b.Y) || !(b.R > 0) || b.R >= 0.5 || (b.Kind != Disc && b.Kind != Box) {
			return fmt.Errorf("pushing: body %d %+v: expected a disc or box of size in (0, 0.5) at a finite position", i, b)
		}
	}
	return nil
}

// overlap is the smallest translation that moves b out of a (zero when they do not overlap): the
// minimum translation vector along the contact normal, for any pair of discs and boxes.
func overlap(a, b Body) (dx, dy float64) {
	switch {
	case a.Kind == Disc && b.Kind == Disc:
		return discDisc(a, b)
	case a.Kind == Box && b.Kind == Box:
		return boxBox(a, b)
	case a.Kind == Disc: // b a box: push the box away from the disc
		return discBox(a, b)
	default: // a a box, b a disc: the disc moves out of the box, the opposite of the box moving out of the disc
		dx, dy = discBox(b, a)
		return -dx, -dy
	}
}

// discDisc separates disc b from disc a along the line of centres.
func discDisc(a, b Body) (float64, float64) {
	dx, dy := b.X-a.X, b.Y-a.Y
	d := math.Hypot(dx, dy)
	pen := a.R + b.R - d
	if pen <= 0 {
		return 0, 0
	}
	if d < 1e-12 { // concentric: any direction is a normal; take +x
		return pen, 0
	}
	return dx / d * pen, dy / d * pen
}

// discBox moves box b out of disc a: along the normal from the disc's centre to the box's nearest
// point, or, when the disc's centre lies inside the box, along the axis of least penetration.
func discBox(a, b Body) (float64, float64) {
	qx := math.Max(b.X-b.R, math.Min(a.X, b.X+b.R)) // the box's point nearest the disc's centre
	qy := math.Max(b.Y-b.R, math.Min(a.Y, b.Y+b.R))
	dx, dy := qx-a.X, qy-a.Y
	d := math.Hypot(dx, dy)
	if d > 1e-12 {
		pen := a.R - d
		if pen <= 0 {
			return 0, 0
		}
		return dx / d * pen, dy / d * pen
	}
	// The disc's centre is inside the box: leave through the nearest face, by that face's distance
	// plus the radius.
	ox, oy := b.X-a.X, b.Y-a.Y
	px, py := b.R-math.Abs(ox)+a.R, b.R-math.Abs(oy)+a.R
	if px <= py {
		return math.Copysign(px, sign(ox)), 0
	}
	return 0, math.Copysign(py, sign(oy))
}

// boxBox separates axis-aligned box b from box a along the axis of least overlap.
func boxBox(a, b Body) (float64, float64) {
	ox, oy := b.X-a.X, b.Y-a.Y
	px, py := a.R+b.R-math.Abs(ox), a.R+b.R-math.Abs(oy)
	if px <= 0 || py <= 0 {
		return 0, 0
	}
	if px <= py {
		return math.Copysign(px, sign(ox)), 0
	}
	return 0, math.Copysign(py, sign(oy))
}

// sign is +1 for v ≥ 0, else −1 (so that coincident centres still separate).
func sign(v float64) float64 {
	if v < 0 {
		return -1
	}
	return 1
}

// clampToTable keeps the body wholly on the table.
func clampToTable(b *Body) {
	b.X = math.Min(math.Max(b.X, b.R), 1-b.R)
	b.Y = math.Min(math.Max(b.Y, b.R), 1-b.R)
}

// contactEps is the overlap, in table units, below which bodies count as touching, not overlapping.
const contactEps = 1e-9

// Overlaps says whether bodies a and b interpenetrate by more than a rounding error.
func Overlaps(a, b Body) bool {
	dx, dy := overlap(a, b)
	return math.Hypot(dx, dy) > 1e-7
}

// Step applies action (dx, dy) and returns the displacement the pusher actually made (what a video
// records as the step's action). Each component is clipped to ±MaxStep and the pusher stays on the
// table; objects it touches are pushed out along the contact normal (kinematically: no inertia, no
// friction), objects pushed into objects push them in turn, objects stay on the table, and where an
// object is jammed against the table's edge the pusher stops at contact instead. Objects the pusher
// never reaches do not move.
func (s *Scene) Step(dx, dy float64) (ax, ay float64) {
	clip := func(v float64) float64 {
		if math.IsNaN(v) {
			return 0
		}
		return math.Max(-s.MaxStep, math.Min(s.MaxStep, v))
	}
	x0, y0 := s.Pusher.X, s.Pusher.Y
	s.Pusher.X += clip(dx)
	s.Pusher.Y += clip(dy)
	clampToTable(&s.Pusher)
	for range 16 {
		moved := false
		for i := range s.Objects {
			o := &s.Objects[i].Body
			if mx, my := overlap(s.Pusher, *o); mx != 0 || my != 0 {
				o.X += mx
				o.Y += my
				clampToTable(o)
				moved = true
			}
		}
		for i := range s.Objects {
			for j := i + 1; j < len(s.Objects); j++ {
				a, b := &s.Objects[i].Body, &s.Objects[j].Body
				if mx, my := overlap(*a, *b); math.Hypot(mx, my) > contactEps {
					a.X, a.Y = a.X-mx/2, a.Y-my/2
					b.X, b.Y = b.X+mx/2, b.Y+my/2
					clampToTable(a)
					clampToTable(b)
					moved = true
				}
			}
		}
		if !moved {
			break
		}
	}
	// Objects that could not make way (jammed against the edge or each other) stop the pusher.
	s.shove()
	if math.Abs(s.Pusher.X-x0) > s.MaxStep+1e-12 || math.Abs(s.Pusher.Y-y0) > s.MaxStep+1e-12 {
		// A jam shoved the pusher back past where it started: it stays where it was instead.
		s.Pusher.X, s.Pusher.Y = x0, y0
		s.shove()
	}
	return s.Pusher.X - x0, s.Pusher.Y - y0
}

// shove moves the pusher out of the objects it overlaps.
func (s *Scene) shove() {
	for range 64 {
		blocked := false
		for _, o := range s.Objects {
			if mx, my := overlap(o.Body, s.Pusher); math.Hypot(mx, my) > contactEps {
				s.Pusher.X += mx
				s.Pusher.Y += my
				clampToTable(&s.Pusher)
				blocked = true
			}
		}
		if !blocked {
			return
		}
	}
}
