package metrics

import (
	"fmt"
	"math"
)

// LatitudeWeights returns w(k) = cos(lat_k) / mean_i cos(lat_i) for latitudes in degrees (Hess et al. 2025,
// App. D): the area weight of each grid row, normalised to mean 1 so that unweighted scores are unchanged.
func LatitudeWeights(latDegrees []float64) ([]float64, error) {
	w := make([]float64, len(latDegrees))
	for i, lat := range latDegrees {
		if math.IsNaN(lat) || lat < -90 || lat > 90 {
			return nil, fmt.Errorf("latitude %v at index %d is not in [-90, 90] degrees", lat, i)
		}
		w[i] = math.Max(0, math.Cos(lat*math.Pi/180))
	}
	return normaliseWeights(w)
}

// PointWeights expands weights w of shape wshape to one weight per point of a field of shape field, normalised
// to mean 1 over the field. A 1-D w whose length is the field's second-to-last axis (the rows, or latitudes)
// weighs each row, as latitude weights do; otherwise wshape must equal the trailing axes of field and is
// repeated over the leading ones (for example one [H, W] map for every channel). Weights must be finite and
// non-negative, and not all zero. A nil w gives nil, meaning every point weighs 1.
func PointWeights(field []int, w []float64, wshape []int) ([]float64, error) {
	if w == nil {
		return nil, nil
	}
	if NumPoints(wshape) != len(w) {
		return nil, fmt.Errorf("weights: %d values do not fill shape %v", len(w), wshape)
	}
	for i, v := range w {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return nil, fmt.Errorf("weights: value %v at index %d; expected finite and non-negative", v, i)
		}
	}
	n := NumPoints(field)
	out := make([]float64, n)
	switch {
	case len(wshape) == 1 && len(field) >= 2 && wshape[0] == field[len(field)-2]:
		rows, cols := field[len(field)-2], field[len(field)-1]
		for p := range out {
			out[p] = w[(p/cols)%rows]
		}
	case len(wshape) <= len(field) && equalShape(wshape, field[len(field)-len(wshape):]):
		for p := range out {
			out[p] = w[p%len(w)]
		}
	default:
		want := "a 1-D vector over the field's rows or the trailing axes of the field"
		if len(field) >= 2 {
			want = fmt.Sprintf("[%d] (one weight per row) or the trailing axes of the field %v", field[len(field)-2], field)
		}
		return nil, fmt.Errorf("weights of shape %v do not fit field %v; expected %s", wshape, field, want)
	}
	return normaliseWeights(out)
}

func normaliseWeights(w []float64) ([]float64, error) {
	var s float64
	for _, v := range w {
		s += v
	}
	if len(w) == 0 || s <= 0 {
		return nil, fmt.Errorf("weights sum to %v; expected a positive sum", s)
	}
	m := s / float64(len(w))
	for i := range w {
		w[i] /= m
	}
	return w, nil
}

// weightAt is w[p], or 1 when w is nil (unweighted).
func weightAt(w []float64, p int) float64 {
	if w == nil {
		return 1
	}
	return w[p]
}
