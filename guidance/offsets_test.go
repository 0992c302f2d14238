package guidance

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// gaussianBinMass integrates the N(1, σ²) density over [l − ½, l + ½] by composite Simpson's rule: an
// independent evaluation of P(round(ξ) = l).
func gaussianBinMass(l int, sigma float64) float64 {
	const n = 200
	a, b := float64(l)-0.5, float64(l)+0.5
	h := (b - a) / n
	pdf := func(x float64) float64 {
		z := (x - 1) / sigma
		return math.Exp(-z*z/2) / (sigma * math.Sqrt(2*math.Pi))
	}
	sum := pdf(a) + pdf(b)
	for i := 1; i < n; i++ {
		w := 2.0
		if i%2 == 1 {
			w = 4
		}
		sum += w * pdf(a+float64(i)*h)
	}
	return sum * h / 3
}

// reference returns the closed-form probabilities of the offsets in [lo, hi] without 1 (and below 2
// with futureOnly), from gaussianBinMass, normalised.
func reference(lo, hi int, sigma float64, futureOnly bool) map[int]float64 {
	p := map[int]float64{}
	total := 0.0
	for l := lo; l <= hi; l++ {
		if l == 1 || (futureOnly && l < 2) {
			continue
		}
		p[l] = gaussianBinMass(l, sigma)
		total += p[l]
	}
	for l := range p {
		p[l] /= total
	}
	return p
}

// chiSquare returns Pearson's statistic of the counts against the probabilities p over n draws, and
// its degrees of freedom, pooling the cells expected to hold fewer than 5 draws into one.
func chiSquare(counts map[int]int, p map[int]float64, n int) (stat float64, df int) {
	var poolE, poolO float64
	cells := 0
	for l, pl := range p {
		e, o := pl*float64(n), float64(counts[l])
		if e < 5 {
			poolE, poolO = poolE+e, poolO+o
			continue
		}
		stat += (o - e) * (o - e) / e
		cells++
	}
	if poolE > 0 {
		stat += (poolO - poolE) * (poolO - poolE) / poolE
		cells++
	}
	return stat, cells - 1
}

// chiSquareQuantile999 is the 99.9% quantile of χ²(df) by the Wilson–Hilferty approximation.
func chiSquareQuantile999(df int) float64 {
	k := float64(df)
	c := 1 - 2/(9*k) + 3.0902*math.Sqrt(2/(9*k))
	return k * c * c * c
}

// TestOffsetsDistribution draws 200 000 offsets (10 000 in the far tail) with a fixed seed, for the default σ_step = 2 without
// bounds, inside bounds that cut both tails, future-only, and in a far tail (where Draw falls back
// to inverting the distribution), and checks: no draw is 1 or outside the
// bounds; PMF agrees with a Simpson integration of the normal density to 1e-9; the empirical
// frequencies pass a χ² test against it at the 99.9% level; and the same draws fail the test against
// variance 2 (σ_step = √2), the misreading of N_Z(1, σ_step²) the test must catch.
func TestOffsetsDistribution(t *testing.T) {
	for _, tc := range []struct {
		name      string
		o         Offsets
		lo, hi, n int
	}{
		{"default", Offsets{}, -1000, 1000, 200_000},
		{"bounded", Offsets{}, -2, 4, 200_000},
		{"future only", Offsets{FutureOnly: true}, -1000, 9, 200_000},
		{"far tail (inversion)", Offsets{}, 9, 12, 10_000},
	} {
		n := tc.n
		ls, ps, err := tc.o.PMF(tc.lo, tc.hi)
		if err != nil {
			t.Fatal(err)
		}
		want := reference(tc.lo, tc.hi, DefaultSigmaStep, tc.o.FutureOnly)
		for i, l := range ls {
			if math.Abs(ps[i]-want[l]) > 1e-9 {
				t.Errorf("%s: p(%d) = %.12g, Simpson integration gives %.12g", tc.name, l, ps[i], want[l])
			}
		}
		rng := rand.New(rand.NewPCG(1, 2))
		counts := map[int]int{}
		for range n {
			l, err := tc.o.Draw(rng, tc.lo, tc.hi)
			if err != nil {
				t.Fatal(err)
			}
			if l == 1 || l < tc.lo || l > tc.hi || (tc.o.FutureOnly && l < 2) {
				t.Fatalf("%s: drew l = %d", tc.name, l)
			}
			counts[l]++
		}
		stat, df := chiSquare(counts, want, n)
		q := chiSquareQuantile999(df)
		t.Logf("%s: χ² = %.1f for %d degrees of freedom (99.9%% quantile %.1f); p(%d) = %.4f",
			tc.name, stat, df, q, ls[0], ps[0])
		if stat > q {
			t.Errorf("%s: χ² = %.1f above the 99.9%% quantile %.1f of %d degrees of freedom", tc.name, stat, q, df)
		}
		wrong := reference(tc.lo, tc.hi, math.Sqrt2, tc.o.FutureOnly)
		if stat, df := chiSquare(counts, wrong, n); stat < 10*chiSquareQuantile999(df) {
			t.Errorf("%s: the draws also fit σ_step = √2 (χ² = %.1f): the test cannot tell the variances apart", tc.name, stat)
		}
	}
}

// TestOffsetsRejectsEmptyAndBadOptions checks the errors: no allowed offset, a bad σ_step.
func TestOffsetsRejectsEmptyAndBadOptions(t *testing.T) {
	if _, _, err := (Offsets{FutureOnly: true}).PMF(-5, 1); err == nil || !strings.Contains(err.Error(), "no negative offset") {
		t.Errorf("future only in [-5, 1]: error %v", err)
	}
	if _, _, err := (Offsets{}).PMF(1, 1); err == nil {
		t.Errorf("[1, 1]: no error")
	}
	for _, s := range []float64{-1, math.NaN(), math.Inf(1)} {
		if _, _, err := (Offsets{SigmaStep: s}).PMF(-3, 3); err == nil || !strings.Contains(err.Error(), "SigmaStep") {
			t.Errorf("σ_step %g: error %v", s, err)
		}
	}
}
