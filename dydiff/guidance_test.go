package dydiff

import (
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/diffusion"

	gm "github.com/tidal-forecast/tidal/internal/testref/gaussian"
	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
	"github.com/tidal-forecast/tidal/noise"
)

// tiltGuide is the exact guide that turns Gaussian frame vectors N(μ, Σ) into N(μ + Σw, Σ) (the data
// tilted by exp(wᵀx₀)): in EDM variables the noisy marginals are N(μ, Σ + σ²I) and N(μ + Σw, Σ + σ²I),
// so the log-odds of the tilted against the untilted data are uᵀ(xe − μ) + const per pixel with
// u = (Σ + σ²I)⁻¹Σw = Q diag(λᵢ/(λᵢ + σ²)) Qᵀw (Σ = Q diag(λ) Qᵀ). Samples [batch, L, pixels].
func tiltGuide(d gaussian, w []float64) diffusion.Logit {
	vals, q := d.Sigma.EigSym()
	L := len(vals)
	qtw := q.T().Vec(w)
	qf := make([]float32, 0, L*L)
	for i := range L {
		for j := range L {
			qf = append(qf, float32(q[i][j]))
		}
	}
	lam, a, mu := make([]float32, L), make([]float32, L), make([]float32, L)
	for i := range L {
		lam[i], a[i], mu[i] = float32(vals[i]), float32(qtw[i]), float32(d.Mu[i])
	}
	return func(_ *model.Scope, xe, sigma, _ *Node, _ []*Node) *Node {
		g := xe.Graph()
		l := Reshape(Const(g, lam), 1, L)
		s2 := ExpandAxes(Square(sigma), -1)                         // [B, 1]
		coef := Mul(Div(l, Add(l, s2)), Reshape(Const(g, a), 1, L)) // [B, L]: λᵢ/(λᵢ+σ²)·(Qᵀw)ᵢ
		u := Einsum("jk,bk->bj", Reshape(Const(g, qf), L, L), coef) // [B, L]
		dev := Sub(xe, Reshape(Const(g, mu), 1, L, 1))              // [B, L, P]
		return ReduceSum(Mul(ExpandAxes(u, -1), dev), 1, 2)
	}
}

// TestGuidedSamplesTheTiltedLaw is the exact test of guided DyDiff: the exact noise predictor of
// Gaussian data N(μ, Σ), seen as a denoiser of y through EpsDenoiser, guided by diffusion.Guided with the
// exact log-odds of the tilted data N(μ + Σw, Σ) at λ = 1, must sample the tilted law. Over 8 000 frame
// vectors, the sample mean and covariance match N(μ + Σw, Σ) within sampling error plus the sampler's
// discretisation bound (those of TestExactDenoiserSamplers), with DDPM over all 1000 steps and with
// 50-step DDIM on the reference's τ grid; the unguided sampler is far from it (|z| > 8), so the test sees
// the shift.
func TestGuidedSamplesTheTiltedLaw(t *testing.T) {
	const rows, P = 2000, 4
	d := testGaussian()
	L := d.frames()
	w := []float64{0, 0.3, -0.6, 0.8}
	shifted := d.Sigma.Vec(w)
	for i := range shifted {
		shifted[i] += d.Mu[i]
	}
	x, err := noise.Initial(31, rows, L, P)
	if err != nil {
		t.Fatal(err)
	}
	s := mustSchedule(t, 0.5, ScheduleOptions{})
	vp, err := diffusion.NewVP(s.AlphaBars())
	if err != nil {
		t.Fatal(err)
	}
	eps, err := EpsDenoiser(d.net(s), s)
	if err != nil {
		t.Fatal(err)
	}
	for _, smp := range []struct {
		name  string
		steps int
		disc  float64
		eta   float64
	}{{"DDPM 1000 steps", 1000, 0.01, 1}, {"DDIM 50 steps", 50, 0.08, 0}} {
		sigmas, err := vp.DDIMSigmas(smp.steps)
		if err != nil {
			t.Fatal(err)
		}
		for _, lambda := range []float64{1, 0} {
			den, err := diffusion.Guided(eps, tiltGuide(d, w), lambda)
			if err != nil {
				t.Fatal(err)
			}
			start := ReferenceStart(x, sigmas[0])
			out, err := diffusion.DDIM(diffusion.Denoiser{Backend: tensortest.Backend(t), D: den}, start, nil, sigmas, diffusion.DDIMOptions{Eta: smp.eta, Seed: 8})
			start.FinalizeAll()
			if err != nil {
				t.Fatal(err)
			}
			mean, cov := gm.Moments(tensortest.Float64s(out), L, P)
			z := gm.MaxZ(mean, cov, shifted, d.Sigma, rows*P, smp.disc)
			t.Logf("%s λ=%g: mean %.3f (tilted law %.3f), |z| against the tilted law %.1f", smp.name, lambda, mean, shifted, z)
			if lambda == 1 && z > zLimit {
				t.Errorf("%s guided: moments off the tilted law by |z| = %.2f > %v\nmean %.4f vs %.4f\ncov %.4f", smp.name, z, zLimit, mean, shifted, cov)
			}
			if lambda == 0 && z < zWrong {
				t.Errorf("%s unguided: |z| against the tilted law %.2f < %v: the test cannot see the guidance", smp.name, z, zWrong)
			}
		}
	}
}
