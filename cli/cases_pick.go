package cli

import (
	"fmt"

	"github.com/tidal-forecast/tidal/forecast"
)

// FieldCases maps --starts and --cases to the cases of a series of frames frames: the start frames
// (StartCases), else n cases spread evenly (forecast.EvenCases), each with context frames before its
// start and lead frames from it. countGiven says --cases was given, which --starts refuses; in names
// the data in errors.
func FieldCases(starts []int, n int, countGiven bool, frames, context, lead int, in string) (forecast.Cases, error) {
	if len(starts) > 0 {
		if countGiven {
			return forecast.Cases{}, fmt.Errorf("--cases %d and --starts %v: give the number of cases or their start frames, not both", n, starts)
		}
		return StartCases(starts, frames, context, lead, in)
	}
	c, err := forecast.EvenCases(frames, context, lead, n)
	if err != nil {
		return forecast.Cases{}, fmt.Errorf("%s: %w", in, err)
	}
	return c, nil
}
