package forecast

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/metrics"
)

// Scoring long rollouts (`tidal score rollout`, docs/METRICS.md): a rollout [T, channels, H, W] or, as
// `tidal rollout` writes it, [T, members, channels, H, W], scored member by member against a truth
// sequence with metrics.ScoreRollout. Errors name the inputs as the caller does (e.g. "--forecast f.npy").

// RolloutMembers are the members of a forecast of the given shape to score: [-1] (the whole file) for a
// rollout without a member axis, else member, or every member when member is -1. A forecast without a
// member axis refuses a member.
func RolloutMembers(name string, shape []int, member int) ([]int, error) {
	if len(shape) != 5 {
		if member >= 0 {
			return nil, fmt.Errorf("--member %d: %s has shape %v, no member axis (a forecast of 'tidal rollout' is [T, members, channels, H, W])", member, name, shape)
		}
		return []int{-1}, nil
	}
	M := shape[1]
	if member >= M {
		return nil, fmt.Errorf("--member %d: %s has %d members (shape %v [T, members, channels, H, W]), 0 to %d", member, name, M, shape, M-1)
	}
	if member >= 0 {
		return []int{member}, nil
	}
	out := make([]int, M)
	for i := range out {
		out[i] = i
	}
	return out, nil
}

// SplitMembers is the forecast a [T, members, frame...] as one array [T, frame...] per member of
// members, or a itself when members is [-1] (no member axis).
func SplitMembers(a *data.Array, members []int) []*data.Array {
	if len(members) == 1 && members[0] < 0 {
		return []*data.Array{a}
	}
	T, M := a.Shape[0], a.Shape[1]
	F := data.NumElements(a.Shape[2:])
	shape := append([]int{T}, a.Shape[2:]...)
	out := make([]*data.Array, len(members))
	for i, m := range members {
		if a.DType == data.Float64 {
			out[i] = data.FromFloat64(memberValues(a.F64, T, M, F, m), shape...)
		} else {
			out[i] = data.FromFloat32(memberValues(a.Float32(), T, M, F, m), shape...)
		}
	}
	return out
}

// memberValues gathers member m of values [T, M, F] into [T, F].
func memberValues[V float32 | float64](v []V, T, M, F, m int) []V {
	w := make([]V, 0, T*F)
	for t := range T {
		w = append(w, v[(t*M+m)*F:(t*M+m+1)*F]...)
	}
	return w
}

// memberName is " member K" for the i-th scored member, "" for a file without a member axis.
func memberName(members []int, i int) string {
	if members[i] < 0 {
		return ""
	}
	return fmt.Sprintf(" member %d", members[i])
}

// ScoreRolloutMembers scores each of members (RolloutMembers) of the forecast fa against the truth oa;
// fName and oName name them in errors.
func ScoreRolloutMembers(fa, oa *data.Array, members []int, opt metrics.RolloutOptions, fName, oName string) ([]*metrics.RolloutReport, error) {
	per := SplitMembers(fa, members)
	reps := make([]*metrics.RolloutReport, len(per))
	for i, m := range per {
		var err error
		if reps[i], err = metrics.ScoreRollout(m.Float64(), m.Shape, oa.Float64(), oa.Shape, opt); err != nil {
			return nil, fmt.Errorf("forecast %s%s, truth %s: %w", fName, memberName(members, i), oName, err)
		}
	}
	return reps, nil
}

// RolloutJSON is one report's JSON, or {"members": [...]} for several.
func RolloutJSON(reps []*metrics.RolloutReport) ([]byte, error) {
	if len(reps) == 1 {
		return reps[0].JSON()
	}
	parts := make([]json.RawMessage, len(reps))
	for i, r := range reps {
		js, err := r.JSON()
		if err != nil {
			return nil, err
		}
		parts[i] = js
	}
	return json.MarshalIndent(map[string]any{"members": parts}, "", "  ")
}

// SeasonLabels are the season labels of a rollout (--season, read from path): one integer per frame,
// each finite, whole and in [0, 2^31).
func SeasonLabels(path string, a *data.Array) ([]int, error) {
	labels := make([]int, 0, a.Len())
	for i, v := range a.Float64() {
		if math.IsNaN(v) || v < 0 || v >= 1<<31 || v != math.Trunc(v) {
			return nil, fmt.Errorf("--season %s: label %d is %v, expected a whole number in [0, 2^31)", path, i, v)
		}
		labels = append(labels, int(v))
	}
	return labels, nil
}

// CheckRolloutAxes refuses a Hovmöller band (axis, from, to) that does not fit the images of a rollout of
// the given shape ([T, H, W] or [T, channels, H, W]; name names it) and a channel it lacks.
func CheckRolloutAxes(name string, shape []int, band []int, channel int) error {
	n := len(shape)
	if n == 4 && channel >= shape[1] {
		return fmt.Errorf("--channel %d: expected a channel of %s, whose shape %v has channels 0 to %d", channel, name, shape, shape[1]-1)
	}
	if len(band) == 0 {
		return nil
	}
	if len(band) != 3 {
		return fmt.Errorf("--band %v: expected three integers axis,from,to", band)
	}
	if band[0] != 0 && band[0] != 1 {
		return fmt.Errorf("--band axis %d: expected 0 (average rows) or 1 (average columns)", band[0])
	}
	size := shape[n-2+band[0]] // axis 0 indexes rows (H), axis 1 columns (W)
	if band[1] < 0 || band[1] >= band[2] || band[2] > size {
		return fmt.Errorf("--band %d,%d,%d: expected 0 ≤ from < to ≤ %d, the images' size along the band of %s", band[0], band[1], band[2], size, name)
	}
	return nil
}

// ZonalRows resolves the spectrum kind of a rollout's diagnostics: nil for the isotropic spectrum, else
// the latitude rows' weights of the zonal one: latWeights (cos(latitude) of an input on a recognised
// lat-lon grid) or, for "zonal" without them, equal weights over the rows of the images.
func ZonalRows(spectrum string, latWeights []float64, rows int) ([]float64, error) {
	switch spectrum {
	case "isotropic":
		return nil, nil
	case "auto":
		return latWeights, nil
	case "zonal":
		if latWeights == nil {
			latWeights = make([]float64, rows)
			for i := range latWeights {
				latWeights[i] = 1
			}
		}
		return latWeights, nil
	}
	return nil, fmt.Errorf("--spectrum %q: expected auto, isotropic or zonal", spectrum)
}
