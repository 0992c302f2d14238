package metrics

import (
	"math"
	"math/rand/v2"
	"testing"
)

// ar1Rollout returns nt frames of np independent AR(1) series x_n = φ x_{n−1} + ε_n (stationary start),
// plus season(n) added to every point.
func ar1Rollout(seed uint64, nt, np int, phi float64, season func(n int) float64) []float32 {
	rng := rand.New(rand.NewPCG(seed, 5))
	out := make([]float32, nt*np)
	for p := 0; p < np; p++ {
		x := rng.NormFloat64() / math.Sqrt(1-phi*phi)
		for n := 0; n < nt; n++ {
			if n > 0 {
				x = phi*x + rng.NormFloat64()
			}
			out[n*np+p] = float32(x + season(n))
		}
	}
	return out
}

// TestACFOfAR1MatchesPhiPowK is a statistical test: the ACF of 400 AR(1) series of 4000 steps with φ = 0.8
// matches φ^k within 0.01 for lags 0..9 (the standard error at these lags is below 0.002, the estimator's
// bias about k·φ^k/N < 0.002). With a strong 12-step seasonal cycle added, the raw ACF is far from φ^k and
// the seasonally adjusted one matches again.
func TestACFOfAR1MatchesPhiPowK(t *testing.T) {
	const nt, np, phi = 4000, 400, 0.8
	check := func(name string, acf []float64, wantMatch bool) {
		t.Helper()
		worst := 0.0
		for k, v := range acf {
			worst = math.Max(worst, math.Abs(v-math.Pow(phi, float64(k))))
		}
		if wantMatch && worst > 0.01 {
			t.Errorf("%s: ACF %v differs from φ^k by %v", name, acf, worst)
		}
		if !wantMatch && worst < 0.1 {
			t.Errorf("%s: ACF %v unexpectedly close to φ^k", name, acf)
		}
	}
	frames := ar1Rollout(1, nt, np, phi, func(int) float64 { return 0 })
	acf, err := ACF(frames, nt, ACFOptions{MaxLag: 9})
	if err != nil {
		t.Fatal(err)
	}
	if acf[0] != 1 && math.Abs(acf[0]-1) > 1e-12 {
		t.Errorf("ACF(0) = %v", acf[0])
	}
	check("AR(1)", acf, true)

	seasonal := ar1Rollout(2, nt, np, phi, func(n int) float64 { return 4 * math.Sin(2*math.Pi*float64(n%12)/12) })
	labels := make([]int, nt)
	for n := range labels {
		labels[n] = n % 12
	}
	raw, _ := ACF(seasonal, nt, ACFOptions{MaxLag: 9})
	check("seasonal, raw", raw, false)
	adj, err := ACF(seasonal, nt, ACFOptions{MaxLag: 9, Season: labels})
	if err != nil {
		t.Fatal(err)
	}
	check("seasonal, adjusted", adj, true)
}

// Golden ACF of two 4-step series by hand (App. D, eq. 19, dividing by N = 4, not N − j). x = 1, 2, 3, 4
// has deviations −1.5, −0.5, 0.5, 1.5 from its mean (Σd² = 5), so ACF(j) = Σ_n d_n d_{n−j} / 5:
// 1, 1.25/5, −1.5/5, −2.25/5 = 1, 0.25, −0.3, −0.45 (dividing by N − j would give 1/3 at lag 1).
// y = 1, 3, 2, 4 has d = −1.5, 0.5, −0.5, 1.5: 1, −0.35, 0.3, −0.45. Weighted 1.5 : 0.5, the ACF is
// their weighted mean: 1, 0.1, −0.15, −0.45.
func TestACFGolden(t *testing.T) {
	for _, c := range []struct {
		name    string
		frames  []float32 // [4 steps, points]
		weights []float64
		want    []float64
	}{
		{"1 2 3 4", []float32{1, 2, 3, 4}, nil, []float64{1, 0.25, -0.3, -0.45}},
		{"1 3 2 4", []float32{1, 3, 2, 4}, nil, []float64{1, -0.35, 0.3, -0.45}},
		{"weighted", []float32{1, 1, 2, 3, 3, 2, 4, 4}, []float64{1.5, 0.5}, []float64{1, 0.1, -0.15, -0.45}},
	} {
		got, err := ACF(c.frames, 4, ACFOptions{MaxLag: 3, Weights: c.weights})
		if err != nil {
			t.Fatal(err)
		}
		for j, w := range c.want {
			if math.Abs(got[j]-w) > 1e-12 {
				t.Errorf("%s: ACF %v, want %v", c.name, got, c.want)
				break
			}
		}
	}
}
