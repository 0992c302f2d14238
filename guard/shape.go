package guard

import "fmt"

// Rank refuses an array whose rank is outside [lo, hi]. what names the input, e.g. "--data ns.npy",
// and layout says what the axes are, e.g. "[frames, ...]".
func Rank(what string, shape []int, lo, hi int, layout string) error {
	if len(shape) < lo || len(shape) > hi {
		if lo == hi {
			return fmt.Errorf("%s: shape %v has rank %d, expected rank %d %s", what, shape, len(shape), lo, layout)
		}
		return fmt.Errorf("%s: shape %v has rank %d, expected rank %d to %d %s", what, shape, len(shape), lo, hi, layout)
	}
	return nil
}

// NonEmpty refuses an array with a zero dimension.
func NonEmpty(what string, shape []int) error {
	for i, d := range shape {
		if d <= 0 {
			return fmt.Errorf("%s: shape %v has %d elements on axis %d, expected at least 1", what, shape, d, i)
		}
	}
	return nil
}

// Axis refuses an axis flag outside 0..rank-1 of the array it indexes.
func Axis(flag string, axis int, what string, shape []int) error {
	if axis < 0 || axis >= len(shape) {
		return fmt.Errorf("--%s %d: expected an axis of %s, whose shape %v has axes 0 to %d", flag, axis, what, shape, len(shape)-1)
	}
	return nil
}
