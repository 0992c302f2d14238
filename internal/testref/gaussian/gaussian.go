// Package gaussian holds the small matrix helpers (factorizations by gonum) and Gaussian-moment tools that the samplers' tests use
// to check samples against closed forms: dense L×L matrices (L a handful of frames), Gaussian frame
// vectors with a given mean and covariance, and z-scores of sample moments.
package gaussian

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// Mat is a dense square matrix, row-major.
type Mat [][]float64

// NewMat returns the n×n zero matrix.
func NewMat(n int) Mat {
	m := make(Mat, n)
	for i := range m {
		m[i] = make([]float64, n)
	}
	return m
}

// Identity returns the n×n identity.
func Identity(n int) Mat {
	m := NewMat(n)
	for i := range m {
		m[i][i] = 1
	}
	return m
}

// Diag returns the diagonal matrix of d.
func Diag(d []float64) Mat {
	m := NewMat(len(d))
	for i, v := range d {
		m[i][i] = v
	}
	return m
}

// Mul returns a·b.
func (a Mat) Mul(b Mat) Mat {
	n := len(a)
	c := NewMat(n)
	for i := range n {
		for j := range n {
			for k := range n {
				c[i][j] += a[i][k] * b[k][j]
			}
		}
	}
	return c
}

// Vec returns a·v.
func (a Mat) Vec(v []float64) []float64 {
	out := make([]float64, len(a))
	for i := range a {
		for k := range v {
			out[i] += a[i][k] * v[k]
		}
	}
	return out
}

// T returns the transpose.
func (a Mat) T() Mat {
	c := NewMat(len(a))
	for i := range a {
		for j := range a {
			c[i][j] = a[j][i]
		}
	}
	return c
}

// Scale returns s·a.
func (a Mat) Scale(s float64) Mat {
	c := NewMat(len(a))
	for i := range a {
		for j := range a {
			c[i][j] = s * a[i][j]
		}
	}
	return c
}

// Add returns a + b.
func (a Mat) Add(b Mat) Mat {
	c := NewMat(len(a))
	for i := range a {
		for j := range a {
			c[i][j] = a[i][j] + b[i][j]
		}
	}
	return c
}

// Sub returns a − b.
func (a Mat) Sub(b Mat) Mat { return a.Add(b.Scale(-1)) }

// dense converts a to gonum's matrix type.
func (a Mat) dense() *mat.Dense {
	n := len(a)
	d := mat.NewDense(n, n, nil)
	for i := range a {
		d.SetRow(i, a[i])
	}
	return d
}

// fromDense converts a gonum matrix back.
func fromDense(d mat.Matrix) Mat {
	n, _ := d.Dims()
	m := NewMat(n)
	for i := range n {
		for j := range n {
			m[i][j] = d.At(i, j)
		}
	}
	return m
}

// sym converts the symmetric a to gonum's symmetric type (its upper triangle is used).
func (a Mat) sym() *mat.SymDense {
	n := len(a)
	s := mat.NewSymDense(n, nil)
	for i := range n {
		for j := i; j < n; j++ {
			s.SetSym(i, j, a[i][j])
		}
	}
	return s
}

// Inv inverts a (gonum's LU). It panics on a singular matrix: the tests' matrices are well conditioned.
func (a Mat) Inv() Mat {
	var inv mat.Dense
	if err := inv.Inverse(a.dense()); err != nil {
		panic(fmt.Sprintf("gaussian: inverting %v: %v", a, err))
	}
	return fromDense(&inv)
}

// Chol returns the lower Cholesky factor of the symmetric positive definite a (gonum's Cholesky).
func (a Mat) Chol() Mat {
	var c mat.Cholesky
	if !c.Factorize(a.sym()) {
		panic(fmt.Sprintf("gaussian: %v is not positive definite", a))
	}
	var l mat.TriDense
	c.LTo(&l)
	return fromDense(&l)
}

// EigSym returns the eigenvalues and the orthogonal matrix of eigenvectors (as columns) of the symmetric
// a (gonum's EigenSym): a = U·diag(λ)·Uᵀ.
func (a Mat) EigSym() ([]float64, Mat) {
	var e mat.EigenSym
	if !e.Factorize(a.sym(), true) {
		panic(fmt.Sprintf("gaussian: eigendecomposition of %v failed", a))
	}
	var u mat.Dense
	e.VectorsTo(&u)
	return e.Values(nil), fromDense(&u)
}

// Model is Gaussian data: every pixel's frame vector is N(Mu, Sigma), independently across pixels.
type Model struct {
	Mu    []float64
	Sigma Mat
}

// TestModel is the data of the exact-denoiser tests: 4 frames, a non-zero mean, unequal variances and
// strong frame-to-frame correlation (Σ_ij = 0.8^|i−j| sd_i sd_j).
func TestModel() Model {
	mu := []float64{0.5, -0.3, 0.2, 0.4}
	sd := []float64{1.0, 0.8, 1.2, 0.9}
	s := NewMat(4)
	for i := range 4 {
		for j := range 4 {
			s[i][j] = math.Pow(0.8, math.Abs(float64(i-j))) * sd[i] * sd[j]
		}
	}
	return Model{Mu: mu, Sigma: s}
}

// Frames returns the length L of a frame vector.
func (d Model) Frames() int { return len(d.Mu) }

// Sample draws rows×P frame vectors, stored [rows, L, P].
func (d Model) Sample(seed uint64, rows, P int) []float64 {
	r := rand.New(rand.NewPCG(seed, 99))
	L, c := d.Frames(), d.Sigma.Chol()
	out := make([]float64, rows*L*P)
	z := make([]float64, L)
	for row := range rows {
		for p := range P {
			for f := range z {
				z[f] = r.NormFloat64()
			}
			v := c.Vec(z)
			for f := range L {
				out[(row*L+f)*P+p] = d.Mu[f] + v[f]
			}
		}
	}
	return out
}

// Moments returns the mean vector and covariance matrix over frames of samples stored [rows, L, P]
// (every row and pixel one L-vector).
func Moments(x []float64, L, P int) ([]float64, Mat) {
	n := len(x) / (L * P)
	mean := make([]float64, L)
	cov := NewMat(L)
	at := func(r, p, f int) float64 { return x[(r*L+f)*P+p] }
	for r := range n {
		for p := range P {
			for f := range L {
				mean[f] += at(r, p, f)
			}
		}
	}
	for f := range mean {
		mean[f] /= float64(n * P)
	}
	for r := range n {
		for p := range P {
			for f := range L {
				for k := range L {
					cov[f][k] += (at(r, p, f) - mean[f]) * (at(r, p, k) - mean[k])
				}
			}
		}
	}
	return mean, cov.Scale(1 / float64(n*P-1))
}

// MaxZ returns the largest |z|-score of a sample mean and covariance of n Gaussian vectors against the
// true mu and sigma, with SE(mean_f) = √(Σ_ff/n) and SE(cov_fk) = √((Σ_ff Σ_kk + Σ_fk²)/n), after
// allowing every statistic a known bias of up to bias times its scale (√Σ_ff for a mean, √(Σ_ff Σ_kk) for
// a covariance; the scale RelDiff uses): z = max(|Δ| − bias·scale, 0)/SE. bias 0 is the plain z-score.
func MaxZ(mean []float64, cov Mat, mu []float64, sigma Mat, n int, bias float64) float64 {
	z := 0.0
	excess := func(d, scale, se float64) float64 { return math.Max(math.Abs(d)-bias*scale, 0) / se }
	for f := range mu {
		z = math.Max(z, excess(mean[f]-mu[f], math.Sqrt(sigma[f][f]), math.Sqrt(sigma[f][f]/float64(n))))
		for k := range mu {
			se := math.Sqrt((sigma[f][f]*sigma[k][k] + sigma[f][k]*sigma[f][k]) / float64(n))
			z = math.Max(z, excess(cov[f][k]-sigma[f][k], math.Sqrt(sigma[f][f]*sigma[k][k]), se))
		}
	}
	return z
}

// RelDiff returns the largest difference between two means and covariances relative to sigma's
// standard deviations: |Δμ_i|/√Σ_ii and |ΔΣ_ij|/√(Σ_ii Σ_jj).
func RelDiff(m1 []float64, c1 Mat, mu []float64, sigma Mat) float64 {
	d := 0.0
	for i := range mu {
		d = math.Max(d, math.Abs(m1[i]-mu[i])/math.Sqrt(sigma[i][i]))
		for j := range mu {
			d = math.Max(d, math.Abs(c1[i][j]-sigma[i][j])/math.Sqrt(sigma[i][i]*sigma[j][j]))
		}
	}
	return d
}

// HeunLaw is the exact law (mean, variance) of the output of EDM's stochastic Heun sampler (Karras et
// al. 2022, Alg. 2) on a scalar started from N(0, sigmas[0]²), when the ODE derivative is affine,
// dx/dσ = a(σ)·x + b(σ) (deriv). Each step churns σ up to σ̂ = σ(1 + γ), γ = min(churn/N, √2 − 1) for
// tmin ≤ σ ≤ tmax (tmax 0: no bound), adding (σ̂² − σ²)·noise² (noise 0: 1) to the variance, then maps
// x̂ to A·x̂ + B with h = σ_next − σ̂: A = 1 + h/2·(a₁ + a₂(1 + h·a₁)), B = h/2·(b₁ + b₂ + h·a₂·b₁) for
// the two-stage update, and A = 1 + h·a₁, B = h·b₁ for the Euler step to σ = 0.
func HeunLaw(deriv func(sigma float64) (a, b float64), sigmas []float64, churn, tmin, tmax, noise float64) (mean, variance float64) {
	if noise == 0 {
		noise = 1
	}
	if tmax == 0 {
		tmax = math.Inf(1)
	}
	N := len(sigmas) - 1
	variance = sigmas[0] * sigmas[0]
	for i := range N {
		t, next := sigmas[i], sigmas[i+1]
		th := t
		if t >= tmin && t <= tmax {
			th += math.Min(churn/float64(N), math.Sqrt2-1) * t
		}
		variance += (th*th - t*t) * noise * noise
		h := next - th
		a1, b1 := deriv(th)
		A, B := 1+h*a1, h*b1
		if next != 0 {
			a2, b2 := deriv(next)
			A, B = 1+h/2*(a1+a2*(1+h*a1)), h/2*(b1+b2+h*a2*b1)
		}
		mean, variance = A*mean+B, A*A*variance
	}
	return mean, variance
}
