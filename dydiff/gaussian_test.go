package dydiff

import (
	"math"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	gm "github.com/tidal-forecast/tidal/internal/testref/gaussian"
)

// gaussian is the Gaussian test data with the DyDiff closed forms attached.
type gaussian struct{ gm.Model }

func testGaussian() gaussian { return gaussian{gm.TestModel()} }

func (d gaussian) frames() int { return d.Frames() }

// operators returns the matrices D (on the data) and N (on the noise) of the forward process at γ̄:
// x_t = √ᾱ D x₀ + √(1−ᾱ) N ε, target N ε.
func operators(noising Noising, L int, g float64) (D, N gm.Mat) {
	A := dynMatrix(L, g)
	D, N = A, A
	if !noising.dataDynamics() {
		D = gm.Identity(L)
	}
	if !noising.noiseDynamics() {
		N = gm.Identity(L)
	}
	return D, N
}

// optimal returns the MMSE noise predictor at step t of the process s, ê = M x + b, in closed form:
// with K = ᾱ DΣDᵀ + (1−ᾱ) NNᵀ = Cov(x_t), ê = E[Nε | x_t] = √(1−ᾱ) NNᵀ K⁻¹ (x − √ᾱ D μ);
// and the expected loss per element, tr(NNᵀ − (1−ᾱ) NNᵀ K⁻¹ NNᵀ)/L.
func (d gaussian) optimal(s Schedule, t int) (M gm.Mat, b []float64, loss float64) {
	L := d.frames()
	a := s.AlphaBar(t)
	D, N := operators(s.Noising(), L, s.GammaBar(t))
	NN := N.Mul(N.T())
	K := D.Mul(d.Sigma).Mul(D.T()).Scale(a).Add(NN.Scale(1 - a))
	M = NN.Mul(K.Inv()).Scale(math.Sqrt(1 - a))
	b = M.Vec(D.Vec(d.Mu))
	for i := range b {
		b[i] *= -math.Sqrt(a)
	}
	post := NN.Add(M.Mul(NN).Scale(-math.Sqrt(1 - a)))
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
	F, G gm.Mat
	f    []float64
}

// propagate returns the exact mean and covariance of a sampler's output (per pixel, over frames) when
// every step is affine: m' = F m + f, C' = F C Fᵀ + G Gᵀ, from the initial law N(0, C0). It is a second,
// independent implementation of the samplers for a linear denoiser, in float64 and without sampling.
func propagate(C0 gm.Mat, ts []int, step func(t, tp int) affine) ([]float64, gm.Mat) {
	m, C := make([]float64, len(C0)), C0
	for i := len(ts) - 1; i >= 0; i-- {
		tp := -1
		if i > 0 {
			tp = ts[i-1]
		}
		s := step(ts[i], tp)
		m = s.F.Vec(m)
		for j := range m {
			m[j] += s.f[j]
		}
		C = s.F.Mul(C).Mul(s.F.T()).Add(s.G.Mul(s.G.T()))
	}
	return m, C
}

// ddimAffine is a DDIM step of sampler schedule s (η_ddim = eta) with the exact denoiser of truth, written in
// x-space (docs/DIFFUSION.md, "Samplers"): x̂₀ = D_g⁻¹(x − √(1−ᾱ)ê)/√ᾱ, x' = √ᾱ_p D_gp x̂₀ + √(1−ᾱ_p−σ²) N_gp
// N_g⁻¹ ê + σ N_gp z.
func (d gaussian) ddimAffine(truth, s Schedule, eta float64) func(t, tp int) affine {
	L := d.frames()
	return func(t, tp int) affine {
		M, b, _ := d.optimal(truth, t)
		a, ap := s.AlphaBar(t), s.AlphaBar(tp)
		Dg, Ng := operators(s.Noising(), L, s.GammaBar(t))
		Dp, Np := operators(s.Noising(), L, s.GammaBar(tp))
		Di, Ni := Dg.Inv(), Ng.Inv()
		sigma := eta * math.Sqrt((1-ap)/(1-a)*(1-a/ap))
		c0, ce := math.Sqrt(ap), math.Sqrt(1-ap-sigma*sigma)
		F0 := Di.Mul(gm.Identity(L).Sub(M.Scale(math.Sqrt(1 - a)))).Scale(1 / math.Sqrt(a))
		Fe := Np.Mul(Ni).Mul(M)
		F := Dp.Mul(F0).Scale(c0).Add(Fe.Scale(ce))
		f := make([]float64, L)
		x0b := Dp.Mul(Di).Vec(b)
		eb := Np.Mul(Ni).Vec(b)
		for i := range f {
			f[i] = -c0*math.Sqrt(1-a)/math.Sqrt(a)*x0b[i] + ce*eb[i]
		}
		return affine{F: F, f: f, G: Np.Scale(sigma)}
	}
}

// ddpmAffine is the ancestral step (docs/DIFFUSION.md, "Samplers", DDPM) in its y-space form (dependent
// noise): y = A_g⁻¹x, ε̂ = A_g⁻¹ê, ŷ₀ = (y − √(1−ᾱ)ε̂)/√ᾱ, x' = A_gp(μ + σz) with μ = √ᾱ_p β/(1−ᾱ) ŷ₀ +
// √(1−β)(1−ᾱ_p)/(1−ᾱ) y.
func (d gaussian) ddpmAffine(truth, s Schedule) func(t, tp int) affine {
	L := d.frames()
	return func(t, tp int) affine {
		M, b, _ := d.optimal(truth, t)
		a, ap := s.AlphaBar(t), s.AlphaBar(tp)
		Ai, Ap := dynMatrix(L, s.GammaBar(t)).Inv(), dynMatrix(L, s.GammaBar(tp))
		beta := 1 - a/ap
		k1, k2 := math.Sqrt(ap)*beta/(1-a), math.Sqrt(1-beta)*(1-ap)/(1-a)
		Y0 := Ai.Sub(Ai.Mul(M).Scale(math.Sqrt(1 - a))).Scale(1 / math.Sqrt(a)) // ŷ₀ = Y0 x + y0
		y0 := Ai.Vec(b)
		for i := range y0 {
			y0[i] *= -math.Sqrt(1-a) / math.Sqrt(a)
		}
		F := Ap.Mul(Y0.Scale(k1).Add(Ai.Scale(k2)))
		f := Ap.Vec(y0)
		for i := range f {
			f[i] *= k1
		}
		return affine{F: F, f: f, G: Ap.Scale(math.Sqrt(beta * (1 - ap) / (1 - a)))}
	}
}

// initialCov is the covariance of the sampler's first state, Dyn(x, γ̄[τ_max]) of i.i.d. x (or x itself).
func initialCov(s Schedule, L, tMax int) gm.Mat {
	_, N := operators(s.Noising(), L, s.GammaBar(tMax))
	return N.Mul(N.T())
}
