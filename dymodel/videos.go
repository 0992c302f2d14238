package dymodel

import (
	"fmt"
	"math"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dataset"
)

// specSeries is the series of a training or validation array: a series of fields [frames, C, H, W]
// or videos [videos, frames, C, H, W] (each video its own series, so that no window crosses from one
// video into the next), read from path when a is nil. With acts, each series carries its actions padded
// to one row per frame (dataset.PadActions): acts is [frames − 1, A] for a series, [videos, frames − 1,
// A] for videos (the BAIR layout). It returns the series and A (0 without actions).
func specSeries(what string, a *data.Array, path string, acts *data.Array, take bool) ([]dataset.Series, int, error) {
	if a == nil && path != "" {
		var err error
		if a, err = data.ReadNPY(path); err != nil {
			return nil, 0, fmt.Errorf("dymodel: %s: %w", what, err)
		}
		what, take = path, true
	}
	if a == nil || len(a.Shape) != 5 {
		s, err := specData(what, a, path, take)
		if err != nil {
			return nil, 0, err
		}
		ss := []dataset.Series{s}
		A, err := attachActions(what, ss, acts, false)
		return ss, A, err
	}
	V := a.Shape[0]
	if V < 1 {
		return nil, 0, fmt.Errorf("dymodel: %s of shape %v: expected at least one video", what, a.Shape)
	}
	v := a.Float32()
	if len(v) != data.NumElements(a.Shape) {
		return nil, 0, fmt.Errorf("dymodel: %s: %d values for shape %v", what, len(v), a.Shape)
	}
	per := len(v) / V
	ss := make([]dataset.Series, V)
	for i := range ss {
		sub := data.FromFloat32(v[i*per:(i+1)*per], a.Shape[1:]...)
		s, err := arraySeries(take || a.DType != data.Float32)(fmt.Sprintf("%s video %d", what, i), sub)
		if err != nil {
			return nil, 0, fmt.Errorf("dymodel: %w", err)
		}
		ss[i] = s
	}
	A, err := attachActions(what, ss, acts, true)
	return ss, A, err
}

// attachActions pads acts into the series' Actions: [frames − 1, A] for one series, [videos,
// frames − 1, A] for videos. nil acts: none (A = 0).
func attachActions(what string, ss []dataset.Series, acts *data.Array, videos bool) (int, error) {
	if acts == nil {
		return 0, nil
	}
	T := ss[0].Frames()
	want := fmt.Sprintf("[%d, %d, A]", len(ss), T-1)
	if !videos {
		want = fmt.Sprintf("[%d, A]", T-1)
	}
	r := len(acts.Shape)
	switch {
	case videos && (r != 3 || acts.Shape[0] != len(ss) || acts.Shape[1] != T-1),
		!videos && (r != 2 || acts.Shape[0] != T-1):
		return 0, fmt.Errorf("dymodel: actions of %s of shape %v: expected %s, one row between each two of the %d frames", what, acts.Shape, want, T)
	}
	A := acts.Shape[r-1]
	v := acts.Float32()
	per := (T - 1) * A
	if len(v) != len(ss)*per {
		return 0, fmt.Errorf("dymodel: actions of %s: %d values for shape %v", what, len(v), acts.Shape)
	}
	for i := range ss {
		p, err := dataset.PadActions(fmt.Sprintf("actions of %s", ss[i].Name), v[i*per:(i+1)*per], T, A)
		if err != nil {
			return 0, fmt.Errorf("dymodel: %w", err)
		}
		ss[i].Actions, ss[i].ActionDim = p, A
	}
	return A, nil
}

// ActionScale is the root mean square of each action component over the series' actions (their rows
// after the padded first one), 1 for a component that is always 0: Config.ActionScale of a run trained
// on them.
func ActionScale(ss []dataset.Series) []float64 {
	A := ss[0].ActionDim
	sum, n := make([]float64, A), 0
	for _, s := range ss {
		for f := 1; f < s.Frames(); f++ {
			for k := range A {
				v := float64(s.Actions[f*A+k])
				sum[k] += v * v
			}
			n++
		}
	}
	out := make([]float64, A)
	for k := range out {
		out[k] = 1
		if n > 0 && sum[k] > 0 {
			out[k] = math.Sqrt(sum[k] / float64(n))
		}
	}
	return out
}
