package metrics

import (
	"math"
	"math/rand/v2"
	"testing"
)

// calibratedEnsemble draws, for every case and point, a centre μ ~ N(0, 4) and then the truth and the M
// members independently from N(μ, 1): truth and members are exchangeable, so the ensemble is calibrated.
// spreadScale multiplies the members' deviations (1 keeps it calibrated).
func calibratedEnsemble(seed uint64, c, m, l, p int, spreadScale float64) (*Fields[float64], *Fields[float64]) {
	rng := rand.New(rand.NewPCG(seed, 1))
	x := make([]float64, c*m*l*p)
	y := make([]float64, c*l*p)
	for ic := 0; ic < c; ic++ {
		for il := 0; il < l; il++ {
			for ip := 0; ip < p; ip++ {
				mu := 2 * rng.NormFloat64()
				y[(ic*l+il)*p+ip] = mu + rng.NormFloat64()
				for im := 0; im < m; im++ {
					x[((ic*m+im)*l+il)*p+ip] = mu + spreadScale*rng.NormFloat64()
				}
			}
		}
	}
	f, _ := NewEnsemble(x, []int{c, m, l, p}, DefaultLayout)
	o, _ := NewTruth(y, []int{c, l, p}, DefaultLayout)
	return f, o
}

// TestSSROfCalibratedEnsembleIsOne is a statistical test: for a calibrated ensemble (M = 5, 100 cases ×
// 2000 points per lead, so each lead averages 200 000 squared errors) the SSR lies within 0.02 of 1 at every
// lead (its standard error is about 0.004). An ensemble with half the spread must give
// SSR = √((M+1)/M)·0.5/√(1+0.25/M) within the same tolerance, so a missing or wrong correction factor fails.
func TestSSROfCalibratedEnsembleIsOne(t *testing.T) {
	const m = 5
	f, o := calibratedEnsemble(1, 100, m, 3, 2000, 1)
	r, err := SpreadSkillRatio(f, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	for l, v := range r.SSR {
		if math.Abs(v-1) > 0.02 {
			t.Errorf("lead %d: SSR %v, want 1 ± 0.02 (spread %v skill %v)", l, v, r.Spread[l], r.Skill[l])
		}
		if math.Abs(r.Spread[l]-1) > 0.02 {
			t.Errorf("lead %d: spread %v, want 1 ± 0.02", l, r.Spread[l])
		}
	}
	f, o = calibratedEnsemble(2, 100, m, 1, 2000, 0.5)
	r, _ = SpreadSkillRatio(f, o, nil)
	// Skill² = 1 + 0.25/M, Spread = 0.5.
	want := math.Sqrt((m+1.0)/m) * 0.5 / math.Sqrt(1+0.25/m)
	if math.Abs(r.SSR[0]-want) > 0.02 {
		t.Errorf("under-dispersed: SSR %v, want %v", r.SSR[0], want)
	}
}

// TestSpreadSkillSmall checks the formulas on a hand-computed case with weights: two points, three members.
func TestSpreadSkillSmall(t *testing.T) {
	// point 0: members 1, 2, 3 (mean 2, var 1), truth 4 (error 2); point 1: members 0, 0, 3 (mean 1,
	// var 3), truth 1 (error 0). Weights 3:1 normalised to 1.5, 0.5.
	f, _ := NewEnsemble([]float64{1, 0, 2, 0, 3, 3}, []int{1, 3, 1, 2}, DefaultLayout)
	o, _ := NewTruth([]float64{4, 1}, []int{1, 1, 2}, DefaultLayout)
	w, _ := PointWeights([]int{2}, []float64{3, 1}, []int{2})
	r, err := SpreadSkillRatio(f, o, w)
	if err != nil {
		t.Fatal(err)
	}
	spread := math.Sqrt((1.5*1 + 0.5*3) / 2)
	skill := math.Sqrt((1.5 * 4) / 2)
	if !near(r.Spread[0], spread, 1e-14) || !near(r.Skill[0], skill, 1e-14) || !near(r.SSR[0], math.Sqrt(4.0/3)*spread/skill, 1e-14) {
		t.Fatalf("got %+v, want spread %v skill %v", r, spread, skill)
	}
}

// TestRankHistogramIsFlatWhenCalibrated is a statistical test: for a calibrated 9-member ensemble the
// 10-bin histogram of 50 000 ranks passes a χ² test of uniformity at the 0.001 level (χ²₉ < 27.88); an
// ensemble with half the spread gives a U shape that fails it by far.
func TestRankHistogramIsFlatWhenCalibrated(t *testing.T) {
	chi2 := func(counts []int64) float64 {
		var n int64
		for _, c := range counts {
			n += c
		}
		e := float64(n) / float64(len(counts))
		var s float64
		for _, c := range counts {
			s += (float64(c) - e) * (float64(c) - e) / e
		}
		return s
	}
	f, o := calibratedEnsemble(3, 50, 9, 1, 1000, 1)
	h, err := RankHistogram(f, o, 1)
	if err != nil {
		t.Fatal(err)
	}
	if v := chi2(h[0]); v > 27.88 {
		t.Errorf("calibrated: χ² = %v > 27.88, histogram %v", v, h[0])
	}
	f, o = calibratedEnsemble(4, 50, 9, 1, 1000, 0.5)
	h, _ = RankHistogram(f, o, 1)
	if v := chi2(h[0]); v < 1000 || h[0][0] < h[0][5] {
		t.Errorf("under-dispersed: χ² = %v, histogram %v; expected a U shape", v, h[0])
	}
	// Ties: members all equal to the truth spread the rank uniformly over 0..M.
	f, _ = NewEnsemble(make([]float64, 4*20000), []int{1, 4, 1, 20000}, DefaultLayout)
	o, _ = NewTruth(make([]float64, 20000), []int{1, 1, 20000}, DefaultLayout)
	h, _ = RankHistogram(f, o, 1)
	if v := chi2(h[0]); v > 18.47 { // χ²₄ at 0.001
		t.Errorf("ties: histogram %v not uniform (χ² %v)", h[0], v)
	}
}
