package diffusion

import (
	"math"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	gm "github.com/tidal-forecast/tidal/internal/testref/gaussian"
	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
	"github.com/tidal-forecast/tidal/noise"
)

// exactD is the optimal denoiser of Gaussian frame vectors N(μ, Σ) over x [batch, L, P]:
// D(x; σ) = μ + Σ(Σ + σ²I)⁻¹(x − μ) = μ + U diag(λ/(λ+σ²)) Uᵀ(x − μ), with Σ = U diag(λ) Uᵀ.
func exactD(d gm.Model) DenoiserFn {
	L := d.Frames()
	lam, U := d.Sigma.EigSym()
	u := make([]float32, L*L)
	for i := range L {
		for j := range L {
			u[i*L+j] = float32(U[i][j])
		}
	}
	mu32, lam32 := make([]float32, L), make([]float32, L)
	for i := range L {
		mu32[i], lam32[i] = float32(d.Mu[i]), float32(lam[i])
	}
	return func(_ *model.Scope, x, sigma *Node, _ []*Node) *Node {
		g := x.Graph()
		U := Reshape(Const(g, u), L, L)
		mu := Reshape(Const(g, mu32), 1, L, 1)
		lam := Reshape(Const(g, lam32), 1, L, 1)
		s2 := Reshape(Square(sigma), sigma.Shape().Dimensions[0], 1, 1)
		coord := Einsum("fk,bfp->bkp", U, Sub(x, mu)) // Uᵀ(x − μ)
		return Add(mu, Einsum("fk,bkp->bfp", U, Mul(coord, Div(lam, Add(lam, s2)))))
	}
}

// heunLaw returns the exact mean and covariance of Heun's output for the exact denoiser of d: in the
// eigenbasis of Σ each coordinate u evolves alone and linearly, û = u + s·ξ, u' = A·û with
// A = 1 + h/2·((1−k(t̂))/t̂ + (1−k(t'))/t'·(1 + h(1−k(t̂))/t̂)) (Euler: A = 1 + h(1−k(t̂))/t̂),
// k(σ) = λ/(λ+σ²), h = t' − t̂; so mean m' = A m and variance v' = A²(v + s²), from u = Uᵀ(t₀z − μ).
func heunLaw(d gm.Model, sigmas []float64, o HeunOptions) ([]float64, gm.Mat) {
	lam, U := d.Sigma.EigSym()
	L := d.Frames()
	m := U.T().Vec(d.Mu)
	v := make([]float64, L)
	for k := range L {
		m[k] = -m[k]
		v[k] = sigmas[0] * sigmas[0]
	}
	N := len(sigmas) - 1
	for i := range N {
		t, next := sigmas[i], sigmas[i+1]
		th := hostTHat(o, t, N)
		s := math.Sqrt(th*th-t*t) * o.Noise
		h := next - th
		for k := range L {
			d1 := (1 - lam[k]/(lam[k]+th*th)) / th
			A := 1 + h*d1
			if next != 0 {
				A = 1 + h/2*(d1+(1-lam[k]/(lam[k]+next*next))/next*(1+h*d1))
			}
			m[k] *= A
			v[k] = A * A * (v[k] + s*s)
		}
	}
	mean := U.Vec(m)
	for i := range mean {
		mean[i] += d.Mu[i]
	}
	return mean, U.Mul(gm.Diag(v)).Mul(U.T())
}

// Exact-denoiser test for EDM: with the optimal denoiser of Gaussian frame vectors N(μ, Σ), over 8 000
// vectors, Heun without churn, with churn, and with the paper's vorticity setting (Hess et al. 2025, Tab. 1: 50
// steps, S_churn 55, S_noise 1.005, S_tmin 0, S_tmax 1000) must match the exactly propagated output law
// (heunLaw) within sampling error (|z| ≤ 4.5). That law's distance to μ, Σ (the discretisation error,
// relative to the data's standard deviations) is below a bound stated per case — churn at γ = √2−1 every
// step is a first-order scheme, so it needs more steps for the same error — and the sample moments match
// μ, Σ within sampling error beyond that bound. Two deliberately wrong samplers must lie far outside that
// tolerance (|z| > 8): churn whose noise is not added (S_noise ≈ 0), and a grid starting at σ_max = 2,
// where the N(0, σ_max²) start is not the noisy data's law.
func TestExactDenoiserHeun(t *testing.T) {
	const rows, P = 2000, 4
	d := gm.TestModel()
	L := d.Frames()
	x, _ := noise.Initial(31, rows, L, P)
	dn := Denoiser{Backend: tensortest.Backend(t), D: exactD(d)}
	grid := func(steps int, sigmaMax float64) []float64 {
		g := vorticityGrid()
		g.Steps, g.SigmaMax = steps, sigmaMax
		s, err := KarrasSigmas(g)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	for _, c := range []struct {
		name   string
		sigmas []float64
		opt    HeunOptions
		disc   float64 // bound on the discretisation error; for the wrong samplers, the tolerance they must miss
		wrong  bool
	}{
		{"deterministic, 32 steps", grid(32, 80), HeunOptions{}, 0.03, false},
		{"churn 80, 64 steps", grid(64, 80), HeunOptions{Churn: 80, Seed: 8}, 0.04, false},
		{"paper vorticity: 50 steps, churn 55, S_noise 1.005", grid(50, 80),
			HeunOptions{Churn: 55, TMin: 0, TMax: 1000, Noise: 1.005, Seed: 9}, 0.065, false},
		{"churn without its noise", grid(64, 80), HeunOptions{Churn: 80, Noise: 1e-6, Seed: 8}, 0.04, true},
		{"σ_max = 2", grid(32, 2), HeunOptions{}, 0.03, true},
	} {
		out, err := Heun(dn, x, nil, c.sigmas, c.opt)
		if err != nil {
			t.Fatal(err)
		}
		mean, cov := gm.Moments(tensortest.Float64s(out), L, P)
		z := gm.MaxZ(mean, cov, d.Mu, d.Sigma, rows*P, c.disc)
		if c.wrong {
			t.Logf("%s (wrong on purpose): |z| beyond the tolerance %.1f", c.name, z)
			if z < zWrong {
				t.Errorf("%s: |z| = %.2f, want > %v: the test cannot see this error", c.name, z, zWrong)
			}
			continue
		}
		o := c.opt
		if o.Noise == 0 {
			o.Noise = 1
		}
		pm, pc := heunLaw(d, c.sigmas, o)
		zp := gm.MaxZ(mean, cov, pm, pc, rows*P, 0)
		disc := gm.RelDiff(pm, pc, d.Mu, d.Sigma)
		t.Logf("%s: |z| against the exact output law %.2f, beyond the bias against the data %.2f; discretisation %.4f",
			c.name, zp, z, disc)
		if zp > zLimit {
			t.Errorf("%s: sample moments off the exact output law, |z| = %.2f", c.name, zp)
		}
		if disc > c.disc {
			t.Errorf("%s: exact output law off the data by %.4f > %v", c.name, disc, c.disc)
		}
		if z > zLimit {
			t.Errorf("%s: sample moments off the data, |z| = %.2f\nmean %.3f\ncov %.3f", c.name, z, mean, cov)
		}
	}
}
