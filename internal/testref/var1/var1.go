// Package var1 is the closed-form oracle of multivariate forecasting: a stable first-order vector
// autoregression x_t = A x_{t−1} + e_t, e_t ~ N(0, Σ) independent, whose h-step predictive distribution
// given x_T is exactly Gaussian,
//
//	x_{T+h} | x_T ~ N(A^h x_T, Σ_h),  Σ_h = Σ_{j<h} A^j Σ (A^j)ᵀ = A Σ_{h−1} Aᵀ + Σ,
//
// so the sum over series is N(1ᵀA^h x_T, 1ᵀΣ_h 1) and its CRPS is the Gaussian closed form (Lütkepohl,
// "New Introduction to Multiple Time Series Analysis", 2005, §2.2; docs/SERIES.md). It simulates the
// process, gives the predictive moments, samples oracle ensembles in tidal's forecast layout and scores the
// oracle's CRPS-sum exactly, so that a forecaster's CRPS-sum can be set beside the best achievable one.
// Process.WithMean moves the process to a mean level μ, shifting every distribution by μ.
package var1

import (
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/metrics"
)

// Process is a stable VAR(1) process of N series about a mean level μ (zero unless WithMean sets it):
// x_t − μ = A (x_{t−1} − μ) + e_t.
type Process struct {
	n     int
	a     *mat.Dense
	sigma *mat.SymDense
	chol  *mat.TriDense // lower Cholesky factor of Σ
	mu    *mat.VecDense // the mean level
}

// New checks and builds the process x_t = A x_{t−1} + e_t, e_t ~ N(0, Σ): A and Σ are N×N and finite, Σ
// is symmetric positive definite, and A is stable (every eigenvalue of modulus below 1). A and Σ are copied.
func New(a *mat.Dense, sigma *mat.SymDense) (*Process, error) {
	r, c := a.Dims()
	if r != c || r < 1 {
		return nil, fmt.Errorf("A is %d×%d, expected a square matrix", r, c)
	}
	if n := sigma.SymmetricDim(); n != r {
		return nil, fmt.Errorf("Σ is %d×%d and A is %d×%d, expected the same size", n, n, r, r)
	}
	for i := range r {
		for j := range r {
			if !finite(a.At(i, j)) || !finite(sigma.At(i, j)) {
				return nil, fmt.Errorf("A[%d,%d] = %v, Σ[%d,%d] = %v: expected finite entries", i, j, a.At(i, j), i, j, sigma.At(i, j))
			}
		}
	}
	var ch mat.Cholesky
	if !ch.Factorize(sigma) {
		return nil, fmt.Errorf("Σ is not positive definite")
	}
	if rho, err := spectralRadius(a); err != nil {
		return nil, err
	} else if rho >= 1 {
		return nil, fmt.Errorf("A has spectral radius %.6g, expected below 1 (a stable process)", rho)
	}
	p := &Process{n: r, a: mat.DenseCopyOf(a), sigma: mat.NewSymDense(r, nil), chol: mat.NewTriDense(r, mat.Lower, nil), mu: mat.NewVecDense(r, nil)}
	p.sigma.CopySym(sigma)
	ch.LTo(p.chol)
	return p, nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// spectralRadius is the largest eigenvalue modulus of a.
func spectralRadius(a *mat.Dense) (float64, error) {
	var e mat.Eigen
	if !e.Factorize(a, mat.EigenNone) {
		return 0, fmt.Errorf("the eigenvalues of A did not converge")
	}
	rho := 0.0
	for _, v := range e.Values(nil) {
		rho = math.Max(rho, cmplx.Abs(v))
	}
	return rho, nil
}

// WithMean is the process about the mean level mu, x_t − μ = A (x_{t−1} − μ) + e_t: every distribution
// shifts by μ (predictive means μ + A^h (x_T − μ)) and the covariances are unchanged. A level far from zero
// keeps the CRPS-sum's normalisation Σ|z| away from zero, as for real series such as exchange rates.
func (p *Process) WithMean(mu []float64) (*Process, error) {
	if len(mu) != p.n {
		return nil, fmt.Errorf("mean level of %d values for %d series", len(mu), p.n)
	}
	for i, v := range mu {
		if !finite(v) {
			return nil, fmt.Errorf("mean level %d is %v, expected a finite value", i, v)
		}
	}
	q := *p
	q.mu = mat.NewVecDense(p.n, append([]float64(nil), mu...))
	return &q, nil
}

// N is the number of series.
func (p *Process) N() int { return p.n }

// Stationary is the stationary covariance Γ = Σ_{j≥0} A^j Σ (A^j)ᵀ, the solution of Γ = A Γ Aᵀ + Σ,
// by the doubling iteration Γ ← Γ + B Γ Bᵀ, B ← B² (B = A at first), which sums 2^k terms after k steps.
func (p *Process) Stationary() *mat.SymDense {
	g := mat.DenseCopyOf(p.sigma)
	b := mat.DenseCopyOf(p.a)
	var t, bgb mat.Dense
	for range 64 {
		t.Mul(b, g)
		bgb.Mul(&t, b.T())
		g.Add(g, &bgb)
		if mat.Norm(&bgb, math.Inf(1)) <= 1e-16*mat.Norm(g, math.Inf(1)) {
			break
		}
		t.Mul(b, b)
		b.Copy(&t)
	}
	return symmetric(g)
}

// symmetric is the symmetric part of a square matrix, (M + Mᵀ)/2.
func symmetric(m *mat.Dense) *mat.SymDense {
	n, _ := m.Dims()
	s := mat.NewSymDense(n, nil)
	for i := range n {
		for j := i; j < n; j++ {
			s.SetSym(i, j, (m.At(i, j)+m.At(j, i))/2)
		}
	}
	return s
}

// Simulate draws rows steps of the process, the first from the stationary distribution N(μ, Γ), as a
// [rows, N] float64 array; the same seed gives the same series.
func (p *Process) Simulate(rows int, seed uint64) (*data.Array, error) {
	if rows < 1 {
		return nil, fmt.Errorf("rows %d: expected at least 1", rows)
	}
	if rows > math.MaxInt/p.n/8 {
		return nil, fmt.Errorf("rows %d: %d × %d values do not fit in memory", rows, rows, p.n)
	}
	rng := rand.New(rand.NewPCG(seed, 0x7661_7231)) // "var1"
	var gc mat.Cholesky
	if !gc.Factorize(p.Stationary()) {
		return nil, fmt.Errorf("the stationary covariance is not positive definite")
	}
	var gl mat.TriDense
	gc.LTo(&gl)
	out := make([]float64, rows*p.n)
	x := mat.NewVecDense(p.n, out[:p.n])
	sc := p.scratch()
	correlated(x, &gl, rng, sc)
	x.AddVec(x, p.mu)
	prev := x
	for t := 1; t < rows; t++ {
		x := mat.NewVecDense(p.n, out[t*p.n:(t+1)*p.n])
		p.step(x, prev, rng, sc)
		prev = x
	}
	return data.FromFloat64(out, rows, p.n), nil
}

// scratch holds the vectors one step needs, so that long simulations do not allocate per step.
type scratch struct{ z, d, ad *mat.VecDense }

func (p *Process) scratch() *scratch {
	return &scratch{z: mat.NewVecDense(p.n, nil), d: mat.NewVecDense(p.n, nil), ad: mat.NewVecDense(p.n, nil)}
}

// correlated sets x to L z with z standard normal: a N(0, L Lᵀ) draw.
func correlated(x *mat.VecDense, l *mat.TriDense, rng *rand.Rand, s *scratch) {
	for i := range s.z.Len() {
		s.z.SetVec(i, rng.NormFloat64())
	}
	x.MulVec(l, s.z)
}

// step sets x to μ + A (prev − μ) + e, e ~ N(0, Σ); x and prev must not share memory.
func (p *Process) step(x, prev *mat.VecDense, rng *rand.Rand, s *scratch) {
	correlated(x, p.chol, rng, s)
	s.d.SubVec(prev, p.mu)
	s.ad.MulVec(p.a, s.d)
	x.AddVec(x, s.ad)
	x.AddVec(x, p.mu)
}

// Predictive is the exact h-step predictive distribution given the last observation x: the mean
// μ + A^h (x − μ) and the covariance Σ_h, by the recursion Σ_h = A Σ_{h−1} Aᵀ + Σ from Σ_0 = 0.
func (p *Process) Predictive(x []float64, h int) (mean []float64, cov *mat.SymDense, err error) {
	if len(x) != p.n {
		return nil, nil, fmt.Errorf("the last observation has %d values, expected %d series", len(x), p.n)
	}
	if h < 1 {
		return nil, nil, fmt.Errorf("horizon %d: expected at least 1 step", h)
	}
	p.forward(x, h, func(k int, m *mat.VecDense, c *mat.Dense) {
		if k == h {
			mean, cov = append([]float64(nil), m.RawVector().Data...), symmetric(c)
		}
	})
	return mean, cov, nil
}

// forward runs the predictive recursion from x for steps steps, calling visit with each horizon h = 1, 2, …
// and its mean μ + A^h (x − μ) and covariance Σ_h (valid during the call only).
func (p *Process) forward(x []float64, steps int, visit func(h int, mean *mat.VecDense, cov *mat.Dense)) {
	d := mat.NewVecDense(p.n, append([]float64(nil), x...))
	d.SubVec(d, p.mu)
	c := mat.NewDense(p.n, p.n, nil)
	var t, next mat.Dense
	var ad, m mat.VecDense
	for h := 1; h <= steps; h++ {
		ad.MulVec(p.a, d)
		d.CopyVec(&ad)
		m.AddVec(d, p.mu)
		t.Mul(p.a, c)
		next.Mul(&t, p.a.T())
		next.Add(&next, p.sigma)
		c.Copy(&next)
		visit(h, &m, c)
	}
}

// sums is 1ᵀm and √(1ᵀc1).
func sums(m *mat.VecDense, c mat.Matrix) (mu, sd float64) {
	n := m.Len()
	var v float64
	for i := range n {
		mu += m.AtVec(i)
		for j := range n {
			v += c.At(i, j)
		}
	}
	return mu, math.Sqrt(v)
}

// SumPredictive is the predictive distribution of the sum over series h steps after x: N(mu, sd²) with
// mu = 1ᵀ(μ + A^h (x − μ)) and sd² = 1ᵀΣ_h 1.
func (p *Process) SumPredictive(x []float64, h int) (mu, sd float64, err error) {
	mean, cov, err := p.Predictive(x, h)
	if err != nil {
		return 0, 0, err
	}
	mu, sd = sums(mat.NewVecDense(p.n, mean), cov)
	return mu, sd, nil
}

// Ensemble samples the oracle's forecast of every case of a [rows, N] series: members paths
// x_{s+h} = μ + A (x_{s+h−1} − μ) + e from the case's last observation x_{s−1}, which follow the exact joint
// predictive distribution over the leads. Member m of case b draws from its own PCG stream keyed by
// (seed, b, m), whatever the numbers of members and cases. Shape [cases, members, lead, N], float32.
func (p *Process) Ensemble(series *data.Array, c forecast.Cases, members int, seed uint64) (*data.Array, error) {
	last, err := p.lastObserved(series, c)
	if err != nil {
		return nil, err
	}
	if members < 1 {
		return nil, fmt.Errorf("members %d: expected at least 1", members)
	}
	if err := forecast.CheckSize(len(c.Starts), members, c.Lead, p.n); err != nil {
		return nil, err
	}
	n := p.n
	out := make([]float32, len(c.Starts)*members*c.Lead*n)
	x, prev, sc := mat.NewVecDense(n, nil), mat.NewVecDense(n, nil), p.scratch()
	for b := range c.Starts {
		for m := range members {
			rng := rand.New(rand.NewPCG(seed, forecast.MemberStream(b, m)))
			copy(prev.RawVector().Data, last[b])
			base := (b*members + m) * c.Lead * n
			for h := range c.Lead {
				p.step(x, prev, rng, sc)
				for i := range n {
					out[base+h*n+i] = float32(x.AtVec(i))
				}
				x, prev = prev, x
			}
		}
	}
	return data.FromFloat32(out, len(c.Starts), members, c.Lead, n), nil
}

// lastObserved checks the series and cases and returns every case's last observation x_{s−1}.
func (p *Process) lastObserved(series *data.Array, c forecast.Cases) ([][]float64, error) {
	if len(series.Shape) != 2 || series.Shape[1] != p.n {
		return nil, fmt.Errorf("series of shape %v: expected [rows, %d]", series.Shape, p.n)
	}
	if c.Lead < 1 {
		return nil, fmt.Errorf("lead %d: expected at least 1 step", c.Lead)
	}
	v := series.Float64()
	last := make([][]float64, len(c.Starts))
	for b, s := range c.Starts {
		if s < 1 || s+c.Lead > series.Shape[0] {
			return nil, fmt.Errorf("case %d starts at row %d with %d leads: expected 1 ≤ start ≤ %d", b, s, c.Lead, series.Shape[0]-c.Lead)
		}
		last[b] = v[(s-1)*p.n : s*p.n]
		for i, x := range last[b] {
			if !finite(x) {
				return nil, fmt.Errorf("case %d: the last observation (row %d) holds %v in series %d", b, s-1, x, i)
			}
		}
	}
	return last, nil
}

// CRPSSum is the oracle's exact CRPS-sum over the cases of a [rows, N] series: with z the summed truth
// and N(mu, sd²) the summed predictive distribution at each case and lead,
// Σ CRPSGaussian(mu, sd, z) / Σ |z| (the ratio of metrics.CRPSSum, with the ensemble replaced by its
// limit). An unbiased ensemble estimate of it is metrics.CRPSSum of Ensemble with the fair estimator.
func (p *Process) CRPSSum(series *data.Array, c forecast.Cases) (float64, error) {
	last, err := p.lastObserved(series, c)
	if err != nil {
		return 0, err
	}
	v := series.Float64()
	var num, den float64
	for b, s := range c.Starts {
		p.forward(last[b], c.Lead, func(h int, m *mat.VecDense, cov *mat.Dense) {
			mu, sd := sums(m, cov)
			var z float64
			for _, y := range v[(s+h-1)*p.n : (s+h)*p.n] {
				z += y
			}
			num += metrics.CRPSGaussian(mu, sd, z)
			den += math.Abs(z)
		})
	}
	if den == 0 {
		return 0, fmt.Errorf("the summed truth is zero everywhere, so the normalisation Σ|z| is zero")
	}
	return num / den, nil
}
