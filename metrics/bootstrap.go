package metrics

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Interval is a two-sided confidence interval [Lo, Hi] at level Level (0.9 for a 90 % interval).
type Interval struct {
	Lo    Value   `json:"lo"`
	Hi    Value   `json:"hi"`
	Level float64 `json:"level"`
}

// Excludes reports whether v lies outside the interval: the difference it bounds is significant.
func (iv Interval) Excludes(v float64) bool { return v < float64(iv.Lo) || v > float64(iv.Hi) }

// BootstrapOptions configures the case bootstrap. Zero values pick the defaults.
type BootstrapOptions struct {
	Level     float64 // coverage of the interval; 0 means 0.9
	Resamples int     // bootstrap resamples; 0 means 2000
	// Block is the length, in cases, of the blocks of the moving-block bootstrap (Künsch 1989): cases that
	// overlap in time are correlated, and resampling whole runs of consecutive cases keeps that correlation.
	// 0 or 1 resamples single cases (Efron's bootstrap); it is clipped to the number of cases.
	Block int
	Seed  uint64 // seed of the resampling; the same seed gives the same interval
}

func (o BootstrapOptions) withDefaults() BootstrapOptions {
	if o.Level == 0 {
		o.Level = 0.9
	}
	if o.Resamples == 0 {
		o.Resamples = 2000
	}
	if o.Block < 1 {
		o.Block = 1
	}
	return o
}

// PairedBootstrap is the percentile interval of stat(mean a, mean b) under a paired bootstrap over cases:
// each resample draws case indices (in blocks of opt.Block consecutive cases, starting anywhere) and
// takes the same cases of a and b, so that what the two forecasts share (the weather of a case) cancels
// in their difference. a and b hold one value per case, in time order; b may be nil when stat uses only
// the mean of a. Cases where a or b is NaN are left out. stat is, for example, the difference
// func(ma, mb float64) float64 { return ma - mb } or the skill score 1 − ma/mb.
//
// The interval is [q_(α/2), q_(1−α/2)] of the resampled statistics with α = 1 − Level (Efron and
// Tibshirani 1993, ch. 13). Its coverage is checked against the closed-form t interval on Gaussian data
// (bootstrap_test.go).
func PairedBootstrap(a, b []float64, stat func(ma, mb float64) float64, opt BootstrapOptions) (Interval, error) {
	opt = opt.withDefaults()
	if !(opt.Level > 0 && opt.Level < 1) {
		return Interval{}, fmt.Errorf("bootstrap level %g, want in (0, 1)", opt.Level)
	}
	if b != nil && len(b) != len(a) {
		return Interval{}, fmt.Errorf("paired bootstrap of %d and %d cases", len(a), len(b))
	}
	var xa, xb []float64
	for i, v := range a {
		w := 0.0
		if b != nil {
			w = b[i]
		}
		if math.IsNaN(v) || math.IsNaN(w) {
			continue
		}
		xa, xb = append(xa, v), append(xb, w)
	}
	n := len(xa)
	nan := Interval{Lo: Value(math.NaN()), Hi: Value(math.NaN()), Level: opt.Level}
	if n < 2 {
		return nan, nil
	}
	block := min(opt.Block, n)
	rng := rand.New(rand.NewPCG(opt.Seed, 0x5eed))
	stats := make([]float64, opt.Resamples)
	for r := range stats {
		var sa, sb float64
		k := 0
		for k < n {
			start := rng.IntN(n - block + 1)
			for j := start; j < start+block && k < n; j++ {
				sa += xa[j]
				sb += xb[j]
				k++
			}
		}
		stats[r] = stat(sa/float64(n), sb/float64(n))
	}
	slices.Sort(stats)
	alpha := 1 - opt.Level
	return Interval{Lo: Value(quantileSorted(stats, alpha/2)), Hi: Value(quantileSorted(stats, 1-alpha/2)), Level: opt.Level}, nil
}

// quantileSorted is the q-quantile of sorted x by linear interpolation between order statistics
// (Hyndman and Fan's type 7, NumPy's default).
func quantileSorted(x []float64, q float64) float64 {
	h := q * float64(len(x)-1)
	i := int(math.Floor(h))
	if i >= len(x)-1 {
		return x[len(x)-1]
	}
	return x[i] + (h-float64(i))*(x[i+1]-x[i])
}

// Difference is the statistic mean a − mean b of PairedBootstrap.
func Difference(ma, mb float64) float64 { return ma - mb }

// SkillScore is the statistic 1 − mean a / mean b of PairedBootstrap: the skill of a against the reference
// b for a negatively oriented score such as the CRPS (CRPSS; positive where a is better).
func SkillScore(ma, mb float64) float64 { return 1 - ma/mb }
