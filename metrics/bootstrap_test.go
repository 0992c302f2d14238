package metrics

import (
	"math"
	"math/rand/v2"
	"testing"
)

// coverage draws reps data sets from draw, each with a known true statistic, and returns how often the
// bootstrap interval covers it and the mean interval width.
func coverage(t *testing.T, reps int, opt BootstrapOptions, draw func(rng *rand.Rand) (a, b []float64, truth float64)) (float64, float64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 11))
	hit, width := 0, 0.0
	for r := range reps {
		a, b, truth := draw(rng)
		opt.Seed = uint64(r)
		iv, err := PairedBootstrap(a, b, Difference, opt)
		if err != nil {
			t.Fatal(err)
		}
		if !iv.Excludes(truth) {
			hit++
		}
		width += float64(iv.Hi - iv.Lo)
	}
	return float64(hit) / float64(reps), width / float64(reps)
}

// On Gaussian pairs a_i = w_i + 0.3 + e_i, b_i = w_i + f_i (w the shared "weather" of a case, e and f
// independent unit noises), mean a − mean b is N(0.3, 2/n): the 90 % interval must cover 0.3 in 85–95 % of
// draws, and its width must match the closed form 2·1.645·√(2/n) (the shared w must cancel).
func TestPairedBootstrapCoversGaussianMeanDifference(t *testing.T) {
	const n = 40
	draw := func(rng *rand.Rand) ([]float64, []float64, float64) {
		a, b := make([]float64, n), make([]float64, n)
		for i := range a {
			w := 5 * rng.NormFloat64()
			a[i] = w + 0.3 + rng.NormFloat64()
			b[i] = w + rng.NormFloat64()
		}
		return a, b, 0.3
	}
	cov, width := coverage(t, 400, BootstrapOptions{Level: 0.9, Resamples: 1000}, draw)
	closed := 2 * 1.6449 * math.Sqrt(2.0/n)
	t.Logf("coverage %.3f, mean width %.4f, closed form %.4f", cov, width, closed)
	if cov < 0.85 || cov > 0.95 {
		t.Errorf("coverage of the 90 %% interval %.3f, want 0.85–0.95", cov)
	}
	if r := width / closed; r < 0.9 || r > 1.05 {
		t.Errorf("mean width %.4f is %.2f × the closed form %.4f", width, r, closed)
	}
}

// Cases that overlap in time are correlated: x_i = e_i + e_{i+1} + e_{i+2} has a long-run variance of 9,
// three times its variance 3, so single-case resampling covers the mean 0 far too rarely (about 66 %), and
// the moving-block bootstrap (blocks of 12 of 360 cases) must bring the coverage back to 85–95 %.
func TestBlockBootstrapCoversOverlappingCases(t *testing.T) {
	const n = 360
	draw := func(rng *rand.Rand) ([]float64, []float64, float64) {
		e := make([]float64, n+2)
		for i := range e {
			e[i] = rng.NormFloat64()
		}
		x := make([]float64, n)
		for i := range x {
			x[i] = e[i] + e[i+1] + e[i+2]
		}
		return x, nil, 0
	}
	iid, _ := coverage(t, 200, BootstrapOptions{Level: 0.9, Resamples: 600}, draw)
	block, _ := coverage(t, 200, BootstrapOptions{Level: 0.9, Resamples: 600, Block: 12}, draw)
	t.Logf("coverage: single cases %.3f, blocks of 12 %.3f", iid, block)
	if iid > 0.8 {
		t.Errorf("single-case bootstrap covers %.3f of correlated draws; the test needs it to fail (about 0.66)", iid)
	}
	if block < 0.85 || block > 0.95 {
		t.Errorf("block bootstrap coverage %.3f, want 0.85–0.95", block)
	}
}

func TestPairedBootstrapSkillScoreAndRefusals(t *testing.T) {
	a := []float64{1, 2, 3, math.NaN(), 4}
	b := []float64{2, 4, 6, 1, 8}
	iv, err := PairedBootstrap(a, b, SkillScore, BootstrapOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// a = b/2 on every case kept, so every resample has skill exactly 0.5.
	if math.Abs(float64(iv.Lo)-0.5) > 1e-12 || math.Abs(float64(iv.Hi)-0.5) > 1e-12 || iv.Level != 0.9 {
		t.Errorf("skill interval %+v, want [0.5, 0.5] at 0.9", iv)
	}
	if _, err := PairedBootstrap(a, b[:2], Difference, BootstrapOptions{}); err == nil {
		t.Error("unpaired lengths accepted")
	}
	if _, err := PairedBootstrap(a, b, Difference, BootstrapOptions{Level: 1.5}); err == nil {
		t.Error("level 1.5 accepted")
	}
	if iv, _ := PairedBootstrap([]float64{1}, nil, Difference, BootstrapOptions{}); !math.IsNaN(float64(iv.Lo)) {
		t.Errorf("one case gives %+v, want NaN", iv)
	}
}
