package diffusion

import (
	"fmt"
	"math"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/internal/testref/gaussian"
	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
	"github.com/tidal-forecast/tidal/noise"
)

// tau is the observation noise of the guidance tests: c | x₀ ~ N(x₀, τ²).
const tau = 0.5

// sigmaCol reshapes per-sample σ [batch] to [batch, 1].
func sigmaCol(sigma *Node) *Node { return Reshape(sigma, sigma.Shape().Dimensions[0], 1) }

// wobblyD is a denoiser with no closed-form sampler, the same in the graph and on the host:
// D(x; σ) = 0.8x/(1+σ²) + 0.1·tanh(x), over x [batch, P].
func wobblyD(_ *model.Scope, x, sigma *Node, _ []*Node) *Node {
	s2 := Square(sigmaCol(sigma))
	return Add(Div(MulScalar(x, 0.8), OnePlus(s2)), MulScalar(Tanh(x), 0.1))
}

func wobblyHost(x, sigma float64) float64 { return 0.8*x/(1+sigma*sigma) + 0.1*math.Tanh(x) }

// posteriorLogit is the log-likelihood log p(c | x_σ) (up to a constant) for x₀ ~ N(0, 1), c | x₀ ~
// N(x₀, τ²), x_σ = x₀ + σn, summed over each row of x [batch, P]: c | x_σ ~ N(x_σ/(1+σ²), V) with
// V = σ²/(1+σ²) + τ², so it is −Σ (c − x/(1+σ²))²/(2V), whose gradient in x is guidanceHost's
// (c − x/(1+σ²))/(σ² + τ²(1+σ²)). cond[0] holds c per row, [batch, 1].
func posteriorLogit(_ *model.Scope, x, sigma, _ *Node, cond []*Node) *Node {
	s2 := Square(sigmaCol(sigma))
	V := Add(Div(s2, OnePlus(s2)), Scalar(x.Graph(), x.DType(), tau*tau))
	r := Sub(cond[0], Div(x, OnePlus(s2)))
	return ReduceSum(Neg(Div(Square(r), MulScalar(V, 2))), 1)
}

// guided is wobblyD guided towards cond[0] by posteriorLogit with strength λ.
func guided(t *testing.T, d DenoiserFn, lambda float64) DenoiserFn {
	t.Helper()
	g, err := Guided(d, posteriorLogit, lambda)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func guidanceHost(x, sigma, c float64) float64 {
	s2 := sigma * sigma
	return (c - x/(1+s2)) / (s2 + tau*tau*(1+s2))
}

// hostTHat is EDM Alg. 2's raised noise level t̂ = t + γt of a step from t, in float64, with
// γ = min(S_churn/N, √2−1) inside [S_tmin, S_tmax] (S_tmax 0 meaning +∞) and 0 outside: the test
// oracles' own transcription, kept apart from the sampler's.
func hostTHat(o HeunOptions, t float64, N int) float64 {
	tmax := o.TMax
	if tmax == 0 {
		tmax = math.Inf(1)
	}
	if t < o.TMin || t > tmax {
		return t
	}
	return t + math.Min(o.Churn/float64(N), math.Sqrt2-1)*t
}

// hostHeun is the sampler of docs/DIFFUSION.md written out on the host in float64 for element-wise D
// and guidance gradient g = ∇ₓ log p(c | x_σ) with strength lambda (the ODE derivative gets −λσg), with
// the same noise streams (one draw per churned step) for an ensemble e. c[r] is row r's observation.
func hostHeun(x0 []float64, e noise.Ensemble, dims []int, c []float64, sigmas []float64, o HeunOptions,
	d func(x, s float64) float64, lambda float64) []float64 {
	z, _ := e.Steps(o.Seed, dims[1:]...)
	per := len(x0) / dims[0]
	x := make([]float64, len(x0))
	for i := range x {
		x[i] = sigmas[0] * x0[i]
	}
	snoise := o.Noise
	if snoise == 0 {
		snoise = 1
	}
	N := len(sigmas) - 1
	for i := range N {
		t, next := sigmas[i], sigmas[i+1]
		th := hostTHat(o, t, N)
		var eps []float64
		if th > t {
			eps = tensortest.Float64s(z.Next())
		}
		for j := range x {
			xh := x[j]
			if eps != nil {
				xh += math.Sqrt(th*th-t*t) * snoise * eps[j]
			}
			deriv := func(x, s float64) float64 {
				return (x-d(x, s))/s - lambda*s*guidanceHost(x, s, c[j/per])
			}
			d1 := deriv(xh, th)
			xn := xh + (next-th)*d1
			if next != 0 {
				d2 := deriv(xn, next)
				xn = xh + (next-th)*(0.5*d1+0.5*d2)
			}
			x[j] = xn
		}
	}
	return x
}

// The compiled sampler equals the float64 host transcription of docs/DIFFUSION.md's algorithm, for a
// nonlinear D, with and without churn (inside an S_tmin..S_tmax window, S_noise ≠ 1; and with
// γ = S_churn/N below the cap √2−1, where the number of steps N matters), and guided (D
// wrapped by Guided, whose autodiff gradient of posteriorLogit must equal the analytic guidanceHost), for
// an ensemble of 3 members of 2 cases.
func TestHeunMatchesHost(t *testing.T) {
	dims := []int{6, 4}
	e := noise.Ensemble{Cases: 2, Members: 3}
	x, _ := e.Initial(1, 4)
	cs := []float64{-1, 1.5}
	rowC := []float64{-1, -1, -1, 1.5, 1.5, 1.5}
	cond := []*tensors.Tensor{tensortest.Float32(cs, 2, 1)}
	grid := vorticityGrid()
	grid.Steps = 12
	sigmas, _ := KarrasSigmas(grid)
	for _, c := range []struct {
		name   string
		opt    HeunOptions
		lambda float64
	}{
		{"deterministic", HeunOptions{}, 0},
		{"churn window", HeunOptions{Churn: 6, TMin: 0.05, TMax: 10, Noise: 1.007, Seed: 2}, 0},
		{"churn below the cap (γ = 3/12)", HeunOptions{Churn: 3, Seed: 5}, 0},
		{"guided", HeunOptions{Churn: 20, Seed: 3}, 2},
	} {
		d := Denoiser{Backend: tensortest.Backend(t), D: guided(t, wobblyD, c.lambda)}
		got, err := Heun(d, x, cond, sigmas, c.opt)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		want := hostHeun(tensortest.Float64s(x), e, dims, rowC, sigmas, c.opt, wobblyHost, c.lambda)
		if diff := tensortest.MaxAbsDiff(tensortest.Float64s(got), want); diff > 1e-5 {
			t.Errorf("%s: compiled and host samplers differ by %.3g", c.name, diff)
		} else {
			t.Logf("%s: max |Δ| = %.3g", c.name, diff)
		}
	}
}

// guidedLaw is the exact law of Heun's output for x₀ ~ N(0, 1) (D = x/(1+σ²)) guided towards c by
// posteriorLogit: the ODE derivative is affine, d(x; σ) = a(σ)x + b(σ) with
// a = σ/(1+σ²) + λσ/((1+σ²)V), b = −λσc/V, V = σ² + τ²(1+σ²), so each step maps x̂ = x + sε to
// x' = A x̂ + B with A = 1 + h/2·(a₁ + a₂(1 + h a₁)), B = h/2·(b₁ + b₂ + h a₂ b₁).
func guidedLaw(c float64, sigmas []float64, o HeunOptions, lambda float64) (mean, variance float64) {
	deriv := func(s float64) (a, b float64) {
		a = s / (1 + s*s)
		if lambda != 0 {
			V := s*s + tau*tau*(1+s*s)
			a += lambda * s / ((1 + s*s) * V)
			b = -lambda * s * c / V
		}
		return a, b
	}
	return gaussian.HeunLaw(deriv, sigmas, o.Churn, o.TMin, o.TMax, o.Noise)
}

// zScalar is the |z|-score of the sample mean and variance of v against mean and variance, beyond an
// allowed bias of bias·√variance on the mean and bias·variance on the variance.
func zScalar(v []float64, mean, variance, bias float64) float64 {
	var m, s float64
	for _, x := range v {
		m += x
	}
	n := float64(len(v))
	m /= n
	for _, x := range v {
		s += (x - m) * (x - m)
	}
	s /= n - 1
	zm := math.Max(math.Abs(m-mean)-bias*math.Sqrt(variance), 0) / math.Sqrt(variance/n)
	zv := math.Max(math.Abs(s-variance)-bias*variance, 0) / (variance * math.Sqrt(2/n))
	return math.Max(zm, zv)
}

// Guidance test (Hess et al. eq. 5): data x₀ ~ N(0, 1) (exact denoiser D = x/(1+σ²)), observation
// c | x₀ ~ N(x₀, τ²) with the exact noisy-level log-likelihood as the logit, log p(c | x_σ). Heun on
// Guided(D, logit, λ = 1) samples the posterior N(c/(1+τ²), τ²/(1+τ²)); λ = 0 the prior N(0, 1). Two
// cases (c = −1, 1.5) × 3 000 members, 40 steps, with and without churn. Each run matches its exact
// output law (guidedLaw) within sampling error (|z| ≤ 4.5); that law is within 2.5% (deterministic) or 8%
// (churn: γ = √2−1 at every step, a first-order scheme) of the target, relative to its standard
// deviation and variance (Heun's discretisation error at 40 steps); the samples match the target within
// sampling error beyond that bias; and the unguided samples lie far (|z| > 8) outside the posterior's
// tolerance, so the test sees whether guidance acts.
func TestGuidancePosterior(t *testing.T) {
	const M = 3000
	cs := []float64{-1, 1.5}
	x, _ := noise.Ensemble{Cases: len(cs), Members: M}.Initial(4, 1)
	gaussD := func(_ *model.Scope, x, sigma *Node, _ []*Node) *Node { return Div(x, OnePlus(Square(sigmaCol(sigma)))) }
	cond := []*tensors.Tensor{tensortest.Float32(cs, 2, 1)}
	grid := vorticityGrid()
	grid.Steps = 40
	sigmas, _ := KarrasSigmas(grid)
	postVar := tau * tau / (1 + tau*tau)
	for _, c := range []struct{ churn, lambda float64 }{{0, 1}, {0, 0}, {30, 1}, {30, 0}} {
		bias := 0.025
		if c.churn > 0 {
			bias = 0.08
		}
		o := HeunOptions{Churn: c.churn, Seed: 5}
		out, err := Heun(Denoiser{Backend: tensortest.Backend(t), D: guided(t, gaussD, c.lambda)}, x, cond, sigmas, o)
		if err != nil {
			t.Fatal(err)
		}
		v := tensortest.Float64s(out)
		for k, cv := range cs {
			sample := v[k*M : (k+1)*M]
			lm, lv := guidedLaw(cv, sigmas, o, c.lambda)
			name := fmt.Sprintf("churn %v λ=%v c=%v", c.churn, c.lambda, cv)
			if z := zScalar(sample, lm, lv, 0); z > zLimit {
				t.Errorf("%s: samples off their exact law N(%.4f, %.4f), |z| = %.2f", name, lm, lv, z)
			}
			tm, tv := cv/(1+tau*tau), postVar
			if c.lambda == 0 {
				tm, tv = 0, 1
			}
			disc := math.Max(math.Abs(lm-tm)/math.Sqrt(tv), math.Abs(lv-tv)/tv)
			z := zScalar(sample, tm, tv, bias)
			t.Logf("%s: exact law off the target by %.4f; |z| beyond that bias %.2f", name, disc, z)
			if disc > bias {
				t.Errorf("%s: exact law N(%.4f, %.4f) off the target N(%.4f, %.4f) by %.4f > %v", name, lm, lv, tm, tv, disc, bias)
			}
			if z > zLimit {
				t.Errorf("%s: samples off the target, |z| = %.2f", name, z)
			}
			if c.lambda == 0 {
				if zp := zScalar(sample, cv/(1+tau*tau), postVar, bias); zp < zWrong {
					t.Errorf("%s: unguided samples within the posterior's tolerance (|z| = %.2f): the test has no power", name, zp)
				}
			}
		}
	}
}

// Bad input gets an error naming it, not a panic or a hang.
func TestHeunErrors(t *testing.T) {
	b := tensortest.Backend(t)
	x, _ := noise.Initial(1, 4, 2)
	good := Denoiser{Backend: b, D: wobblyD}
	sig := []float64{80, 1, 0}
	for _, c := range []struct {
		name, want string
		err        error
	}{
		{"one level", "at least 2", func() error { _, err := Heun(good, x, nil, []float64{80}, HeunOptions{}); return err }()},
		{"increasing", "decrease", func() error { _, err := Heun(good, x, nil, []float64{1, 2, 0}, HeunOptions{}); return err }()},
		{"zero inside", "positive", func() error { _, err := Heun(good, x, nil, []float64{2, 0, 0}, HeunOptions{}); return err }()},
		{"no D", "Backend and a D", func() error { _, err := Heun(Denoiser{Backend: b}, x, nil, sig, HeunOptions{}); return err }()},
		{"float64 x", "float32", func() error {
			_, err := Heun(good, tensors.FromValue([][]float64{{1}}), nil, sig, HeunOptions{})
			return err
		}()},
		{"cond batch", "Cond[0]", func() error {
			_, err := Heun(good, x, []*tensors.Tensor{tensors.FromValue([][]float32{{1}, {2}, {3}})}, sig, HeunOptions{})
			return err
		}()},
		{"negative churn", "Churn", func() error { _, err := Heun(good, x, nil, sig, HeunOptions{Churn: -1}); return err }()},
		{"D shape", "D returned", func() error {
			d := good
			d.D = func(_ *model.Scope, x, _ *Node, _ []*Node) *Node { return SliceAxis(x, 1, AxisRange(0, 1)) }
			_, err := Heun(d, x, nil, sig, HeunOptions{})
			return err
		}()},
		{"D panics", "boom", func() error {
			d := good
			d.D = func(_ *model.Scope, x, _ *Node, _ []*Node) *Node { panic("boom") }
			_, err := Heun(d, x, nil, sig, HeunOptions{})
			return err
		}()},
	} {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("%s: err = %v, want one mentioning %q", c.name, c.err, c.want)
		}
	}
}

// Golden churn: 4 steps with S_churn = 1 give γ = S_churn/N = 1/4, below the cap √2−1, so each step
// raises σ_i to σ̂ = 1.25·σ_i and adds noise of std √(σ̂² − σ_i²) = 0.75·σ_i (S_noise 1). Dividing by
// N + 1 (γ = 0.2: σ̂ = 1.2σ_i, std 0.663σ_i) or by N − 1 would be caught. Outside [S_tmin, S_tmax] no churn.
func TestHeunChurnGolden(t *testing.T) {
	sigmas := []float64{8, 4, 2, 1, 0}
	sm, err := NewHeun(Denoiser{Backend: tensortest.Backend(t), D: wobblyD}, sigmas, HeunOptions{Churn: 1, TMin: 1.5})
	if err != nil {
		t.Fatal(err)
	}
	defer sm.Close()
	want := [][3]float64{{10, 4, 6}, {5, 2, 3}, {2.5, 1, 1.5}, {1, 0, 0}} // [σ̂, σ_next, noise std]
	for i, p := range sm.plan {
		for k, w := range want[i] {
			if !tensortest.CloseRel(p.c[k], w, 1e-15) && !(w == 0 && p.c[k] == 0) {
				t.Errorf("step %d: scalars %v, want %v", i, p.c, want[i])
				break
			}
		}
		if p.noisy != (want[i][2] > 0) {
			t.Errorf("step %d: noisy %v", i, p.noisy)
		}
	}
}
