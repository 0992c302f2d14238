package dydiff

import (
	"math"
	"math/rand/v2"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// gaussian is data whose every pixel's frame vector is N(mu, sigma), independently across pixels.
type gaussian struct {
	mu    []float64
	sigma mat
}

// testGaussian is the data of the exact-denoiser tests: 4 frames, non-zero mean, unequal variances and
// strong frame-to-frame correlation.
func testGaussian() gaussian {
	mu := []float64{0.5, -0.3, 0.2, 0.4}
	sd := []float64{1.0, 0.8, 1.2, 0.9}
	s := newMat(4)
	for i := range 4 {
		for j := range 4 {
			s[i][j] = math.Pow(0.8, math.Abs(float64(i-j))) * sd[i] * sd[j]
		}
	}
	return gaussian{mu: mu, sigma: s}
}

func (d gaussian) frames() int { return len(d.mu) }

// chol returns the lower Cholesky factor of sigma.
func (d gaussian) chol() mat {
	n := d.frames()
	l := newMat(n)
	for i := range n {
		for j := 0; j <= i; j++ {
			s := d.sigma[i][j]
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

// sample draws rows×pixels frame vectors stored [rows, L, P].
func (d gaussian) sample(seed uint64, rows, P int) []float64 {
	r := rand.New(rand.NewPCG(seed, 99))
	L, c := d.frames(), d.chol()
	out := make([]float64, rows*L*P)
	z := make([]float64, L)
	for row := range rows {
		for p := range P {
			for f := range z {
				z[f] = r.NormFloat64()
			}
			v := c.vec(z)
			for f := range L {
				out[(row*L+f)*P+p] = d.mu[f] + v[f]
			}
		}
	}
	return out
}

// operators returns the matrices D (on the data) and N (on the noise) of the forward process at γ̄:
// x_t = √ᾱ D x₀ + √(1−ᾱ) N ε, target N ε.
func operators(noising Noising, L int, g float64) (D, N mat) {
	A := dynMatrix(L, g)
	D, N = A, A
	if !noising.dataDynamics() {
		D = identity(L)
	}
	if !noising.noiseDynamics() {
		N = identity(L)
	}
	return D, N
}

// optimal returns the MMSE noise predictor at step t of the process s, ê = M x + b, in closed form:
// with K = ᾱ DΣDᵀ + (1−ᾱ) NNᵀ = Cov(x_t), ê = E[Nε | x_t] = √(1−ᾱ) NNᵀ K⁻¹ (x − √ᾱ D μ);
// and the expected loss per element, tr(NNᵀ − (1−ᾱ) NNᵀ K⁻¹ NNᵀ)/L.
func (d gaussian) optimal(s Schedule, t int) (M mat, b []float64, loss float64) {
	L := d.frames()
	a := s.AlphaBar(t)
	D, N := operators(s.Noising(), L, s.GammaBar(t))
	NN := N.mul(N.t())
	K := D.mul(d.sigma).mul(D.t()).scale(a).add(NN.scale(1 - a))
	M = NN.mul(K.inv()).scale(math.Sqrt(1 - a))
	b = M.vec(D.vec(d.mu))
	for i := range b {
		b[i] *= -math.Sqrt(a)
	}
	post := NN.add(M.mul(NN).scale(-math.Sqrt(1 - a)))
	for i := range L {
		loss += post[i][i]
	}
	return M, b, loss / float64(L)
}

// net returns the exact denoiser of the process s as a Net over [batch, L, P]: it gathers M_t and b_t
// (precomputed for every t) by the step each sample is at.
func (d gaussian) net(s Schedule) Net {
	L, T := d.frames(), s.T()
	ms := make([]float32, T*L*L)
	bs := make([]float32, T*L)
	for t := range T {
		M, b, _ := d.optimal(s, t)
		for i := range L {
			bs[t*L+i] = float32(b[i])
			for j := range L {
				ms[(t*L+i)*L+j] = float32(M[i][j])
			}
		}
	}
	return func(_ *model.Scope, xt, t *Node, _ []*Node) *Node {
		g := xt.Graph()
		idx := ExpandAxes(ConvertDType(Round(t), dtypes.Int32), -1)
		M := Gather(Reshape(Const(g, ms), T, L, L), idx) // [B, L, L]
		b := Gather(Reshape(Const(g, bs), T, L), idx)    // [B, L]
		return Add(Einsum("bfk,bkp->bfp", M, xt), ExpandAxes(b, -1))
	}
}

// affine is one sampler step that is affine in x plus Gaussian noise: x' = F x + f + G z, z ~ N(0, I).
type affine struct {
	F, G mat
	f    []float64
}

// propagate returns the exact mean and covariance of a sampler's output (per pixel, over frames) when
// every step is affine: m' = F m + f, C' = F C Fᵀ + G Gᵀ, from the initial law N(0, C0). It is a second,
// independent implementation of the samplers for a linear denoiser, in float64 and without sampling.
func propagate(C0 mat, ts []int, step func(t, tp int) affine) ([]float64, mat) {
	m, C := make([]float64, len(C0)), C0
	for i := len(ts) - 1; i >= 0; i-- {
		tp := -1
		if i > 0 {
			tp = ts[i-1]
		}
		s := step(ts[i], tp)
		m = s.F.vec(m)
		for j := range m {
			m[j] += s.f[j]
		}
		C = s.F.mul(C).mul(s.F.t()).add(s.G.mul(s.G.t()))
	}
	return m, C
}

func (a mat) sub(b mat) mat { return a.add(b.scale(-1)) }

// ddimAffine is a DDIM step of sampler schedule s (η_ddim = eta) with the exact denoiser of truth, written
// in x-space from spec §6.1: x̂₀ = D_g⁻¹(x − √(1−ᾱ)ê)/√ᾱ, x' = √ᾱ_p D_gp x̂₀ + √(1−ᾱ_p−σ²) N_gp N_g⁻¹ ê + σ N_gp z.
func (d gaussian) ddimAffine(truth, s Schedule, eta float64) func(t, tp int) affine {
	L := d.frames()
	return func(t, tp int) affine {
		M, b, _ := d.optimal(truth, t)
		a, ap := s.AlphaBar(t), s.AlphaBar(tp)
		Dg, Ng := operators(s.Noising(), L, s.GammaBar(t))
		Dp, Np := operators(s.Noising(), L, s.GammaBar(tp))
		Di, Ni := Dg.inv(), Ng.inv()
		sigma := eta * math.Sqrt((1-ap)/(1-a)*(1-a/ap))
		c0, ce := math.Sqrt(ap), math.Sqrt(1-ap-sigma*sigma)
		F0 := Di.mul(identity(L).sub(M.scale(math.Sqrt(1 - a)))).scale(1 / math.Sqrt(a))
		Fe := Np.mul(Ni).mul(M)
		F := Dp.mul(F0).scale(c0).add(Fe.scale(ce))
		f := make([]float64, L)
		x0b := Dp.mul(Di).vec(b)
		eb := Np.mul(Ni).vec(b)
		for i := range f {
			f[i] = -c0*math.Sqrt(1-a)/math.Sqrt(a)*x0b[i] + ce*eb[i]
		}
		return affine{F: F, f: f, G: Np.scale(sigma)}
	}
}

// ddpmAffine is the ancestral step of spec §6.2 in its y-space form (dependent noise): y = A_g⁻¹x,
// ε̂ = A_g⁻¹ê, ŷ₀ = (y − √(1−ᾱ)ε̂)/√ᾱ, x' = A_gp(μ + σz) with μ = √ᾱ_p β/(1−ᾱ) ŷ₀ + √(1−β)(1−ᾱ_p)/(1−ᾱ) y.
func (d gaussian) ddpmAffine(truth, s Schedule) func(t, tp int) affine {
	L := d.frames()
	return func(t, tp int) affine {
		M, b, _ := d.optimal(truth, t)
		a, ap := s.AlphaBar(t), s.AlphaBar(tp)
		Ai, Ap := dynMatrix(L, s.GammaBar(t)).inv(), dynMatrix(L, s.GammaBar(tp))
		beta := 1 - a/ap
		k1, k2 := math.Sqrt(ap)*beta/(1-a), math.Sqrt(1-beta)*(1-ap)/(1-a)
		Y0 := Ai.sub(Ai.mul(M).scale(math.Sqrt(1 - a))).scale(1 / math.Sqrt(a)) // ŷ₀ = Y0 x + y0
		y0 := Ai.vec(b)
		for i := range y0 {
			y0[i] *= -math.Sqrt(1-a) / math.Sqrt(a)
		}
		F := Ap.mul(Y0.scale(k1).add(Ai.scale(k2)))
		f := Ap.vec(y0)
		for i := range f {
			f[i] *= k1
		}
		return affine{F: F, f: f, G: Ap.scale(math.Sqrt(beta * (1 - ap) / (1 - a)))}
	}
}

// initialCov is the covariance of the sampler's first state, Dyn(x, γ̄[τ_max]) of i.i.d. x (or x itself).
func initialCov(s Schedule, L, tMax int) mat {
	_, N := operators(s.Noising(), L, s.GammaBar(tMax))
	return N.mul(N.t())
}
