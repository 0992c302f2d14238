package pushing

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Options size a generated data set. Zero values take the defaults named.
type Options struct {
	// Videos, Frames and Size: the number of videos, frames per video (≥ 2) and the frames' side in
	// pixels.
	Videos, Frames, Size int
	// Objects is the number of pushable objects per video (0 is allowed: the pusher alone).
	Objects int
	// Seed fixes everything: video v is drawn from the stream (Seed, v) alone, so it does not depend on
	// the number of videos.
	Seed uint64
	// PusherRadius is the pusher's radius in table units (0: DefaultPusherRadius); MaxStep bounds each
	// action component (0: DefaultMaxStep).
	PusherRadius, MaxStep float64
	// Plain gives every video a plain grey table and solid objects (for tests); otherwise tables and
	// objects draw their textures and colours at random.
	Plain bool
}

// Defaults of Options.
const (
	DefaultPusherRadius = 0.07
	DefaultMaxStep      = 0.05
	// ActionDim is the number of action components: the pusher's (dx, dy) per step.
	ActionDim = 2
	// MaxObjects bounds Options.Objects: more do not fit the table.
	MaxObjects = 12
)

// withDefaults fills in the defaults and checks the options.
func (o Options) withDefaults() (Options, error) {
	if o.PusherRadius == 0 {
		o.PusherRadius = DefaultPusherRadius
	}
	if o.MaxStep == 0 {
		o.MaxStep = DefaultMaxStep
	}
	switch {
	case o.Videos < 1:
		return o, fmt.Errorf("pushing: videos %d: expected ≥ 1", o.Videos)
	case o.Frames < 2:
		return o, fmt.Errorf("pushing: frames %d: expected ≥ 2 per video (one action between two frames)", o.Frames)
	case o.Size < 4 || o.Size > 1024:
		return o, fmt.Errorf("pushing: size %d: expected 4 to 1024 pixels", o.Size)
	case o.Objects < 0 || o.Objects > MaxObjects:
		return o, fmt.Errorf("pushing: objects %d: expected 0 to %d", o.Objects, MaxObjects)
	case !(o.PusherRadius > 0 && o.PusherRadius < 0.25):
		return o, fmt.Errorf("pushing: pusher radius %v: expected (0, 0.25) table units", o.PusherRadius)
	case !(o.MaxStep > 0 && o.MaxStep < 0.5):
		return o, fmt.Errorf("pushing: max step %v: expected (0, 0.5) table units", o.MaxStep)
	}
	return o, nil
}

// Videos is a generated data set in BAIR's layout: Frames [videos, frames, size, size, 3] RGB in
// [0, 1] (BAIR's uint8 images divided by 255, as the reference loads them) and Actions [videos,
// frames − 1, 2], row t the pusher's displacement from frame t to frame t + 1.
type Videos struct {
	Frames  []float32
	Actions []float32
	// Shape is [videos, frames, size, size, 3], ActionShape [videos, frames − 1, 2].
	Shape, ActionShape []int
}

// Bytes is the memory Generate needs for o, checked before allocating.
func Bytes(o Options) (int64, error) {
	o, err := o.withDefaults()
	if err != nil {
		return 0, err
	}
	per := int64(o.Frames)*int64(o.Size)*int64(o.Size)*3 + int64(o.Frames-1)*ActionDim
	if per > math.MaxInt64/4/int64(o.Videos) {
		return 0, fmt.Errorf("pushing: %d videos of %d frames of %d² pixels overflow", o.Videos, o.Frames, o.Size)
	}
	return 4 * per * int64(o.Videos), nil
}

// Generate renders o.Videos videos. The caller checks Bytes against the memory it has first.
func Generate(o Options) (*Videos, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	if _, err := Bytes(o); err != nil {
		return nil, err
	}
	V, T, N := o.Videos, o.Frames, o.Size
	fr, ac := N*N*3, ActionDim
	out := &Videos{Frames: make([]float32, V*T*fr), Actions: make([]float32, V*(T-1)*ac),
		Shape: []int{V, T, N, N, 3}, ActionShape: []int{V, T - 1, ac}}
	for v := range V {
		r := newRand(o.Seed, v)
		s := NewScene(r, o)
		p := NewPolicy(r, s)
		frames := out.Frames[v*T*fr : (v+1)*T*fr]
		if err := s.Render(N, frames[:fr]); err != nil {
			return nil, err
		}
		for t := 1; t < T; t++ {
			dx, dy := p.Next(s)
			ax, ay := s.Step(dx, dy)
			a := out.Actions[(v*(T-1)+t-1)*ac:]
			a[0], a[1] = float32(ax), float32(ay)
			if err := s.Render(N, frames[t*fr:(t+1)*fr]); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// palette are the objects' colours: saturated, and none close to the pusher's red.
var palette = [][3]float64{
	{0.15, 0.35, 0.85}, {0.15, 0.7, 0.25}, {0.95, 0.8, 0.1}, {0.55, 0.25, 0.75},
	{0.1, 0.75, 0.8}, {0.95, 0.55, 0.1}, {0.9, 0.9, 0.9}, {0.35, 0.25, 0.15},
}

// tableColours are the tables' base colours: muted greys and browns.
var tableColours = [][3]float64{{0.55, 0.55, 0.55}, {0.6, 0.48, 0.35}, {0.45, 0.5, 0.55}, {0.7, 0.68, 0.62}}

// PusherColour is the pusher's colour in every video: a red no object has.
var PusherColour = [3]float64{0.9, 0.1, 0.1}

// NewScene draws a scene: the table's look, the pusher somewhere on the table, and o.Objects objects
// (discs or boxes, 0.06 to 0.1 table units in size) placed without overlapping each other or the pusher
// where the table leaves room (a few hundred tries each).
func NewScene(r *rand.Rand, o Options) *Scene {
	s := &Scene{Table: Plain, TableColour: tableColours[0], MaxStep: o.MaxStep, PusherColour: PusherColour}
	if !o.Plain {
		s.Table = r.IntN(numTables)
		s.TableColour = tableColours[r.IntN(len(tableColours))]
		s.TableSeed = r.Uint64()
	}
	pr := o.PusherRadius
	s.Pusher = Body{Kind: Disc, X: pr + r.Float64()*(1-2*pr), Y: pr + r.Float64()*(1-2*pr), R: pr}
	for range o.Objects {
		ob := Object{Body: Body{Kind: r.IntN(2), R: 0.06 + 0.04*r.Float64()}, Colour: palette[r.IntN(len(palette))]}
		if !o.Plain {
			ob.Texture = r.IntN(numTextures)
		}
		for try := range 300 {
			ob.X = ob.R + r.Float64()*(1-2*ob.R)
			ob.Y = ob.R + r.Float64()*(1-2*ob.R)
			free := !Overlaps(s.Pusher, ob.Body)
			for _, q := range s.Objects {
				free = free && !Overlaps(q.Body, ob.Body)
			}
			if free || try == 299 {
				break
			}
		}
		s.Objects = append(s.Objects, ob)
	}
	return s
}

// Policy is the random smooth policy that drives the pusher: it heads for a target, with momentum and
// a little noise. Targets are mostly points just beyond an object, seen from the pusher (so that the
// pusher runs into it and pushes it), otherwise random points of the table; a new target is drawn when
// the pusher gets close or after 6 to 14 steps.
type Policy struct {
	r        *rand.Rand
	tx, ty   float64
	vx, vy   float64
	left     int
	maxSpeed float64
}

// NewPolicy starts a policy for scene s, drawing from r.
func NewPolicy(r *rand.Rand, s *Scene) *Policy {
	p := &Policy{r: r, maxSpeed: s.MaxStep}
	p.retarget(s)
	return p
}

// retarget draws the next target.
func (p *Policy) retarget(s *Scene) {
	p.left = 6 + p.r.IntN(9)
	if len(s.Objects) > 0 && p.r.Float64() < 0.7 {
		o := s.Objects[p.r.IntN(len(s.Objects))]
		dx, dy := o.X-s.Pusher.X, o.Y-s.Pusher.Y
		d := math.Max(math.Hypot(dx, dy), 1e-6)
		beyond := o.R + 0.1 + 0.1*p.r.Float64()
		p.tx, p.ty = o.X+dx/d*beyond, o.Y+dy/d*beyond
	} else {
		p.tx, p.ty = 0.1+0.8*p.r.Float64(), 0.1+0.8*p.r.Float64()
	}
	p.tx, p.ty = math.Min(math.Max(p.tx, 0.05), 0.95), math.Min(math.Max(p.ty, 0.05), 0.95)
}

// Next is the action of the next step: momentum toward the target plus noise, each component within
// the scene's MaxStep.
func (p *Policy) Next(s *Scene) (dx, dy float64) {
	ex, ey := p.tx-s.Pusher.X, p.ty-s.Pusher.Y
	if p.left--; p.left <= 0 || math.Hypot(ex, ey) < 0.03 {
		p.retarget(s)
		ex, ey = p.tx-s.Pusher.X, p.ty-s.Pusher.Y
	}
	m := p.maxSpeed
	p.vx = 0.6*p.vx + 0.4*math.Max(-m, math.Min(m, 0.5*ex)) + 0.15*m*p.r.NormFloat64()
	p.vy = 0.6*p.vy + 0.4*math.Max(-m, math.Min(m, 0.5*ey)) + 0.15*m*p.r.NormFloat64()
	p.vx, p.vy = math.Max(-m, math.Min(m, p.vx)), math.Max(-m, math.Min(m, p.vy))
	return p.vx, p.vy
}

// CHW reorders n RGB images [size, size, 3] (Videos.Frames, the BAIR layout: channels last) into
// [3, size, size] each, the layout of tidal's fields [channels, height, width].
func CHW(frames []float32, n, size int) []float32 {
	out := make([]float32, len(frames))
	P := size * size
	for i := range n {
		for p := range P {
			for k := range 3 {
				out[i*3*P+k*P+p] = frames[(i*P+p)*3+k]
			}
		}
	}
	return out
}
