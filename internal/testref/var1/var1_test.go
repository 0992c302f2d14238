package var1

import (
	"math"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/seriesscore"
)

// testProcess is Coupled4, failing the test if it cannot be built.
func testProcess(t *testing.T) *Process {
	t.Helper()
	p, err := Coupled4()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// score is the CRPS-sum of f [cases, members, lead, N] against truth [cases, lead, N].
func score(t *testing.T, f, truth *data.Array) seriesscore.Sums {
	t.Helper()
	s, err := seriesscore.CRPSSum(f, truth)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A scalar AR(1) has mean aʰx and variance s²(1 − a²ʰ)/(1 − a²) h steps ahead, and stationary variance
// s²/(1 − a²).
func TestPredictiveAR1(t *testing.T) {
	a, s2 := -0.8, 2.5
	p, err := New(mat.NewDense(1, 1, []float64{a}), mat.NewSymDense(1, []float64{s2}))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []int{1, 2, 7, 40} {
		mean, cov, err := p.Predictive([]float64{3}, h)
		if err != nil {
			t.Fatal(err)
		}
		hh := float64(h)
		if want := math.Pow(a, hh) * 3; math.Abs(mean[0]-want) > 1e-14 {
			t.Errorf("h %d: mean %v, expected %v", h, mean[0], want)
		}
		if want := s2 * (1 - math.Pow(a, 2*hh)) / (1 - a*a); math.Abs(cov.At(0, 0)-want) > 1e-13*want {
			t.Errorf("h %d: variance %v, expected %v", h, cov.At(0, 0), want)
		}
	}
	if g, want := p.Stationary().At(0, 0), s2/(1-a*a); math.Abs(g-want) > 1e-13*want {
		t.Errorf("stationary variance %v, expected %v", g, want)
	}
}

// The recursion agrees with the explicit sum Σ_h = Σ_{j<h} A^j Σ (A^j)ᵀ and the mean with A^h x computed
// by matrix powers; the stationary covariance solves Γ = A Γ Aᵀ + Σ; the sum's moments are 1ᵀμ and 1ᵀΣ_h 1.
func TestPredictiveMatchesExplicitSum(t *testing.T) {
	p := testProcess(t)
	x := []float64{1, -2, 0.5, 3}
	for _, h := range []int{1, 3, 12} {
		mean, cov, err := p.Predictive(x, h)
		if err != nil {
			t.Fatal(err)
		}
		var want, aj, term, tmp mat.Dense
		want.Scale(0, p.sigma)
		for j := range h {
			aj.Pow(p.a, j)
			tmp.Mul(&aj, p.sigma)
			term.Mul(&tmp, aj.T())
			want.Add(&want, &term)
		}
		if !mat.EqualApprox(cov, &want, 1e-12) {
			t.Errorf("h %d: Σ_h\n%v\nexpected\n%v", h, mat.Formatted(cov), mat.Formatted(&want))
		}
		aj.Pow(p.a, h)
		var am mat.VecDense
		am.MulVec(&aj, mat.NewVecDense(4, x))
		if !mat.EqualApprox(mat.NewVecDense(4, mean), &am, 1e-12) {
			t.Errorf("h %d: mean %v, expected %v", h, mean, am.RawVector().Data)
		}
		mu, sd, err := p.SumPredictive(x, h)
		if err != nil {
			t.Fatal(err)
		}
		ones := mat.NewVecDense(4, []float64{1, 1, 1, 1})
		if wmu, wv := mat.Dot(ones, &am), mat.Inner(ones, &want, ones); math.Abs(mu-wmu) > 1e-12 || math.Abs(sd*sd-wv) > 1e-10 {
			t.Errorf("h %d: sum N(%v, %v²), expected N(%v, %v)", h, mu, sd, wmu, wv)
		}
	}
	g := p.Stationary()
	var agat, tmp mat.Dense
	tmp.Mul(p.a, g)
	agat.Mul(&tmp, p.a.T())
	agat.Add(&agat, p.sigma)
	if !mat.EqualApprox(g, &agat, 1e-12) {
		t.Errorf("Γ − (AΓAᵀ + Σ) is not zero:\n%v\n%v", mat.Formatted(g), mat.Formatted(&agat))
	}
	_, far, _ := p.Predictive(x, 400)
	if !mat.EqualApprox(g, far, 1e-10) {
		t.Error("Σ_h does not converge to Γ")
	}
}

// Oracle ensembles have the predictive mean and covariance at each lead, within Monte-Carlo error, and a
// member does not depend on the ensemble size.
func TestEnsembleMoments(t *testing.T) {
	p := testProcess(t)
	series, err := p.Simulate(50, 3)
	if err != nil {
		t.Fatal(err)
	}
	c := forecast.Cases{Context: 1, Lead: 5, Starts: []int{20, 40}}
	const M = 20000
	f, err := p.Ensemble(series, c, M, 9)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.Shape, []int{2, M, 5, 4}) {
		t.Fatalf("shape %v", f.Shape)
	}
	for b, s := range c.Starts {
		x := series.F64[(s-1)*4 : s*4]
		for _, h := range []int{1, 5} {
			mean, cov, _ := p.Predictive(x, h)
			at := func(m, i int) float64 { return float64(f.F32[((b*M+m)*5+h-1)*4+i]) }
			for i := range 4 {
				var sum float64
				for m := range M {
					sum += at(m, i)
				}
				got := sum / M
				if se := math.Sqrt(cov.At(i, i) / M); math.Abs(got-mean[i]) > 4.5*se {
					t.Errorf("case %d lead %d series %d: mean %.4f, expected %.4f ± %.4f", b, h, i, got, mean[i], se)
				}
				for j := i; j < 4; j++ {
					var sxy float64
					for m := range M {
						sxy += (at(m, i) - mean[i]) * (at(m, j) - mean[j])
					}
					got, want := sxy/M, cov.At(i, j)
					if se := math.Sqrt((cov.At(i, i)*cov.At(j, j) + want*want) / M); math.Abs(got-want) > 4.5*se {
						t.Errorf("case %d lead %d: cov[%d,%d] %.4f, expected %.4f ± %.4f", b, h, i, j, got, want, se)
					}
				}
			}
		}
	}
	few, _ := p.Ensemble(series, forecast.Cases{Context: 1, Lead: 5, Starts: []int{20}}, 3, 9)
	if !slices.Equal(few.F32, f.F32[:len(few.F32)]) {
		t.Error("the first members changed with the ensemble size")
	}
}

// A simulated series is reproducible from its seed and has the stationary covariance.
func TestSimulateStationary(t *testing.T) {
	p := testProcess(t)
	const rows = 40000
	s, err := p.Simulate(rows, 5)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := p.Simulate(rows, 5)
	if !slices.Equal(s.F64, again.F64) {
		t.Fatal("the same seed gave another series")
	}
	g := p.Stationary()
	for i := range 4 {
		var v float64
		for r := range rows {
			v += s.F64[r*4+i] * s.F64[r*4+i]
		}
		// The samples are autocorrelated (ρ ≤ 0.9): allow 10% on the variance.
		if got := v / rows; math.Abs(got-g.At(i, i)) > 0.1*g.At(i, i) {
			t.Errorf("series %d: variance %.3f, stationary %.3f", i, got, g.At(i, i))
		}
	}
}

// The oracle ensemble's CRPS-sum (fair estimator, unbiased) converges to the closed form as members grow,
// and the empirical estimator approaches it from above.
func TestOracleCRPSSumConverges(t *testing.T) {
	p := testProcess(t)
	series, _ := p.Simulate(1000, 1)
	c, err := forecast.Rolling{Train: 200, Windows: 40, Predict: 10, Stride: 20}.Cases(1000, 1)
	if err != nil {
		t.Fatal(err)
	}
	exact, err := p.CRPSSum(series, c)
	if err != nil {
		t.Fatal(err)
	}
	truth, _ := forecast.Truth(series, c)
	score := func(members int) seriesscore.Sums {
		f, err := p.Ensemble(series, c, members, 2)
		if err != nil {
			t.Fatal(err)
		}
		return score(t, f, truth)
	}
	fair, emp10 := score(2000).Fair, score(10).Empirical
	t.Logf("oracle CRPS-sum: closed form %.5f, fair 2000 members %.5f, empirical 10 members %.5f", exact, fair, emp10)
	if math.Abs(fair-exact) > 0.01*exact {
		t.Errorf("fair CRPS-sum of 2000 members %.5f, closed form %.5f: expected within 1%%", fair, exact)
	}
	if emp10 < exact*1.02 {
		t.Errorf("empirical CRPS-sum of 10 members %.5f should exceed the closed form %.5f by its bias", emp10, exact)
	}
}

// A mean level μ shifts every distribution by μ: the predictive moments, the simulated series' mean and
// the oracle ensembles agree with the zero-mean process's shifted by μ.
func TestWithMean(t *testing.T) {
	p := testProcess(t)
	mu := []float64{10, -3, 25, 0.5}
	q, err := p.WithMean(mu)
	if err != nil {
		t.Fatal(err)
	}
	x := []float64{12, -1, 20, 0}
	for _, h := range []int{1, 4} {
		mq, cq, _ := q.Predictive(x, h)
		d := make([]float64, 4)
		for i := range d {
			d[i] = x[i] - mu[i]
		}
		mp, cp, _ := p.Predictive(d, h)
		for i := range mq {
			if math.Abs(mq[i]-(mp[i]+mu[i])) > 1e-12 {
				t.Errorf("h %d: mean %v, expected %v + μ", h, mq, mp)
			}
		}
		if !mat.EqualApprox(cq, cp, 1e-14) {
			t.Errorf("h %d: the covariance changed with the mean level", h)
		}
	}
	const rows = 40000
	s, _ := q.Simulate(rows, 6)
	g := p.Stationary()
	for i := range 4 {
		var m float64
		for r := range rows {
			m += s.F64[r*4+i] / rows
		}
		if math.Abs(m-mu[i]) > 0.1*math.Sqrt(g.At(i, i)) {
			t.Errorf("series %d: mean %.3f, expected μ = %v", i, m, mu[i])
		}
	}
	z := data.FromFloat64(slices.Clone(s.F64[:400]), 100, 4) // the same series without the level
	for r := range 100 {
		for i := range 4 {
			z.F64[r*4+i] -= mu[i]
		}
	}
	c := forecast.Cases{Context: 1, Lead: 6, Starts: []int{30, 90}}
	fq, _ := q.Ensemble(data.FromFloat64(s.F64[:400], 100, 4), c, 5, 3)
	fp, _ := p.Ensemble(z, c, 5, 3)
	for k := range fq.F32 {
		if math.Abs(float64(fq.F32[k])-(float64(fp.F32[k])+mu[k%4])) > 1e-4 {
			t.Fatalf("value %d: %v with the level, %v + %v without", k, fq.F32[k], fp.F32[k], mu[k%4])
		}
	}
	if _, err := p.WithMean([]float64{1}); err == nil {
		t.Error("a mean level of the wrong length accepted")
	}
	if _, err := p.WithMean([]float64{1, 2, math.NaN(), 4}); err == nil || !strings.Contains(err.Error(), "mean level 2") {
		t.Errorf("a NaN mean level: error %v", err)
	}
}

// On VAR(1) data about a mean level (so that CRPS-sums are on the scale of real series) the oracle beats a
// random walk fitted on the training rows, in both CRPS-sum forms.
func TestOracleBeatsRandomWalk(t *testing.T) {
	p, err := testProcess(t).WithMean([]float64{10, 20, 30, 40})
	if err != nil {
		t.Fatal(err)
	}
	series, _ := p.Simulate(1200, 4)
	r := forecast.Rolling{Train: 1000, Windows: 6, Predict: 30, Stride: 30}
	c, err := r.Cases(1200, 1)
	if err != nil {
		t.Fatal(err)
	}
	truth, _ := forecast.Truth(series, c)
	scale, err := forecast.IncrementScale(series, r.Train)
	if err != nil {
		t.Fatal(err)
	}
	rw, err := forecast.RandomWalk(series, c, scale, 100, 1)
	if err != nil {
		t.Fatal(err)
	}
	or, err := p.Ensemble(series, c, 100, 1)
	if err != nil {
		t.Fatal(err)
	}
	exact, _ := p.CRPSSum(series, c)
	o, w := score(t, or, truth).Quantile, score(t, rw, truth).Quantile
	t.Logf("VAR(1) CRPS-sum (quantile loss, 100 members): oracle %.4f, random walk %.4f; oracle closed form %.4f", o, w, exact)
	if !(o < 0.8*w) || !(exact < 0.8*w) {
		t.Errorf("the oracle (%.4f, closed form %.4f) should beat the random walk (%.4f) by 20%%", o, exact, w)
	}
}

func TestNewRefuses(t *testing.T) {
	id := mat.NewSymDense(2, []float64{1, 0, 0, 1})
	for _, c := range []struct {
		a    *mat.Dense
		s    *mat.SymDense
		want string
	}{
		{mat.NewDense(2, 3, nil), id, "A is 2×3"},
		{mat.NewDense(3, 3, nil), id, "Σ is 2×2 and A is 3×3"},
		{mat.NewDense(2, 2, []float64{0.5, 0, 0, 1}), id, "spectral radius 1"},
		{mat.NewDense(2, 2, []float64{0, 2, -2, 0}), id, "spectral radius 2"}, // complex eigenvalues ±2i
		{mat.NewDense(2, 2, []float64{0.5, 0, 0, 0.5}), mat.NewSymDense(2, []float64{1, 2, 2, 1}), "not positive definite"},
		{mat.NewDense(2, 2, []float64{0.5, math.NaN(), 0, 0.5}), id, "expected finite"},
	} {
		if _, err := New(c.a, c.s); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, expected %q", err, c.want)
		}
	}
	p := testProcess(t)
	s, _ := p.Simulate(20, 1)
	if _, _, err := p.Predictive([]float64{1}, 1); err == nil {
		t.Error("a last observation of the wrong length accepted")
	}
	if _, _, err := p.Predictive(make([]float64, 4), 0); err == nil {
		t.Error("horizon 0 accepted")
	}
	for _, c := range []forecast.Cases{{Context: 1, Lead: 5, Starts: []int{0}}, {Context: 1, Lead: 5, Starts: []int{16}}, {Context: 1, Lead: 0, Starts: []int{3}}} {
		if _, err := p.Ensemble(s, c, 2, 1); err == nil {
			t.Errorf("cases %+v accepted", c)
		}
	}
	if _, err := p.Ensemble(s, forecast.Cases{Context: 1, Lead: 5, Starts: []int{3}}, 1<<40, 1); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("2⁴⁰ members: error %v", err)
	}
	if _, err := p.Ensemble(data.FromFloat64(make([]float64, 30), 10, 3), forecast.Cases{Context: 1, Lead: 1, Starts: []int{2}}, 2, 1); err == nil || !strings.Contains(err.Error(), "expected [rows, 4]") {
		t.Errorf("3 series for a 4-series process: error %v", err)
	}
	s.F64[4*4+2] = math.NaN()
	if _, err := p.CRPSSum(s, forecast.Cases{Context: 1, Lead: 2, Starts: []int{5}}); err == nil || !strings.Contains(err.Error(), "row 4") {
		t.Errorf("NaN in the last observation: error %v", err)
	}
}
