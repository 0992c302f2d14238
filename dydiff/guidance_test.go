package dydiff

import (
	"math"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	gm "github.com/tidal-forecast/tidal/internal/gaussian"
	"github.com/tidal-forecast/tidal/internal/tensortest"
	"github.com/tidal-forecast/tidal/noise"
)

// affineNet is a stand-in noise predictor without variables: ê = 0.3 x + 0.05.
func affineNet(_ *model.Scope, xt, _ *Node, _ []*Node) *Node {
	return AddScalar(MulScalar(xt, 0.3), 0.05)
}

// quadGuide is −k/2 Σ_{f ≥ 1} |xe_f − c·x̂₀_{f−1}|² per sample: its gradient in xe is −k(xe_f − c·x̂₀_{f−1})
// for f ≥ 1 and 0 for the first frame, so it checks the EDM variables xe, σ and x̂₀ the guide is given.
func quadGuide(k, c float64) FrameGuide {
	return func(_ *model.Scope, xe, sigma, x0 *Node, _ []*Node) *Node {
		L := xe.Shape().Dimensions[1]
		d := Sub(SliceAxis(xe, 1, AxisRange(1, L)), MulScalar(SliceAxis(x0, 1, AxisRange(0, L-1)), c))
		return MulScalar(ReduceSum(Square(d), 1, 2), -k/2)
	}
}

// TestGuidedMatchesHostFormula checks the wrapped network against the float64 formula of Guided's doc
// comment, for two samples at different steps: xe = InvDyn(x)/√ᾱ, σ = √((1−ᾱ)/ᾱ),
// x̂₀ = InvDyn((x − √(1−ᾱ) ê)/√ᾱ), ê′ = ê − λσ Dyn(∇_xe guide).
func TestGuidedMatchesHostFormula(t *testing.T) {
	const B, L, P, lambda, k, c = 2, 3, 4, 2.5, 0.7, 0.6
	s := mustSchedule(t, 0.5, ScheduleOptions{})
	steps := []int{500, 120}
	net, err := Guided(affineNet, s, quadGuide(k, c), lambda)
	if err != nil {
		t.Fatal(err)
	}
	x := tensortest.Uniform(3, B, L, P)
	ts := tensors.FromFlatDataAndDimensions([]float32{float32(steps[0]), float32(steps[1])}, B)
	exec := model.MustNewExec(tensortest.Backend(t), model.NewStore(), func(sc *model.Scope, x, t *Node) *Node {
		return net(sc, x, t, nil)
	})
	defer exec.Finalize()
	got := tensors.MustCopyFlatData[float32](exec.MustCall(x, ts)[0])
	xv := tensortest.Float64s(x)
	want := make([]float32, 0, len(got))
	for b, st := range steps {
		a, g := s.AlphaBar(st), s.GammaBar(st)
		sigma := math.Sqrt((1 - a) / a)
		xb := xv[b*L*P : (b+1)*L*P]
		e, pre := make([]float64, L*P), make([]float64, L*P)
		for i, v := range xb {
			e[i] = 0.3*v + 0.05
			pre[i] = (v - math.Sqrt(1-a)*e[i]) / math.Sqrt(a)
		}
		y, _ := InverseDynamicsFloat64(xb, L, g)
		x0, _ := InverseDynamicsFloat64(pre, L, g)
		grad := make([]float64, L*P)
		for i := P; i < L*P; i++ {
			grad[i] = -k * (y[i]/math.Sqrt(a) - c*x0[i-P])
		}
		corr, _ := DynamicsFloat64(grad, L, g)
		for i := range e {
			want = append(want, float32(e[i]-lambda*sigma*corr[i]))
		}
	}
	tensortest.CheckClose(t, "guided ê", got, want, 2e-5)
}

// TestGuidedRefuses checks the wrapper's refusals and that λ = 0 leaves the network alone.
func TestGuidedRefuses(t *testing.T) {
	s := mustSchedule(t, 0.5, ScheduleOptions{})
	g := quadGuide(1, 0)
	for _, c := range []struct {
		name   string
		net    Net
		guide  FrameGuide
		s      Schedule
		lambda float64
		want   string
	}{
		{"negative λ", affineNet, g, s, -1, "λ = -1"},
		{"NaN λ", affineNet, g, s, math.NaN(), "λ = NaN"},
		{"no guide", affineNet, nil, s, 1, "needs a network and a guide"},
		{"independent noise", affineNet, g, mustSchedule(t, 0.5, ScheduleOptions{Noising: IndependentNoise}), 1, "dependent-noise"},
		{"noise-only dynamics", affineNet, g, mustSchedule(t, 0.5, ScheduleOptions{Noising: NoiseDynamicsOnly}), 1, "dependent-noise"},
	} {
		if _, err := Guided(c.net, c.s, c.guide, c.lambda); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
	if _, err := Guided(affineNet, mustSchedule(t, 0, ScheduleOptions{Noising: IndependentNoise}), g, 1); err != nil {
		t.Errorf("η = 0 is the same process for every noising, yet refused: %v", err)
	}
	n, err := Guided(affineNet, s, g, 0)
	if err != nil {
		t.Fatal(err)
	}
	x := tensortest.Uniform(4, 2, 3, 5)
	ts := tensors.FromFlatDataAndDimensions([]float32{10, 900}, 2)
	run := func(net Net) []float32 {
		exec := model.MustNewExec(tensortest.Backend(t), model.NewStore(), func(sc *model.Scope, x, t *Node) *Node { return net(sc, x, t, nil) })
		defer exec.Finalize()
		return tensors.MustCopyFlatData[float32](exec.MustCall(x, ts)[0])
	}
	tensortest.CheckClose(t, "λ = 0", run(n), run(affineNet), 0)
}

// tiltGuide is the exact guide that turns Gaussian frame vectors N(μ, Σ) into N(μ + Σw, Σ) (the data
// tilted by exp(wᵀx₀)): in EDM variables the noisy marginals are N(μ, Σ + σ²I) and N(μ + Σw, Σ + σ²I),
// so the log-odds of the tilted against the untilted data are uᵀ(xe − μ) + const per pixel with
// u = (Σ + σ²I)⁻¹Σw = Q diag(λᵢ/(λᵢ + σ²)) Qᵀw (Σ = Q diag(λ) Qᵀ). Samples [batch, L, pixels].
func tiltGuide(d gaussian, w []float64) FrameGuide {
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

// TestGuidedSamplesTheTiltedLaw is the exact test of guidance: with the exact noise predictor of
// Gaussian data N(μ, Σ) and the exact log-odds guide of the tilted data N(μ + Σw, Σ), λ = 1 must sample
// the tilted law. Over 8 000 frame vectors, the sample mean and covariance match N(μ + Σw, Σ) within
// sampling error plus the sampler's discretisation bound (those of TestExactDenoiserSamplers), with DDPM
// over all 1000 steps and with 50-step DDIM; the unguided sampler is far from it (|z| > 8), so the test
// sees the shift.
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
	for _, smp := range []struct {
		name string
		disc float64
		run  func(Denoiser) (*tensors.Tensor, error)
	}{
		{"DDPM 1000 steps", 0.01, func(dn Denoiser) (*tensors.Tensor, error) { return DDPM(dn, x, nil, s, DDPMOptions{Seed: 8}) }},
		{"DDIM 50 steps", 0.08, func(dn Denoiser) (*tensors.Tensor, error) { return DDIM(dn, x, nil, s, DDIMOptions{}) }},
	} {
		for _, lambda := range []float64{1, 0} {
			net, err := Guided(d.net(s), s, tiltGuide(d, w), lambda)
			if err != nil {
				t.Fatal(err)
			}
			out, err := smp.run(Denoiser{Backend: tensortest.Backend(t), Net: net})
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
