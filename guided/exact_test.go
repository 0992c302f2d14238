package guided

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/dataset"
	"github.com/tidal-forecast/tidal/diffusion"
	"github.com/tidal-forecast/tidal/internal/testref/gaussian"
	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
)

// The closed-form reference for discriminator guidance (issue 24, item 1): a stationary linear-Gaussian
// process of frames [C = 2, H = 1, W = 2] (P = 4 values), in the image model's normalised units,
//
//	xⁿ⁺¹ = A xⁿ + wⁿ,  xⁿ ~ N(0, Σ),  wⁿ ~ N(0, Q),  Σ = U diag(λ_k) U,  A = U diag(a_k) U,  Q = Σ − AΣA,
//
// with U the orthonormal, symmetric 4×4 Hadamard matrix / 2 (its modes mix both channels). Everything
// the guided sampler uses has a closed form, mode by mode (z = U x):
//
//	image model (marginal N(0, Σ)):        D(y; σ) = U diag(λ_k/(λ_k + σ²)) U y
//	conditional (N(m, Q), m = A xⁿ):        D_c(y; σ) = m + U diag(q_k/(q_k + σ²)) U (y − m)
//	optimal discriminator's log-odds:      log p_σ(y | xⁿ) − log p_σ(y) (Kim et al. 2023, eq. 7),
//	                                       ∇ = −(Q + σ²)⁻¹(y − m) + (Σ + σ²)⁻¹ y
//
// and D + σ²∇ = D_c exactly: guidance at λ = 1 (Hess et al. 2025, eq. 5) turns the image model into
// the conditional model.
type gaussWorld struct {
	lam, ar, q []float64 // per mode: stationary variance λ_k, AR coefficient a_k, innovation variance q_k
}

func newGaussWorld() gaussWorld {
	w := gaussWorld{lam: []float64{1.5, 1.0, 0.6, 0.3}, ar: []float64{0.95, 0.8, 0.5, 0.2}}
	for k := range w.lam {
		w.q = append(w.q, w.lam[k]*(1-w.ar[k]*w.ar[k]))
	}
	return w
}

// gaussC, gaussH, gaussW is the frame of the world; gaussP its values.
const gaussC, gaussH, gaussW, gaussP = 2, 1, 2, 4

// hadamard is U, symmetric and orthonormal (U·U = I).
var hadamard = [gaussP][gaussP]float64{{.5, .5, .5, .5}, {.5, -.5, .5, -.5}, {.5, .5, -.5, -.5}, {.5, -.5, -.5, .5}}

// The model's and the discriminator's normalisations: physical = std·x + mean per channel. The
// discriminator's units are x_d = 0.8·x + b_c (the same std ratio in both channels, as CheckGuide asks).
var (
	gaussNorm = dataset.Norm{Mean: []float64{3, -1}, Std: []float64{2, 0.5}}
	discNorm  = dataset.Norm{Mean: []float64{2.5, -0.8}, Std: []float64{2.5, 0.625}}
)

// toModes is z = U x for frames x [B, C, H, W]: [B, P].
func toModes(x *Node) *Node {
	B := x.Shape().Dimensions[0]
	u := make([][]float32, gaussP)
	for i := range u {
		u[i] = make([]float32, gaussP)
		for j := range u[i] {
			u[i][j] = float32(hadamard[i][j])
		}
	}
	return MatMul(Reshape(x, B, gaussP), Const(x.Graph(), u))
}

// fromModes is x = U z, [B, C, H, W].
func fromModes(z *Node) *Node {
	return Reshape(toModes(Reshape(z, z.Shape().Dimensions[0], gaussC, gaussH, gaussW)), z.Shape().Dimensions[0], gaussC, gaussH, gaussW)
}

// row is a per-mode constant [1, P].
func row(g *Graph, v []float64) *Node {
	f := make([]float32, len(v))
	for i, x := range v {
		f[i] = float32(x)
	}
	return Reshape(Const(g, f), 1, len(v))
}

// s2 is σ² [B, 1].
func s2(x, sigma *Node) *Node {
	return Square(Reshape(ConvertDType(sigma, x.DType()), x.Shape().Dimensions[0], 1))
}

// idm is the exact image model's denoiser.
func (w gaussWorld) idm(_ *model.Scope, y, sigma *Node, _ []*Node) *Node {
	lam := row(y.Graph(), w.lam)
	return fromModes(Mul(toModes(y), Div(lam, Add(lam, s2(y, sigma)))))
}

// cond is the exact conditional denoiser given cond[0] = xⁿ (the VDM's ideal).
func (w gaussWorld) cond(_ *model.Scope, y, sigma *Node, cond []*Node) *Node {
	g := y.Graph()
	m := Mul(toModes(cond[0]), row(g, w.ar))
	q := row(g, w.q)
	return fromModes(Add(m, Mul(Sub(toModes(y), m), Div(q, Add(q, s2(y, sigma))))))
}

// discLogit is the optimal discriminator's log-odds log N(y; m, Q + σ²) − log N(y; 0, Σ + σ²) written in
// the discriminator's own units (x_d = αx + b: its frames have mean b, covariances α²Σ, α²Q, and it is
// given σ_d = ασ), as a guidance.LogitFn: guideLogit must map the model's units into these.
func (w gaussWorld) discLogit(alpha float64, b []float64) func(*model.Scope, *Node, *Node, []*Node) *Node {
	return func(_ *model.Scope, x, sigma *Node, cond []*Node) *Node {
		g := x.Graph()
		bc := Reshape(Const(g, []float32{float32(b[0]), float32(b[1])}), 1, gaussC, 1, 1)
		u, v := toModes(Sub(x, bc)), toModes(Sub(cond[0], bc))
		sd2 := s2(x, sigma)
		vq := Add(MulScalar(row(g, w.q), alpha*alpha), sd2)
		vl := Add(MulScalar(row(g, w.lam), alpha*alpha), sd2)
		r := Sub(u, Mul(v, row(g, w.ar)))
		f := Sub(Div(Square(u), vl), Div(Square(r), vq))
		f = Add(f, Log(Div(vl, vq))) // the log-determinants: log-odds, not just its gradient
		return MulScalar(ReduceSum(f, 1), 0.5)
	}
}

// guide is the exact discriminator as the library's guided sampler sees it: discUnits' map from the
// model's normalisation into the discriminator's, then guideLogit.
func (w gaussWorld) guide(sigmaMax float64) (diffusion.Logit, float64) {
	sigmaScale, toDisc := discUnits(gaussNorm, &Model{Norm: discNorm})
	_, ab := guideScale(gaussNorm, &Model{Norm: discNorm})
	return guideLogit(w.discLogit(sigmaScale, []float64{ab[0][1], ab[1][1]}), sigmaScale, toDisc, sigmaMax), sigmaScale
}

// hostModes is z = U x of one frame.
func hostModes(x []float64) []float64 {
	z := make([]float64, gaussP)
	for i := range z {
		for j := range x {
			z[i] += hadamard[i][j] * x[j]
		}
	}
	return z
}

// draw returns rows stationary pairs (xⁿ⁻¹, xⁿ) in normalised units, rows·P values each.
func (w gaussWorld) draw(rng *rand.Rand, rows int) (prev, cur []float64) {
	for range rows {
		zp, zc := make([]float64, gaussP), make([]float64, gaussP)
		for k := range zp {
			zp[k] = math.Sqrt(w.lam[k]) * rng.NormFloat64()
			zc[k] = w.ar[k]*zp[k] + math.Sqrt(w.q[k])*rng.NormFloat64()
		}
		prev, cur = append(prev, hostModes(zp)...), append(cur, hostModes(zc)...) // U⁻¹ = U
	}
	return prev, cur
}

func f32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

func f64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// The library's guidance on exact pieces: for noisy frames at σ from 0.01 to 80, the guidance term that
// diffusion.Guided adds through guideLogit (the discriminator in units of its own, x_d = 0.8x + b)
// equals λ(D_c − D) computed on the host in float64, so at λ = 1 the guided image model is the exact
// conditional denoiser. A σ instead of σ², a flipped sign, a missing unit map or a gradient that is not
// carried back through it would each be off by O(1). The probe's ideal term D_c − D and Agreement's
// cosine 1 and norm ratio λ are checked on the same pieces (the per-σ diagnostic of `tidal bench guided`).
func TestExactGuideIsTheConditionalDenoiser(t *testing.T) {
	w := newGaussWorld()
	b := testBackend(t)
	const rows = 6
	rng := rand.New(rand.NewPCG(1, 2))
	prev, cur := w.draw(rng, rows)
	y := make([]float64, rows*gaussP)
	for _, lambda := range []float64{1, 2.5} {
		guide, _ := w.guide(0)
		p, err := newGuideProbe(b, model.NewStore(), w.idm, w.cond, guide, ConstantLambda(lambda))
		if err != nil {
			t.Fatal(err)
		}
		for _, sigma := range []float64{0.01, 0.1, 0.5, 1, 3, 20, 80} {
			for i := range y {
				y[i] = cur[i]*0.7 + sigma*rng.NormFloat64() // any y: the identity holds pointwise
			}
			sv := make([]float64, rows)
			for i := range sv {
				sv[i] = sigma
			}
			dims := []int{rows, gaussC, gaussH, gaussW}
			tens := func(v []float64, d ...int) *tensors.Tensor { return tensors.FromFlatDataAndDimensions(f32(v), d...) }
			g, ideal, err := p.terms(tens(y, dims...), tens(sv, rows), tens(cur, dims...), tens(prev, dims...))
			if err != nil {
				t.Fatal(err)
			}
			// Host: D_c − D per mode, m = a·z(xⁿ): (m + q/(q+σ²)(z − m)) − λ_k/(λ_k+σ²)·z.
			want := make([]float64, len(y))
			scale := 0.0
			for r := range rows {
				z, zc := hostModes(f64(f32(y[r*gaussP:(r+1)*gaussP]))), hostModes(f64(f32(cur[r*gaussP:(r+1)*gaussP])))
				dz := make([]float64, gaussP)
				for k := range dz {
					m := w.ar[k] * zc[k]
					s := sigma * sigma
					dz[k] = m + w.q[k]/(w.q[k]+s)*(z[k]-m) - w.lam[k]/(w.lam[k]+s)*z[k]
				}
				copy(want[r*gaussP:], hostModes(dz))
			}
			for _, v := range want {
				scale = max(scale, math.Abs(v))
			}
			tol := 2e-5*(1+sigma) + 1e-4*scale
			name := fmt.Sprintf("λ = %g, σ = %g", lambda, sigma)
			for i := range want {
				if d := math.Abs(float64(g[i]) - lambda*want[i]); d > lambda*tol {
					t.Errorf("%s: value %d: guidance term %.6g, λ(D_c − D) = %.6g", name, i, g[i], lambda*want[i])
					break
				}
			}
			for i := range want {
				if d := math.Abs(float64(ideal[i]) - want[i]); d > tol {
					t.Errorf("%s: value %d: ideal term %.6g, D_c − D = %.6g", name, i, ideal[i], want[i])
					break
				}
			}
			a, err := Agreement(sigma, g, ideal, rows)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(a.Cosine-1) > 1e-3 || math.Abs(a.NormRatio-lambda) > 1e-3*lambda {
				t.Errorf("%s: cosine %.5f, norm ratio %.5f; want 1 and %g", name, a.Cosine, a.NormRatio, lambda)
			}
		}
		p.close()
	}
}

// Agreement on hand-made terms: the same direction at twice the size (cosine 1, ratio 2), the opposite
// direction (−1), orthogonal rows (0), and rows of different sizes (the ratio of root mean squares).
func TestAgreement(t *testing.T) {
	for _, c := range []struct {
		name           string
		g, i           []float32
		rows           int
		cos, ratio, rm float64
	}{
		{"scaled", []float32{2, 4, -2, 0}, []float32{1, 2, -1, 0}, 2, 1, 2, math.Sqrt(6.0 / 4)},
		{"reversed", []float32{-1, 0, 0, -3}, []float32{1, 0, 0, 3}, 2, -1, 1, math.Sqrt(10.0 / 4)},
		{"orthogonal", []float32{1, 0, 0, 1}, []float32{0, 1, 1, 0}, 2, 0, 1, math.Sqrt(2.0 / 4)},
		{"sizes", []float32{3, 0, 0, 4}, []float32{1, 0, 0, 1}, 2, 1, 5 / math.Sqrt2, math.Sqrt(2.0 / 4)},
	} {
		a, err := Agreement(0.5, c.g, c.i, c.rows)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(a.Cosine-c.cos) > 1e-12 || math.Abs(a.NormRatio-c.ratio) > 1e-12 || math.Abs(a.IdealRMS-c.rm) > 1e-12 || a.Windows != c.rows || a.Sigma != 0.5 {
			t.Errorf("%s: %+v, want cosine %g, ratio %g, ideal RMS %g", c.name, a, c.cos, c.ratio, c.rm)
		}
	}
	if _, err := Agreement(1, []float32{1, 2, 3}, []float32{1, 2, 3}, 2); err == nil {
		t.Error("3 values in 2 rows were accepted")
	}
}

// heunLaw is the exact law of the guided Heun sampler's output in mode k of the world, given the
// conditional mean m: every ODE derivative is affine, (y − D′(y; σ))/σ = α(σ)y + β(σ)m with
//
//	α = (1 − λ_k/(λ_k+σ²) − Λσ²/(λ_k+σ²) + Λσ²/(q_k+σ²))/σ,  β = −Λσ/(q_k+σ²)
//
// (Λ the guidance strength), so each step maps ŷ = y + churn noise to A ŷ + B m (the two-stage update of
// EDM Alg. 2, written out here apart from the sampler) and the output is N(M·m, V).
func (w gaussWorld) heunLaw(k int, lambda float64, sigmas []float64, o SamplerOptions) (M, V float64) {
	deriv := func(s float64) (a, b float64) {
		s2 := s * s
		lk, qk := w.lam[k], w.q[k]
		return (1 - lk/(lk+s2) - lambda*s2/(lk+s2) + lambda*s2/(qk+s2)) / s, -lambda * s / (qk + s2)
	}
	return gaussian.HeunLaw(deriv, sigmas, o.Heun.Churn, o.Heun.TMin, o.Heun.TMax, o.Heun.Noise)
}

// zGauss is the larger |z|-score of the sample mean and variance of v against N(0, variance), beyond an
// allowed bias of bias·√variance on the mean and bias·variance on the variance.
func zGauss(v []float64, variance, bias float64) float64 {
	n := float64(len(v))
	var m, s float64
	for _, x := range v {
		m += x
	}
	m /= n
	for _, x := range v {
		s += (x - m) * (x - m)
	}
	s /= n - 1
	zm := math.Max(math.Abs(m)-bias*math.Sqrt(variance), 0) / math.Sqrt(variance/n)
	zv := math.Max(math.Abs(s-variance)-bias*variance, 0) / (variance * math.Sqrt(2/n))
	return math.Max(zm, zv)
}

// corr is the sample correlation of a and b.
func corr(a, b []float64) float64 {
	n := float64(len(a))
	var ma, mb float64
	for i := range a {
		ma += a[i] / n
		mb += b[i] / n
	}
	var ab, aa, bb float64
	for i := range a {
		ab += (a[i] - ma) * (b[i] - mb)
		aa += (a[i] - ma) * (a[i] - ma)
		bb += (b[i] - mb) * (b[i] - mb)
	}
	return ab / math.Sqrt(aa*bb)
}

// The end-to-end closed-form test (issue 24, acceptance item 1): the library's guided generator
// (newGenerator, as `tidal rollout` builds it: Generator.Next with its normalisation, the conditioning
// frames in training order, guideLogit's unit map, diffusion.Guided at both Heun stages, and the paper's
// sampler of Tab. 1: 50 steps, S_churn 55, S_noise 1.005) with the exact image model and the exact
// discriminator at λ = 1 samples the exact conditional xⁿ⁺¹ | xⁿ ~ N(A xⁿ, Q).
//
// 4 000 stationary pairs (xⁿ⁻¹, xⁿ) are stepped twice (xⁿ⁺¹, xⁿ⁺²). In each of the 4 modes:
//   - the residual z(xⁿ⁺¹) − M·a_k z(xⁿ) matches the sampler's own exact output law N(0, V) (heunLaw)
//     within sampling error, |z| ≤ 4.5 (mean: standard error √(V/N); variance: V√(2/N));
//   - that law is within a discretisation bias of the target N(m, q_k) (|M − 1|·sd(m)/√q_k and
//     |V/q_k − 1|): 8 % for the paper's sampler (its variance is 6.4–6.9 % too large: 50 steps that all
//     churn at γ = √2 − 1, and S_noise 1.005), 1.5 % for deterministic Heun at 50 steps and for the churned
//     sampler at 200 steps with S_noise 1, so the guided sampler converges to the exact conditional;
//   - the samples match the target within sampling error beyond that bias, and the lag-1 and lag-2
//     correlations match a_k and a_k² within 4.5 standard errors (1 − ρ²)/√N plus 0.02;
//   - unguided (λ = 0) the residuals of the modes with a_k ≥ 0.5 are far (|z| > 8) outside the target's
//     tolerance: the test has power.
func TestGuidedSamplesExactConditional(t *testing.T) {
	const rows = 4000
	const zLimit, zWrong = 4.5, 8.0
	w := newGaussWorld()
	b := testBackend(t)
	rng := rand.New(rand.NewPCG(3, 4))
	prevN, curN := w.draw(rng, rows)
	phys := func(v []float64) []float32 {
		x := f32(v)
		gaussNorm.Denormalize(x, gaussH*gaussW)
		return x
	}
	modes := func(x []float32) [][]float64 { // physical frames → per mode, per row
		n := append([]float32(nil), x...)
		gaussNorm.Normalize(n, gaussH*gaussW)
		out := make([][]float64, gaussP)
		for r := range rows {
			z := hostModes(f64(n[r*gaussP : (r+1)*gaussP]))
			for k := range z {
				out[k] = append(out[k], z[k])
			}
		}
		return out
	}
	prev, cur := phys(prevN), phys(curN)
	zc := modes(cur)
	m := &Model{Run: "exact", Config: ModelConfig{Kind: KindIDM, Channels: gaussC, Height: gaussH, Width: gaussW}, Norm: gaussNorm}
	paper := DefaultSamplerOptions()
	deterministic := paper
	deterministic.Heun = diffusion.HeunOptions{}
	fine := paper
	fine.Grid.Steps, fine.Heun.Noise = 200, 1
	for _, c := range []struct {
		name   string
		o      SamplerOptions
		lambda float64
		bias   float64
	}{
		{"the paper's sampler", paper, 1, 0.08},
		{"deterministic Heun, 50 steps", deterministic, 1, 0.015},
		{"churned Heun, 200 steps, S_noise 1", fine, 1, 0.015},
		{"unguided, the paper's sampler", paper, 0, 0.08},
	} {
		o := c.o
		o.Lambda = c.lambda
		guide, _ := w.guide(0)
		g, err := newGenerator(b, m, model.NewStore(), w.idm, guide, o)
		if err != nil {
			t.Fatal(err)
		}
		next, err := g.Next(prev, cur, rows, 7)
		if err != nil {
			t.Fatal(err)
		}
		var next2 []float32
		if c.lambda == 1 {
			if next2, err = g.Next(cur, next, rows, 8); err != nil {
				t.Fatal(err)
			}
		}
		g.Close()
		sigmas := mustSigmas(t, o)
		z1 := modes(next)
		var z2 [][]float64
		if next2 != nil {
			z2 = modes(next2)
		}
		for k := range gaussP {
			name := fmt.Sprintf("%s, λ = %g, mode %d (a = %g, q = %.3f)", c.name, c.lambda, k, w.ar[k], w.q[k])
			M, V := w.heunLaw(k, c.lambda, sigmas, o)
			own, target := make([]float64, rows), make([]float64, rows)
			for r := range rows {
				mr := w.ar[k] * zc[k][r]
				own[r], target[r] = z1[k][r]-M*mr, z1[k][r]-mr
			}
			if z := zGauss(own, V, 0); z > zLimit {
				t.Errorf("%s: samples off the sampler's exact law N(%.4f·m, %.4f), |z| = %.2f", name, M, V, z)
			}
			if c.lambda == 0 {
				// Modes with a ≥ 0.5: the marginal differs from the conditional by more than the tolerance.
				if z := zGauss(target, w.q[k], c.bias); w.ar[k] >= 0.5 && z < zWrong {
					t.Errorf("%s: unguided samples within the conditional's tolerance (|z| = %.2f): the test has no power", name, z)
				}
				continue
			}
			disc := math.Max(math.Abs(M-1)*w.ar[k]*math.Sqrt(w.lam[k]/w.q[k]), math.Abs(V/w.q[k]-1))
			zt := zGauss(target, w.q[k], c.bias)
			t.Logf("%s: law N(%.4f·m, %.4f), off the target by %.4f; |z| beyond that %.2f", name, M, V, disc, zt)
			if disc > c.bias {
				t.Errorf("%s: the sampler's law N(%.4f·m, %.4f) is %.4f off the target N(m, %.4f) (> %v)", name, M, V, disc, w.q[k], c.bias)
			}
			if zt > zLimit {
				t.Errorf("%s: samples off the exact conditional, |z| = %.2f", name, zt)
			}
			for lag, zs := range [][]float64{z1[k], z2[k]} {
				rho := math.Pow(w.ar[k], float64(lag+1))
				got := corr(zc[k], zs)
				if tol := zLimit*(1-rho*rho)/math.Sqrt(rows) + 0.02; math.Abs(got-rho) > tol {
					t.Errorf("%s: lag-%d correlation %.4f, the process's %.4f (tolerance %.4f)", name, lag+1, got, rho, tol)
				}
			}
		}
	}
}

func mustSigmas(t *testing.T, o SamplerOptions) []float64 {
	t.Helper()
	s, err := diffusion.KarrasSigmas(o.Grid)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// fromUnits inverts discUnits' per-channel map (2 channels with different shifts and scales).
func TestFromUnitsInvertsDiscUnits(t *testing.T) {
	other := &Model{Norm: dataset.Norm{Mean: []float64{2.5, -0.8}, Std: []float64{2.5, 0.4}}}
	_, to := discUnits(gaussNorm, other)
	_, ab := guideScale(gaussNorm, other)
	x := []float64{1, -2, 0.5, 3, -1, 4, 0, 2}
	out := tensortest.RunGraph(t, func(in []*Node) []*Node {
		return []*Node{to(in[0]), fromUnits(to(in[0]), ab)}
	}, tensors.FromFlatDataAndDimensions(f32(x), 2, gaussC, gaussH, gaussW))
	for i, v := range x {
		c := (i / 2) % 2
		want := ab[c][0]*v + ab[c][1]
		if math.Abs(float64(out[0][i])-want) > 1e-6 || math.Abs(float64(out[1][i])-v) > 1e-5 {
			t.Fatalf("value %d: mapped %g (want %g), back %g (want %g)", i, out[0][i], want, out[1][i], v)
		}
	}
}

// IdealGuide on trained (tiny) models: finite numbers at every σ in the order given; the guidance term
// is linear in λ (the norm ratio at λ = 2 is twice that at λ = 1, the cosines and the ideal the same);
// λ = 0 gives no guidance term (norm ratio 0); windows outside the series and a non-video model are errors.
func TestIdealGuideOnTrainedModels(t *testing.T) {
	idmRun, vdmRun, discRun, s := trainedRuns(t)
	b := testBackend(t)
	idm, vdm, disc := load(t, idmRun, KindIDM), load(t, vdmRun, KindVDM), load(t, discRun, KindDiscriminator)
	sigmas := []float64{0.05, 0.5, 5}
	starts := []int{0, 5, 11, 20, 30}
	at := func(lambda LambdaBands) []GuideAgreement {
		a, err := IdealGuide(b, idm, vdm, disc, lambda, s.Data, starts, sigmas, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(a) != len(sigmas) {
			t.Fatalf("%d agreements for %d noise levels", len(a), len(sigmas))
		}
		return a
	}
	one, two, zero := at(ConstantLambda(1)), at(ConstantLambda(2)), at(ConstantLambda(0))
	// λ per band: 2 at σ = 0.05, 0 at σ = 0.5, 1 at σ = 5; each σ's terms are those of its band's λ.
	banded := at(LambdaBands{{0.1, 2}, {1, 0}, {math.Inf(1), 1}})
	for i, want := range []GuideAgreement{two[0], zero[1], one[2]} {
		if got := banded[i]; math.Abs(got.NormRatio-want.NormRatio) > 1e-5*want.NormRatio || math.Abs(got.Cosine-want.Cosine) > 1e-5 || got.IdealRMS != want.IdealRMS {
			t.Errorf("σ = %g: bands give %+v, their λ alone %+v", sigmas[i], got, want)
		}
	}
	for i, a := range one {
		t.Logf("σ = %g: cosine %.3f, norm ratio %.3f, ideal RMS %.4f", a.Sigma, a.Cosine, a.NormRatio, a.IdealRMS)
		if a.Sigma != sigmas[i] || a.Windows != len(starts) || math.IsNaN(a.Cosine) || math.IsInf(a.NormRatio, 0) || !(a.IdealRMS > 0) {
			t.Errorf("σ = %g: %+v", sigmas[i], a)
		}
		if math.Abs(two[i].NormRatio-2*a.NormRatio) > 1e-4*a.NormRatio || math.Abs(two[i].Cosine-a.Cosine) > 1e-4 || two[i].IdealRMS != a.IdealRMS {
			t.Errorf("σ = %g: λ = 2 gives %+v, λ = 1 %+v", a.Sigma, two[i], a)
		}
		if zero[i].NormRatio != 0 {
			t.Errorf("σ = %g: λ = 0 gives a guidance term, norm ratio %g", a.Sigma, zero[i].NormRatio)
		}
	}
	if _, err := IdealGuide(b, idm, vdm, disc, ConstantLambda(1), s.Data, []int{len(s.Data)/64 - 2}, sigmas, 3); err == nil {
		t.Error("a window past the series' end was accepted")
	}
	if _, err := IdealGuide(b, idm, idm, disc, ConstantLambda(1), s.Data, starts, sigmas, 3); err == nil {
		t.Error("an image model was accepted as the video model")
	}
}
