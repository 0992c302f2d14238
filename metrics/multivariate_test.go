package metrics

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestEnergyScoreGolden checks the energy score on an ensemble worked by hand: two members (0, 0) and
// (3, 4) and the truth (0, 0): (0 + 5)/2 − (2·5)/(2·4) = 1.25.
func TestEnergyScoreGolden(t *testing.T) {
	f, err := NewEnsemble([]float64{0, 0, 3, 4}, []int{1, 2, 1, 2}, DefaultLayout)
	if err != nil {
		t.Fatal(err)
	}
	o, err := NewTruth([]float64{0, 0}, []int{1, 1, 2}, DefaultLayout)
	if err != nil {
		t.Fatal(err)
	}
	es, err := EnergyScore(f, o)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(es[0]-1.25) > 1e-15 {
		t.Errorf("energy score %v, want 1.25", es[0])
	}
}

// TestEnergyScoreOnePointIsCRPS checks that with a one-point field the energy score is the empirical
// ensemble CRPS, computed by CRPSEnsemble's sorted formula (an independent implementation).
func TestEnergyScoreOnePointIsCRPS(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 1))
	const C, M, L = 3, 17, 4
	fv := make([]float64, C*M*L)
	ov := make([]float64, C*L)
	for i := range fv {
		fv[i] = rng.NormFloat64()
	}
	for i := range ov {
		ov[i] = rng.NormFloat64()
	}
	f, _ := NewEnsemble(fv, []int{C, M, L, 1}, DefaultLayout)
	o, _ := NewTruth(ov, []int{C, L, 1}, DefaultLayout)
	es, err := EnergyScore(f, o)
	if err != nil {
		t.Fatal(err)
	}
	for l := range L {
		var want float64
		for c := range C {
			m := make([]float64, M)
			for k := range M {
				m[k] = f.At(c, k, l, 0)
			}
			want += CRPSEnsemble(m, o.At(c, 0, l, 0), Empirical) / C
		}
		if math.Abs(es[l]-want) > 1e-12 {
			t.Errorf("lead %d: energy score %v, CRPS %v", l, es[l], want)
		}
	}
}

// TestEnergyScoreGaussianClosedForm checks a large ensemble of N(0, I_d) against the truth 0, whose
// energy score is E‖X‖ − ½E‖X − X′‖ = (√2 − 1)·Γ((d+1)/2)/Γ(d/2): ‖X‖ is chi-distributed with mean
// √2·Γ((d+1)/2)/Γ(d/2), and X − X′ is √2 times such a vector.
func TestEnergyScoreGaussianClosedForm(t *testing.T) {
	rng := rand.New(rand.NewPCG(32, 2))
	const M, d = 3000, 5
	fv := make([]float64, M*d)
	for i := range fv {
		fv[i] = rng.NormFloat64()
	}
	f, _ := NewEnsemble(fv, []int{1, M, 1, d}, DefaultLayout)
	o, _ := NewTruth(make([]float64, d), []int{1, 1, d}, DefaultLayout)
	es, err := EnergyScore(f, o)
	if err != nil {
		t.Fatal(err)
	}
	lg1, _ := math.Lgamma((d + 1) / 2.0)
	lg2, _ := math.Lgamma(d / 2.0)
	want := (math.Sqrt2 - 1) * math.Exp(lg1-lg2)
	if math.Abs(es[0]-want) > 0.02*want {
		t.Errorf("energy score %v, closed form %v", es[0], want)
	}
}

// TestVariogramScoreGolden checks the variogram score of order 1 on an ensemble worked by hand: one
// member (0, 1, 3) and the truth (0, 0, 0): the pairs' truth terms are 0, the member's |Δ| are 1, 3, 2,
// so VS = 2·(1 + 9 + 4) = 28; of order 0.5, 2·(1 + 3 + 2) = 12.
func TestVariogramScoreGolden(t *testing.T) {
	f, _ := NewEnsemble([]float64{0, 1, 3}, []int{1, 1, 1, 3}, DefaultLayout)
	o, _ := NewTruth([]float64{0, 0, 0}, []int{1, 1, 3}, DefaultLayout)
	for _, c := range []struct{ p, want float64 }{{1, 28}, {0.5, 12}} {
		vs, err := VariogramScore(f, o, c.p)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(vs[0]-c.want) > 1e-12 {
			t.Errorf("p = %v: variogram score %v, want %v", c.p, vs[0], c.want)
		}
	}
	if _, err := VariogramScore(f, o, 0); err == nil {
		t.Errorf("order 0: no error")
	}
}

// TestVariogramScoreGaussianClosedForm checks a large ensemble of a correlated Gaussian against the
// closed form: X_i − X_j ~ N(0, s²) gives E|X_i − X_j|^p = s^p·2^(p/2)·Γ((p+1)/2)/√π, so for truth y,
// VS_p → Σ_{i≠j} (|y_i − y_j|^p − E|X_i − X_j|^p)² as M grows (the Monte Carlo error is small at M = 20000).
func TestVariogramScoreGaussianClosedForm(t *testing.T) {
	rng := rand.New(rand.NewPCG(33, 3))
	const M, d, p = 20000, 3, 0.5
	// X = A z with A lower triangular: Cov = A Aᵀ.
	A := [d][d]float64{{1, 0, 0}, {0.8, 0.6, 0}, {-0.5, 0.3, 1.2}}
	fv := make([]float64, M*d)
	for m := range M {
		z := [d]float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
		for i := range d {
			for k := range d {
				fv[m*d+i] += A[i][k] * z[k]
			}
		}
	}
	y := []float64{0.3, -1, 2}
	f, _ := NewEnsemble(fv, []int{1, M, 1, d}, DefaultLayout)
	o, _ := NewTruth(y, []int{1, 1, d}, DefaultLayout)
	vs, err := VariogramScore(f, o, p)
	if err != nil {
		t.Fatal(err)
	}
	lg, _ := math.Lgamma((p + 1) / 2)
	moment := math.Pow(2, p/2) * math.Exp(lg) / math.Sqrt(math.Pi)
	var want float64
	for i := range d {
		for j := range d {
			if i == j {
				continue
			}
			var s2 float64
			for k := range d {
				s2 += (A[i][k] - A[j][k]) * (A[i][k] - A[j][k])
			}
			e := math.Pow(s2, p/2) * moment
			dlt := math.Pow(math.Abs(y[i]-y[j]), p) - e
			want += dlt * dlt
		}
	}
	if math.Abs(vs[0]-want) > 0.02*want {
		t.Errorf("variogram score %v, closed form %v", vs[0], want)
	}
}
