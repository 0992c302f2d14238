// Package dataset turns series of frames on disk into the training examples of tidal's networks:
// windows of k consecutive frames, split into training and validation parts by time, normalised per
// channel with statistics of the training part, drawn in a shuffled order fixed by a seed (docs/TRAINING.md).
//
// A series is either a field series [T, C, H, W] (T frames of C channels on an H×W grid) or a
// multivariate time series [T, N] (N variables, each its own channel).
package dataset

import (
	"fmt"
	"math"

	"github.com/tidal-forecast/tidal/data"
)

// MaxElements bounds the values a series may hold (2³¹, 8 GiB of float32), checked before copying.
const MaxElements = 1 << 31

// Series is one series of frames: Shape is [T, C, H, W] or [T, N]; Data holds the float32 values in C order.
type Series struct {
	Name  string
	Shape []int
	Data  []float32
	// Actions, when ActionDim > 0, holds ActionDim values per frame, [T, ActionDim]: row f is the
	// action that led into frame f (zeros for the first frame), the padded layout of the reference's
	// action-conditioned video data (PadActions). Windows then carry their frames' rows.
	Actions   []float32
	ActionDim int
}

// Frames is T, the number of frames.
func (s Series) Frames() int { return s.Shape[0] }

// FrameShape is the shape of one frame: [C, H, W] or [N].
func (s Series) FrameShape() []int { return s.Shape[1:] }

// FrameSize is the number of values in one frame.
func (s Series) FrameSize() int { return data.NumElements(s.Shape[1:]) }

// Channels is C for a field series and N for a time series.
func (s Series) Channels() int { return s.Shape[1] }

// FromArray checks an array read from name (rank 2 or 4, every value finite, at least one frame) and
// converts it to a float32 Series. Its values are copied, so the array may be reused.
func FromArray(name string, a *data.Array) (Series, error) {
	return fromArray(name, a, true)
}

// TakeArray is FromArray without the copy where the array already holds float32 values: the series
// takes them over, and the caller must not use the array again. Training reads its data this way, so
// that a run holds one copy of the training data, not two (docs/PERFORMANCE.md, "Memory").
func TakeArray(name string, a *data.Array) (Series, error) {
	return fromArray(name, a, false)
}

func fromArray(name string, a *data.Array, copyValues bool) (Series, error) {
	if a == nil {
		return Series{}, fmt.Errorf("%s: no array", name)
	}
	if r := len(a.Shape); r != 2 && r != 4 {
		return Series{}, fmt.Errorf("%s: shape %v, expected [frames, channels, height, width] or [frames, variables]", name, a.Shape)
	}
	n := 1
	for i, d := range a.Shape {
		if d <= 0 {
			return Series{}, fmt.Errorf("%s: shape %v has a non-positive axis %d", name, a.Shape, i)
		}
		if n > MaxElements/d {
			return Series{}, fmt.Errorf("%s: shape %v holds more than %d values", name, a.Shape, MaxElements)
		}
		n *= d
	}
	v := a.Float32()
	if len(v) != n {
		return Series{}, fmt.Errorf("%s: %d values for shape %v", name, len(v), a.Shape)
	}
	out := v
	if copyValues && a.DType == data.Float32 { // Float32 converted float64 values into a new slice already
		out = append([]float32(nil), v...)
	}
	fs := n / a.Shape[0]
	for i, x := range out {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return Series{}, fmt.Errorf("%s: value %v at frame %d (flat index %d): expected finite values", name, x, i/fs, i)
		}
	}
	return Series{Name: name, Shape: append([]int(nil), a.Shape...), Data: out}, nil
}

// Load reads NPY files (one series each) and checks that their frames all have the same shape.
func Load(paths ...string) ([]Series, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("no series files given")
	}
	out := make([]Series, 0, len(paths))
	for _, p := range paths {
		a, err := data.ReadNPY(p)
		if err != nil {
			return nil, err
		}
		s, err := TakeArray(p, a) // the array is this function's own
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, sameFrames(out)
}

// sameFrames checks that every series has the first one's frame shape.
func sameFrames(ss []Series) error {
	if len(ss) == 0 {
		return fmt.Errorf("no series given")
	}
	want := ss[0].FrameShape()
	for _, s := range ss[1:] {
		got := s.FrameShape()
		if len(got) != len(want) {
			return fmt.Errorf("%s: frames %v, but %s has frames %v", s.Name, got, ss[0].Name, want)
		}
		for i := range got {
			if got[i] != want[i] {
				return fmt.Errorf("%s: frames %v, but %s has frames %v", s.Name, got, ss[0].Name, want)
			}
		}
	}
	return nil
}
