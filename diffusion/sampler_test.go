package diffusion

import (
	"fmt"
	"math"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
	"github.com/tidal-forecast/tidal/noise"
)

// The data of the closed-form tests: every element i.i.d. N(gaussMu, gaussS²).
const gaussMu, gaussS = 0.7, 0.4

// gaussD is the exact denoiser of that data, D(y; σ) = (s²·y + σ²·μ)/(s² + σ²), over y [batch, P].
func gaussD(_ *model.Scope, y, sigma *Node, _ []*Node) *Node {
	s2 := Square(sigmaCol(sigma))
	num := Add(MulScalar(y, gaussS*gaussS), MulScalar(s2, gaussMu))
	return Div(num, AddScalar(s2, gaussS*gaussS))
}

// exactODE is where the probability-flow ODE dy/dσ = (y − D(y; σ))/σ of that data takes y at σ₀ to at
// σ = 0: (y − μ)/√(s² + σ²) is constant along it, so y₀ = μ + s·(y − μ)/√(s² + σ₀²).
func exactODE(y, sigma0 float64) float64 {
	return gaussMu + gaussS*(y-gaussMu)/math.Sqrt(gaussS*gaussS+sigma0*sigma0)
}

// karras is KarrasSigmas with σ_min 0.002, σ_max 80, ρ 7 and n steps.
func karras(t *testing.T, n int) []float64 {
	t.Helper()
	s, err := KarrasSigmas(KarrasOptions{SigmaMin: 0.002, SigmaMax: 80, Rho: 7, Steps: n})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sampleWith builds the named sampler, samples x with seed and closes it.
func sampleWith(t *testing.T, name string, d Denoiser, x *tensors.Tensor, sigmas []float64, seed uint64) []float64 {
	t.Helper()
	var sm *Sampler
	var err error
	switch name {
	case "Euler":
		sm, err = NewDDIM(d, sigmas, DDIMOptions{})
	case "DDIM η=1":
		sm, err = NewDDIM(d, sigmas, DDIMOptions{Eta: 1})
	case "DDIM η=0.5":
		sm, err = NewDDIM(d, sigmas, DDIMOptions{Eta: 0.5})
	case "Heun":
		sm, err = NewHeun(d, sigmas, HeunOptions{})
	case "Heun churn":
		sm, err = NewHeun(d, sigmas, HeunOptions{Churn: 30})
	case "DPM-Solver++(2M)":
		sm, err = NewDPMSolver2M(d, sigmas, DPMSolverOptions{})
	case "DDPM":
		sm, err = NewDDPM(d, sigmas, DDPMOptions{})
	default:
		t.Fatalf("no sampler %q", name)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer sm.Close()
	out, err := sm.Sample(x, nil, seed)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return tensortest.Float64s(out)
}

// The deterministic samplers integrate the probability-flow ODE: with the exact denoiser of Gaussian data,
// each output element must be the exact ODE solution from its own noise (exactODE), up to the
// discretisation error, measured as the largest |Δ| over 4 000 elements relative to s. On EDM's grid
// (σ_max 80, ρ 7) the per-element gain of the exact map is off by 28% for Euler (= DDIM η=0, first
// order), 23% for Heun and 15% for DPM-Solver++(2M) at 10 steps, and by 5.8%, 0.65% and 0.69% at 50
// (a float64 transcription of each gives the same numbers): Euler's error falls 5× from 10 to 50 steps
// (first order), the others' 25–35× (second order). So: DPM-Solver++(2M) at 10 steps must be closer
// than Euler at 10 (below 0.7× its error), and at 50 steps Heun and DPM-Solver++ must be 5× closer than
// Euler; the bounds are about 1.2–1.4× the measured errors (max |ξ| ≈ 3.5 scales the gains' errors).
func TestDeterministicSamplersSolveTheODE(t *testing.T) {
	x, _ := noise.Initial(11, 1000, 4)
	d := Denoiser{Backend: tensortest.Backend(t), D: gaussD}
	xv := tensortest.Float64s(x)
	errAt := func(name string, n int) float64 {
		sigmas := karras(t, n)
		got := sampleWith(t, name, d, x, sigmas, 0)
		worst := 0.0
		for i, v := range xv {
			worst = max(worst, math.Abs(got[i]-exactODE(sigmas[0]*v, sigmas[0]))/gaussS)
		}
		return worst
	}
	euler10, euler50 := errAt("Euler", 10), errAt("Euler", 50)
	for _, c := range []struct {
		name       string
		bound10    float64
		bound50    float64
		beatsEuler bool
	}{
		{"Euler", 1.1, 0.25, false},
		{"Heun", 0.95, 0.03, true},
		{"DPM-Solver++(2M)", 0.6, 0.03, true},
	} {
		e10, e50 := errAt(c.name, 10), errAt(c.name, 50)
		t.Logf("%s: max |Δ|/s against the exact ODE solution: %.3g at 10 steps, %.3g at 50", c.name, e10, e50)
		if e10 > c.bound10 || e50 > c.bound50 {
			t.Errorf("%s: errors %.3g (10 steps), %.3g (50 steps), want below %v and %v", c.name, e10, e50, c.bound10, c.bound50)
		}
		if c.beatsEuler && !(e50*5 < euler50) {
			t.Errorf("%s at 50 steps: error %.3g, not 5× below Euler's %.3g", c.name, e50, euler50)
		}
		if c.name == "DPM-Solver++(2M)" && !(e10 < 0.7*euler10) {
			t.Errorf("DPM-Solver++(2M) at 10 steps: error %.3g, not below 0.7× Euler's %.3g", e10, euler10)
		}
	}
}

// Every sampler samples the data's law N(μ, s²) from the exact denoiser: over 20 000 elements, the
// sample mean and standard deviation are within sampling error (|z| ≤ 4.5) of μ and s beyond an allowed
// discretisation bias stated per sampler, relative to s (Euler at 50 steps loses 6% of the standard
// deviation, see TestDeterministicSamplersSolveTheODE; the ancestral ones lose variance on a coarse grid,
// since they ignore Var(x₀ | y); DDPM runs the cosine schedule's full 1000-step chain). A sampler
// started from the wrong law (σ_max = 2, where the noisy data is N(μ, s² + 4), not N(0, 4)) must miss the
// same tolerance by far (|z| > 10), so the test sees such an error.
func TestSamplersSampleTheGaussian(t *testing.T) {
	const n = 20000
	x, _ := noise.Initial(12, n/4, 4)
	d := Denoiser{Backend: tensortest.Backend(t), D: gaussD}
	vp, err := NewVP(CosineAlphaBar(1000))
	if err != nil {
		t.Fatal(err)
	}
	full, err := vp.DDIMSigmas(1000)
	if err != nil {
		t.Fatal(err)
	}
	wrong, err := KarrasSigmas(KarrasOptions{SigmaMin: 0.002, SigmaMax: 2, Rho: 7, Steps: 32})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		sigmas []float64
		bias   float64
		wrong  bool
	}{
		{"Euler", karras(t, 50), 0.08, false},
		{"Heun", karras(t, 32), 0.01, false},
		{"DPM-Solver++(2M)", karras(t, 32), 0.01, false},
		{"DDIM η=1", karras(t, 200), 0.03, false},
		{"DDIM η=0.5", karras(t, 100), 0.06, false},
		{"Heun churn", karras(t, 64), 0.03, false},
		{"DDPM", full, 0.01, false},
		{"Euler", wrong, 0.08, true},
	} {
		v := sampleWith(t, c.name, d, x, c.sigmas, 3)
		z := zScalar(v, gaussMu, gaussS*gaussS, c.bias)
		name := fmt.Sprintf("%s, %d steps from σ=%.3g", c.name, len(c.sigmas)-1, c.sigmas[0])
		exact := zScalar(v, gaussMu, gaussS*gaussS, 0)
		t.Logf("%s: |z| %.2f against N(μ, s²), %.2f beyond the bias %v", name, exact, z, c.bias)
		if c.wrong {
			if z < zWrong {
				t.Errorf("%s (wrong on purpose): |z| = %.2f, want > %v", name, z, zWrong)
			}
		} else if z > zLimit {
			t.Errorf("%s: samples off N(%v, %v²) by |z| = %.2f beyond the bias %v", name, gaussMu, gaussS, z, c.bias)
		}
	}
}

// The constructors refuse bad options and grids with errors naming them.
func TestSamplerErrors(t *testing.T) {
	d := Denoiser{Backend: tensortest.Backend(t), D: gaussD}
	good := []float64{2, 1, 0}
	for _, c := range []struct {
		name string
		err  error
	}{
		{"DDIM η < 0", func() error { _, err := NewDDIM(d, good, DDIMOptions{Eta: -0.1}); return err }()},
		{"DDIM η > 1", func() error { _, err := NewDDIM(d, good, DDIMOptions{Eta: 1.5}); return err }()},
		{"DDIM η NaN", func() error { _, err := NewDDIM(d, good, DDIMOptions{Eta: math.NaN()}); return err }()},
		{"DPM-Solver++ increasing grid", func() error { _, err := NewDPMSolver2M(d, []float64{1, 2, 0}, DPMSolverOptions{}); return err }()},
		{"DDPM one level", func() error { _, err := NewDDPM(d, []float64{1}, DDPMOptions{}); return err }()},
		{"DDPM no D", func() error { _, err := NewDDPM(Denoiser{Backend: d.Backend}, good, DDPMOptions{}); return err }()},
		{"DDIM no backend", func() error { _, err := NewDDIM(Denoiser{D: gaussD}, good, DDIMOptions{}); return err }()},
	} {
		if c.err == nil {
			t.Errorf("%s accepted", c.name)
		}
	}
}

// The compiled samplers equal float64 host transcriptions written apart from them, for the nonlinear
// wobblyD, over an ensemble of 2 cases × 3 members: DDIM (η = 0, 0.5 and 1) against k-diffusion's Euler
// ancestral form, DPM-Solver++(2M) against k-diffusion's form, and DDPM against the ancestral sampler of
// the VP chain computed in x = √ᾱ·y (the change of variables), on the reference's τ grid of a cosine
// table (T = 1000, 20 steps) and on a full chain (T = 100, every step); and DDPM equals DDIM with η = 1
// (two routes to the same step). Outputs are O(1); the tolerance 1e-5 is float32 rounding (measured
// below 6e-7), where a wrong coefficient or a noise draw of the wrong member or step is off by O(0.1).
func TestSamplersMatchHost(t *testing.T) {
	dims := []int{6, 4}
	e := noise.Ensemble{Cases: 2, Members: 3}
	x, _ := e.Initial(1, 4)
	xv := tensortest.Float64s(x)
	cond := []*tensors.Tensor{tensortest.Float32([]float64{-1, 1.5}, 2, 1)} // ignored by wobblyD; sets M = 3
	d := Denoiser{Backend: tensortest.Backend(t), D: wobblyD}
	grid := karras(t, 12)
	check := func(name string, got *tensors.Tensor, err error, want []float64) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if diff := tensortest.MaxAbsDiff(tensortest.Float64s(got), want); diff > 1e-5 {
			t.Errorf("%s: compiled and host samplers differ by %.3g", name, diff)
		} else {
			t.Logf("%s: max |Δ| = %.3g", name, diff)
		}
	}
	for _, eta := range []float64{0, 0.5, 1} {
		got, err := DDIM(d, x, cond, grid, DDIMOptions{Eta: eta, Seed: 4})
		check("DDIM η="+ftoa(eta), got, err, hostEulerAncestral(xv, e, dims, grid, eta, 4, wobblyHost))
	}
	got, err := DPMSolver2M(d, x, cond, grid, DPMSolverOptions{})
	check("DPM-Solver++(2M)", got, err, hostDPMSolver2M(xv, grid, wobblyHost))

	for _, c := range []struct {
		T, n int
	}{{1000, 20}, {100, 100}} {
		vp, err := NewVP(CosineAlphaBar(c.T))
		if err != nil {
			t.Fatal(err)
		}
		ts, err := vp.DDIMTimesteps(c.n)
		if err != nil {
			t.Fatal(err)
		}
		sigmas, err := vp.Sigmas(ts)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DDPM(d, x, cond, sigmas, DDPMOptions{Seed: 6})
		check("DDPM T="+itoa(c.T)+" n="+itoa(c.n), got, err, hostVPAncestral(xv, e, dims, vp, ts, 6, wobblyHost))
		// DDPM is DDIM with η = 1, by two routes to the same coefficients.
		ddim, err := DDIM(d, x, cond, sigmas, DDIMOptions{Eta: 1, Seed: 6})
		check("DDIM η=1 against DDPM, T="+itoa(c.T), ddim, err, tensortest.Float64s(got))
	}
}
