package diffusion

import (
	"math"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/tidal-forecast/tidal/internal/tensortest"
	"github.com/tidal-forecast/tidal/noise"
)

// hostEulerAncestral is k-diffusion's sample_euler_ancestral with η written out on the host in float64
// for an element-wise D, as the test's own transcription of DDIM in σ (not NewDDIM's form): σ_up =
// min(σ', η√(σ'²(σ² − σ'²)/σ²)), σ_down = √(σ'² − σ_up²), y ← y + (σ_down − σ)(y − D(y; σ))/σ + σ_up·z.
func hostEulerAncestral(x0 []float64, e noise.Ensemble, dims []int, sigmas []float64, eta float64, seed uint64,
	d func(y, s float64) float64) []float64 {
	z, _ := e.Steps(seed, dims[1:]...)
	y := make([]float64, len(x0))
	for i := range y {
		y[i] = sigmas[0] * x0[i]
	}
	for i := range len(sigmas) - 1 {
		s, next := sigmas[i], sigmas[i+1]
		up := math.Min(next, eta*math.Sqrt(next*next*(s*s-next*next)/(s*s)))
		down := math.Sqrt(next*next - up*up)
		var eps []float64
		if up > 0 {
			eps = tensortest.Float64s(z.Next())
		}
		for j := range y {
			y[j] += (down - s) * (y[j] - d(y[j], s)) / s
			if eps != nil {
				y[j] += up * eps[j]
			}
		}
	}
	return y
}

// hostDPMSolver2M is k-diffusion's sample_dpmpp_2m on the host in float64, in its own variables
// t = −log σ, for an element-wise D.
func hostDPMSolver2M(x0 []float64, sigmas []float64, d func(y, s float64) float64) []float64 {
	y := make([]float64, len(x0))
	for i := range y {
		y[i] = sigmas[0] * x0[i]
	}
	tOf := func(s float64) float64 { return -math.Log(s) }
	var old []float64
	for i := range len(sigmas) - 1 {
		den := make([]float64, len(y))
		for j := range y {
			den[j] = d(y[j], sigmas[i])
		}
		for j := range y {
			if old == nil || sigmas[i+1] == 0 {
				if sigmas[i+1] == 0 {
					y[j] = den[j] // lim σ'→0 of (σ'/σ)y − expm1(−h)·D
				} else {
					h := tOf(sigmas[i+1]) - tOf(sigmas[i])
					y[j] = sigmas[i+1]/sigmas[i]*y[j] - math.Expm1(-h)*den[j]
				}
				continue
			}
			h := tOf(sigmas[i+1]) - tOf(sigmas[i])
			r := (tOf(sigmas[i]) - tOf(sigmas[i-1])) / h
			dd := (1+1/(2*r))*den[j] - 1/(2*r)*old[j]
			y[j] = sigmas[i+1]/sigmas[i]*y[j] - math.Expm1(-h)*dd
		}
		old = den
	}
	return y
}

// hostVPAncestral is DDPM's ancestral sampler (Ho et al. 2020, eqs. 6–7) on the VP state x = √ᾱ·y,
// in float64 on the host: x starts at √(1−ᾱ_T)·ξ (= √ᾱ_T·σ_T·ξ), and from each visited step t to the
// previous one (ᾱ' = 1 after the first), with β = 1 − ᾱ/ᾱ' and x̂₀ = D(x/√ᾱ; σ_t),
//
//	x ← √ᾱ'β/(1−ᾱ)·x̂₀ + √(1−β)(1−ᾱ')/(1−ᾱ)·x + √(β(1−ᾱ')/(1−ᾱ))·z
//
// returning x at ᾱ' = 1, which is y. It draws z from the same per-step streams as the samplers.
func hostVPAncestral(x0 []float64, e noise.Ensemble, dims []int, vp VP, ts []int, seed uint64,
	d func(y, s float64) float64) []float64 {
	z, _ := e.Steps(seed, dims[1:]...)
	top := vp.AlphaBar(ts[len(ts)-1])
	x := make([]float64, len(x0))
	for i := range x {
		x[i] = math.Sqrt(1-top) * x0[i]
	}
	for k := len(ts) - 1; k >= 0; k-- {
		a, ap := vp.AlphaBar(ts[k]), 1.0
		if k > 0 {
			ap = vp.AlphaBar(ts[k-1])
		}
		beta := 1 - a/ap
		v := beta * (1 - ap) / (1 - a)
		var eps []float64
		if v > 0 {
			eps = tensortest.Float64s(z.Next())
		}
		sigma := math.Sqrt((1 - a) / a)
		for j := range x {
			x0hat := d(x[j]/math.Sqrt(a), sigma)
			x[j] = math.Sqrt(ap)*beta/(1-a)*x0hat + math.Sqrt(1-beta)*(1-ap)/(1-a)*x[j]
			if eps != nil {
				x[j] += math.Sqrt(v) * eps[j]
			}
		}
	}
	return x
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
