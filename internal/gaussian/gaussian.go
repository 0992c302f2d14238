// Package gaussian holds the small linear algebra and Gaussian-moment tools that the samplers' tests use
// to check samples against closed forms: dense L×L matrices (L a handful of frames), Gaussian frame
// vectors with a given mean and covariance, and z-scores of sample moments.
package gaussian

import (
	"math"
	"math/rand/v2"
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

// Inv inverts a by Gauss–Jordan elimination with partial pivoting.
func (a Mat) Inv() Mat {
	n := len(a)
	w := NewMat(n)
	for i := range a {
		copy(w[i], a[i])
	}
	r := Identity(n)
	for c := range n {
		p := c
		for i := c + 1; i < n; i++ {
			if math.Abs(w[i][c]) > math.Abs(w[p][c]) {
				p = i
			}
		}
		w[c], w[p] = w[p], w[c]
		r[c], r[p] = r[p], r[c]
		d := w[c][c]
		for j := range n {
			w[c][j] /= d
			r[c][j] /= d
		}
		for i := range n {
			if i == c {
				continue
			}
			f := w[i][c]
			for j := range n {
				w[i][j] -= f * w[c][j]
				r[i][j] -= f * r[c][j]
			}
		}
	}
	return r
}

// Chol returns the lower Cholesky factor of the symmetric positive definite a.
func (a Mat) Chol() Mat {
	n := len(a)
	l := NewMat(n)
	for i := range n {
		for j := 0; j <= i; j++ {
			s := a[i][j]
			for k := range j {
				s -= l[i][k] * l[j][k]
			}
			if i == j {
				l[i][i] = math.Sqrt(s)
			} else {
				l[i][j] = s / l[j][j]
			}
		}
	}
	return l
}

// EigSym returns the eigenvalues and the orthogonal matrix of eigenvectors (as columns) of the symmetric
// a, by cyclic Jacobi rotations: a = U·diag(λ)·Uᵀ.
func (a Mat) EigSym() ([]float64, Mat) {
	n := len(a)
	w := NewMat(n)
	for i := range a {
		copy(w[i], a[i])
	}
	u := Identity(n)
	for sweep := 0; sweep < 100; sweep++ {
		off := 0.0
		for p := range n {
			for q := p + 1; q < n; q++ {
				off += w[p][q] * w[p][q]
			}
		}
		if off < 1e-30 {
			break
		}
		for p := range n {
			for q := p + 1; q < n; q++ {
				if w[p][q] == 0 {
					continue
				}
				theta := (w[q][q] - w[p][p]) / (2 * w[p][q])
				t := math.Copysign(1, theta) / (math.Abs(theta) + math.Sqrt(theta*theta+1))
				c := 1 / math.Sqrt(t*t+1)
				s := t * c
				for k := range n { // w ← w·J
					wkp, wkq := w[k][p], w[k][q]
					w[k][p], w[k][q] = c*wkp-s*wkq, s*wkp+c*wkq
				}
				for k := range n { // w ← Jᵀ·w
					wpk, wqk := w[p][k], w[q][k]
					w[p][k], w[q][k] = c*wpk-s*wqk, s*wpk+c*wqk
				}
				for k := range n {
					ukp, ukq := u[k][p], u[k][q]
					u[k][p], u[k][q] = c*ukp-s*ukq, s*ukp+c*ukq
				}
			}
		}
	}
	lambda := make([]float64, n)
	for i := range n {
		lambda[i] = w[i][i]
	}
	return lambda, u
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
