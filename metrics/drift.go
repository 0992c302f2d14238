package metrics

import "fmt"

// SpatialMean returns the weighted mean of each of the nt frames of a rollout [T, field...]:
// m_n = (1/P) Σ_p w_p x_p^n with w of mean 1 (nil: unweighted), the series whose drift shows bias building
// up over a long rollout (Hess et al. 2025, App. D, global-mean drift).
func SpatialMean[T Float](frames []T, nt int, weights []float64) ([]float64, error) {
	if nt < 1 || len(frames)%nt != 0 {
		return nil, fmt.Errorf("spatial mean: %d values are not %d frames", len(frames), nt)
	}
	np := len(frames) / nt
	if weights != nil && len(weights) != np {
		return nil, fmt.Errorf("spatial mean: %d weights for a field of %d points", len(weights), np)
	}
	out := make([]float64, nt)
	for n := range out {
		var s float64
		for p, v := range frames[n*np : (n+1)*np] {
			s += weightAt(weights, p) * float64(v)
		}
		out[n] = s / float64(np)
	}
	return out, nil
}

// RunningMean returns the means of every window of the given length along series (length N − window + 1),
// the smoothing the paper applies before plotting drift (a running window for vorticity, annual for ERA5).
func RunningMean(series []float64, window int) ([]float64, error) {
	if window < 1 || window > len(series) {
		return nil, fmt.Errorf("running mean: window %d for a series of %d", window, len(series))
	}
	out := make([]float64, len(series)-window+1)
	var s float64
	for i, v := range series {
		s += v
		if i >= window {
			s -= series[i-window]
		}
		if i >= window-1 {
			out[i-window+1] = s / float64(window)
		}
	}
	return out, nil
}

// LinearTrend fits series[n] ≈ a + b·n by least squares and returns the slope b (units per step) and the
// intercept a: the drift rate of a spatial-mean series.
func LinearTrend(series []float64) (slope, intercept float64, err error) {
	n := float64(len(series))
	if len(series) < 2 {
		return 0, 0, fmt.Errorf("linear trend needs at least 2 values; got %d", len(series))
	}
	tm := (n - 1) / 2
	var ym float64
	for _, v := range series {
		ym += v
	}
	ym /= n
	var sxy, sxx float64
	for i, v := range series {
		d := float64(i) - tm
		sxy += d * (v - ym)
		sxx += d * d
	}
	slope = sxy / sxx
	return slope, ym - slope*tm, nil
}
