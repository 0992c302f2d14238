package dataset

import (
	"fmt"
	"math"
)

// MaxActionDim bounds the components of an action (BAIR's have 4, RoboNet's 5).
const MaxActionDim = 64

// PadActions turns a video's actions [T − 1, A] (row t the action between frames t and t + 1, the
// layout of the BAIR and RoboNet files) into one row per frame, [T, A]: a leading row of zeros, then
// the rows as given, so row f is the action that led into frame f. This is the reference's padding of
// its "concat-video-mask-action" conditioning (Guo et al. 2025 §5). It refuses non-finite values,
// naming the row.
func PadActions(name string, actions []float32, frames, A int) ([]float32, error) {
	if A < 1 || A > MaxActionDim {
		return nil, fmt.Errorf("%s: %d action components: expected 1 to %d", name, A, MaxActionDim)
	}
	if frames < 1 || len(actions) != (frames-1)*A {
		return nil, fmt.Errorf("%s: %d action values: expected %d rows of %d (one between each two of %d frames)", name, len(actions), frames-1, A, frames)
	}
	for i, v := range actions {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("%s: action %v at row %d component %d: expected finite values", name, v, i/A, i%A)
		}
	}
	out := make([]float32, frames*A)
	copy(out[A:], actions)
	return out, nil
}

// sameActions checks that every series carries actions of the same dimension or none, each with one
// row per frame.
func sameActions(ss []Series) error {
	A := ss[0].ActionDim
	for _, s := range ss {
		if s.ActionDim != A {
			return fmt.Errorf("%s: %d action components, but %s has %d", s.Name, s.ActionDim, ss[0].Name, A)
		}
		if A > 0 && len(s.Actions) != s.Frames()*A {
			return fmt.Errorf("%s: %d action values for %d frames of %d components", s.Name, len(s.Actions), s.Frames(), A)
		}
	}
	return nil
}
