package metrics

import (
	"fmt"
	"math"
)

// ACFOptions configures the autocorrelation of a rollout.
type ACFOptions struct {
	MaxLag int // lags 0..MaxLag, in time steps (the paper shows 0..9)
	// Weights holds one weight per field point (mean 1, e.g. latitude weights); nil weighs points equally.
	Weights []float64
	// Season, when set, holds one label per time step (e.g. the month, 0..11); the mean of each label at each
	// point (the climatology) is subtracted before the ACF, the paper's seasonal adjustment for precipitation.
	Season []int
}

// ACF is the autocorrelation function of a rollout frames [T, field...] (Hess et al. 2025, App. D, eq. 19):
// each point's series is (seasonally adjusted and) standardised, x̃ = (x − x̄)/σ with the mean and population
// standard deviation over time, and
//
//	ACF(j) = (1/Σ_p w_p) Σ_p w_p (1/N) Σ_{n=j}^{N−1} x̃_p^n x̃_p^{n−j},     j = 0..MaxLag
//
// (the usual biased estimator: dividing by N, not N − j, keeps it positive definite). Points whose series is
// constant have no correlation and are left out. ACF(0) = 1.
func ACF[T Float](frames []T, nt int, opt ACFOptions) ([]float64, error) {
	if nt < 2 || len(frames)%nt != 0 {
		return nil, fmt.Errorf("ACF: %d values are not %d frames of a field (need at least 2 frames)", len(frames), nt)
	}
	np := len(frames) / nt
	if opt.MaxLag < 0 || opt.MaxLag >= nt {
		return nil, fmt.Errorf("ACF: max lag %d must lie in 0..%d (the rollout has %d frames)", opt.MaxLag, nt-1, nt)
	}
	if opt.Weights != nil && len(opt.Weights) != np {
		return nil, fmt.Errorf("ACF: %d weights for a field of %d points", len(opt.Weights), np)
	}
	if opt.Season != nil && len(opt.Season) != nt {
		return nil, fmt.Errorf("ACF: %d season labels for %d frames", len(opt.Season), nt)
	}
	const block = 64 // points per task
	nb := (np + block - 1) / block
	type part struct {
		acf    []float64
		weight float64
	}
	parts := make([]part, nb)
	parallelFor(nb, func(_, b int) {
		acf := make([]float64, opt.MaxLag+1)
		series := make([]float64, nt)
		var wsum float64
		for p := b * block; p < min(np, (b+1)*block); p++ {
			for n := range series {
				series[n] = float64(frames[n*np+p])
			}
			if opt.Season != nil {
				deseason(series, opt.Season)
			}
			if !standardise(series) {
				continue
			}
			w := weightAt(opt.Weights, p)
			for j := range acf {
				var s float64
				for n := j; n < nt; n++ {
					s += series[n] * series[n-j]
				}
				acf[j] += w * s / float64(nt)
			}
			wsum += w
		}
		parts[b] = part{acf, wsum}
	})
	out := make([]float64, opt.MaxLag+1)
	var wsum float64
	for _, pt := range parts {
		for j, v := range pt.acf {
			out[j] += v
		}
		wsum += pt.weight
	}
	if wsum == 0 {
		return nil, fmt.Errorf("ACF: every point's series is constant")
	}
	for j := range out {
		out[j] /= wsum
	}
	return out, nil
}

// deseason subtracts from each value the mean of the values with the same label.
func deseason(x []float64, labels []int) {
	sum := map[int]float64{}
	count := map[int]int{}
	for n, v := range x {
		sum[labels[n]] += v
		count[labels[n]]++
	}
	for n := range x {
		x[n] -= sum[labels[n]] / float64(count[labels[n]])
	}
}

// standardise makes x zero-mean with unit population variance; it reports false for a constant series.
func standardise(x []float64) bool {
	var mean float64
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	var ss float64
	for _, v := range x {
		ss += (v - mean) * (v - mean)
	}
	sd := math.Sqrt(ss / float64(len(x)))
	if sd == 0 || sd < 1e-12*math.Abs(mean) {
		return false
	}
	for i := range x {
		x[i] = (x[i] - mean) / sd
	}
	return true
}
