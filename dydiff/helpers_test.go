package dydiff

import (
	"math"
	"sync"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/tidal-forecast/tidal/backend"
)

var sharedBackend = sync.OnceValues(func() (compute.Backend, error) { return backend.New(backend.Go) })

// testBackend returns the pure-Go backend shared by the package's tests (a tensor placed on one backend
// instance cannot move to another).
func testBackend(t *testing.T) compute.Backend {
	t.Helper()
	b, err := sharedBackend()
	if err != nil {
		t.Fatalf("go backend: %v", err)
	}
	return b
}

func mustSchedule(t *testing.T, eta float64, opt ScheduleOptions) Schedule {
	t.Helper()
	s, err := NewSchedule(eta, opt)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func flat32(t *testing.T, x *tensors.Tensor) []float64 {
	t.Helper()
	v, err := tensors.CopyFlatData[float32](x)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float64, len(v))
	for i, f := range v {
		out[i] = float64(f)
	}
	return out
}

func tensor32(vals []float64, dims ...int) *tensors.Tensor {
	f := make([]float32, len(vals))
	for i, v := range vals {
		f[i] = float32(v)
	}
	return tensors.FromFlatDataAndDimensions(f, dims...)
}

func closeRel(got, want, rel float64) bool {
	return math.Abs(got-want) <= rel*math.Max(math.Abs(want), 1e-300)
}

// Small dense matrix helpers for the closed-form Gaussian denoisers (L×L, L ≤ 8).
type mat [][]float64

func newMat(n int) mat {
	m := make(mat, n)
	for i := range m {
		m[i] = make([]float64, n)
	}
	return m
}

func identity(n int) mat {
	m := newMat(n)
	for i := range m {
		m[i][i] = 1
	}
	return m
}

func (a mat) mul(b mat) mat {
	n := len(a)
	c := newMat(n)
	for i := range n {
		for j := range n {
			for k := range n {
				c[i][j] += a[i][k] * b[k][j]
			}
		}
	}
	return c
}

func (a mat) vec(v []float64) []float64 {
	out := make([]float64, len(a))
	for i := range a {
		for k := range v {
			out[i] += a[i][k] * v[k]
		}
	}
	return out
}

func (a mat) t() mat {
	n := len(a)
	c := newMat(n)
	for i := range n {
		for j := range n {
			c[i][j] = a[j][i]
		}
	}
	return c
}

func (a mat) scale(s float64) mat {
	c := newMat(len(a))
	for i := range a {
		for j := range a {
			c[i][j] = s * a[i][j]
		}
	}
	return c
}

func (a mat) add(b mat) mat {
	c := newMat(len(a))
	for i := range a {
		for j := range a {
			c[i][j] = a[i][j] + b[i][j]
		}
	}
	return c
}

// inv inverts by Gauss–Jordan elimination with partial pivoting.
func (a mat) inv() mat {
	n := len(a)
	w := newMat(n)
	for i := range a {
		copy(w[i], a[i])
	}
	r := identity(n)
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

// dynMatrix is Dynamics along L frames as an L×L matrix: Dyn(x) = A x.
func dynMatrix(L int, g float64) mat {
	a := newMat(L)
	for j := range L {
		e := make([]float64, L)
		e[j] = 1
		col, err := DynamicsFloat64(e, L, g)
		if err != nil {
			panic(err)
		}
		for i := range L {
			a[i][j] = col[i]
		}
	}
	return a
}

// moments returns the mean vector and covariance matrix over frames of samples stored
// [rows, L, P] (every row and pixel one L-vector).
func moments(x []float64, L, P int) ([]float64, mat) {
	n := len(x) / (L * P)
	mean := make([]float64, L)
	cov := newMat(L)
	vec := func(r, p, f int) float64 { return x[(r*L+f)*P+p] }
	for r := range n {
		for p := range P {
			for f := range L {
				mean[f] += vec(r, p, f)
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
					cov[f][k] += (vec(r, p, f) - mean[f]) * (vec(r, p, k) - mean[k])
				}
			}
		}
	}
	return mean, cov.scale(1 / float64(n*P-1))
}

// momentZ returns the largest |z|-score of the sample mean and covariance against the true ones, with
// the standard errors of Gaussian samples: SE(mean_f) = √(Σ_ff/n), SE(cov_fk) = √((Σ_ff Σ_kk + Σ_fk²)/n).
func momentZ(mean []float64, cov mat, mu []float64, sigma mat, n int) float64 {
	z := 0.0
	for f := range mu {
		z = math.Max(z, math.Abs(mean[f]-mu[f])/math.Sqrt(sigma[f][f]/float64(n)))
		for k := range mu {
			se := math.Sqrt((sigma[f][f]*sigma[k][k] + sigma[f][k]*sigma[f][k]) / float64(n))
			z = math.Max(z, math.Abs(cov[f][k]-sigma[f][k])/se)
		}
	}
	return z
}
