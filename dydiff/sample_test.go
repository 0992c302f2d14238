package dydiff

import (
	"math"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
	"github.com/tidal-forecast/tidal/noise"
)

// One DDIM step worked out by hand (docs/DIFFUSION.md, "Samplers"): x = [.5, −.2, .1] (3 one-scalar frames),
// ê = [.3, .1, −.4], ᾱ = .5, ᾱ_prev = .8, γ̄ = .7, γ̄_prev = .9; in float64 on the host and float32 in the
// compiled step.
func TestDDIMStepGolden(t *testing.T) {
	x, e := []float64{.5, -.2, .1}, []float64{.3, .1, -.4}
	wantX0 := []float64{0.40710678, -0.72409851, 0.89775168}
	wantPrev := []float64{0.49829145, -0.48945892, 0.37637544}
	prev, x0, err := DDIMStepFloat64(x, e, 3, .5, .8, .7, .9)
	if err != nil {
		t.Fatal(err)
	}
	check := func(where string, got, want []float64, tol float64) {
		for i := range want {
			if math.Abs(got[i]-want[i]) > tol {
				t.Errorf("%s[%d] = %.9f, want %.8f", where, i, got[i], want[i])
			}
		}
	}
	check("host x̂₀", x0, wantX0, 5e-9)
	check("host x_prev", prev, wantPrev, 5e-9)

	eps := tensortest.Float32(e, 1, 3)
	d := NoisePredictor{Backend: tensortest.Backend(t), Net: func(_ *model.Scope, xt, _ *Node, _ []*Node) *Node {
		return Const(xt.Graph(), eps)
	}}
	sm, err := NewDDIM(d, mustSchedule(t, 0.5, ScheduleOptions{}), DDIMOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sm.Close()
	xt := tensortest.Float32(x, 1, 3)
	// The step to ᾱ_prev = 1, γ̄_prev = 1 (c0 = 1, ce = 0) returns x̂₀ itself.
	for _, c := range []struct {
		name string
		coef stepCoef
		want []float64
	}{
		{"graph x_prev", stepCoef{t: 5, a: .5, ap: .8, g: .7, gp: .9, c0: math.Sqrt(.8), ce: math.Sqrt(.2)}, wantPrev},
		{"graph x̂₀", stepCoef{t: 5, a: .5, ap: 1, g: .7, gp: 1, c0: 1}, wantX0},
	} {
		out, err := sm.prog.Call(sm.steps[0], []*tensors.Tensor{xt}, c.coef.vector(), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		check(c.name, tensortest.Float64s(out[0]), c.want, 1e-6)
	}
}

// nonlinearNet is a denoiser with no closed form, the same in the graph and on the host:
// ê = 0.5·tanh(x) + 1e-4·t.
func nonlinearNet(_ *model.Scope, xt, t *Node, _ []*Node) *Node {
	return Add(MulScalar(Tanh(xt), 0.5), Reshape(MulScalar(t, 1e-4), append([]int{xt.Shape().Dimensions[0]},
		ones(xt.Rank()-1)...)...))
}

func ones(n int) []int {
	o := make([]int, n)
	for i := range o {
		o[i] = 1
	}
	return o
}

func nonlinearHost(x []float64, t int) []float64 {
	e := make([]float64, len(x))
	for i, v := range x {
		e[i] = 0.5*math.Tanh(v) + 1e-4*float64(t)
	}
	return e
}

// plainDDIM is Song et al.'s DDIM written from its paper, on the host in float64, with the same noise
// streams as the samplers (one draw per step with σ > 0).
func plainDDIM(s Schedule, x []float64, dims []int, ts []int, eta float64, seed uint64) []float64 {
	z, _ := noise.Ensemble{Cases: dims[0], Members: 1}.Steps(seed, dims[1:]...)
	x = append([]float64(nil), x...)
	for i := len(ts) - 1; i >= 0; i-- {
		a, ap := s.AlphaBar(ts[i]), 1.0
		if i > 0 {
			ap = s.AlphaBar(ts[i-1])
		}
		e := nonlinearHost(x, ts[i])
		sigma := eta * math.Sqrt((1-ap)/(1-a)) * math.Sqrt(1-a/ap)
		var zz []float64
		if sigma > 0 {
			zz = tensortest.Float64s(z.Next())
		}
		for j := range x {
			x0 := (x[j] - math.Sqrt(1-a)*e[j]) / math.Sqrt(a)
			x[j] = math.Sqrt(ap)*x0 + math.Sqrt(1-ap-sigma*sigma)*e[j]
			if sigma > 0 {
				x[j] += sigma * zz[j]
			}
		}
	}
	return x
}

// plainDDPM is Ho et al.'s ancestral sampler (their eq. 11, with β̃ variance) written from its paper,
// with α_t = ᾱ_t/ᾱ_prev between visited steps.
func plainDDPM(s Schedule, x []float64, dims []int, ts []int, seed uint64) []float64 {
	z, _ := noise.Ensemble{Cases: dims[0], Members: 1}.Steps(seed, dims[1:]...)
	x = append([]float64(nil), x...)
	for i := len(ts) - 1; i >= 0; i-- {
		a, ap := s.AlphaBar(ts[i]), 1.0
		if i > 0 {
			ap = s.AlphaBar(ts[i-1])
		}
		alpha := a / ap
		e := nonlinearHost(x, ts[i])
		sigma := math.Sqrt((1 - ap) / (1 - a) * (1 - alpha))
		var zz []float64
		if sigma > 0 {
			zz = tensortest.Float64s(z.Next())
		}
		for j := range x {
			x[j] = (x[j] - (1-alpha)/math.Sqrt(1-a)*e[j]) / math.Sqrt(alpha)
			if sigma > 0 {
				x[j] += sigma * zz[j]
			}
		}
	}
	return x
}

// With η = 0 (γ̄ ≡ 1) DyDiff's samplers are the ordinary ones (docs/DIFFUSION.md, "Schedules"): DDIM (η_ddim
// 0 and 0.7, uniform and explicit steps) and DDPM equal plain DDIM/DDPM written from their papers in this
// test.
func TestEtaZeroIsPlainDiffusion(t *testing.T) {
	dims := []int{6, 5, 2}
	s := mustSchedule(t, 0, ScheduleOptions{})
	x, err := noise.Initial(1, dims...)
	if err != nil {
		t.Fatal(err)
	}
	d := NoisePredictor{Backend: tensortest.Backend(t), Net: nonlinearNet}
	ts50, _ := s.Timesteps(50)
	ts100, _ := s.Timesteps(100)
	// (not 999: ᾱ_999 ≈ 2.4e-9 makes 1/√ᾱ ≈ 2e4 amplify float32 rounding; the reference stops at 981)
	explicit := []int{0, 3, 10, 40, 100, 250, 500, 750, 900, 960}
	for _, c := range []struct {
		name string
		run  func() (*tensors.Tensor, error)
		want []float64
	}{
		{"DDIM η_ddim=0", func() (*tensors.Tensor, error) { return DDIM(d, x, nil, s, DDIMOptions{}) },
			plainDDIM(s, tensortest.Float64s(x), dims, ts50, 0, 0)},
		{"DDIM η_ddim=0.7", func() (*tensors.Tensor, error) { return DDIM(d, x, nil, s, DDIMOptions{EtaDDIM: 0.7, Seed: 9}) },
			plainDDIM(s, tensortest.Float64s(x), dims, ts50, 0.7, 9)},
		{"DDIM explicit steps", func() (*tensors.Tensor, error) { return DDIM(d, x, nil, s, DDIMOptions{Timesteps: explicit}) },
			plainDDIM(s, tensortest.Float64s(x), dims, explicit, 0, 0)},
		{"DDPM 100 steps", func() (*tensors.Tensor, error) { return DDPM(d, x, nil, s, DDPMOptions{Steps: 100, Seed: 4}) },
			plainDDPM(s, tensortest.Float64s(x), dims, ts100, 4)},
	} {
		got, err := c.run()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		// float32 against float64: the first steps divide by √ᾱ_981 ≈ 0.028, so rounding grows to ~1e-4.
		if diff := tensortest.MaxAbsDiff(tensortest.Float64s(got), c.want); diff > 3e-4 {
			t.Errorf("%s differs from the plain sampler by %.3g", c.name, diff)
		} else {
			t.Logf("%s: max |Δ| = %.3g against plain", c.name, diff)
		}
	}
}

// DDPM's ancestral step and DDIM with η_ddim = 1 are the same update (same mean and variance), so with
// the same seed they give the same samples, for DyDiff's correlated process too.
func TestDDPMIsDDIMEtaOne(t *testing.T) {
	dims := []int{4, 6, 3}
	s := mustSchedule(t, 0.5, ScheduleOptions{})
	x, _ := noise.Initial(2, dims...)
	d := NoisePredictor{Backend: tensortest.Backend(t), Net: nonlinearNet}
	a, err := DDPM(d, x, nil, s, DDPMOptions{Steps: 50, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	b, err := DDIM(d, x, nil, s, DDIMOptions{EtaDDIM: 1, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if diff := tensortest.MaxAbsDiff(tensortest.Float64s(a), tensortest.Float64s(b)); diff > 1e-4 {
		t.Errorf("DDPM and DDIM(η_ddim=1) differ by %.3g", diff)
	}
	c, _ := DDPM(d, x, nil, s, DDPMOptions{Steps: 50, Seed: 3})
	if tensortest.MaxAbsDiff(tensortest.Float64s(a), tensortest.Float64s(c)) != 0 {
		t.Error("the same seed gave different DDPM samples")
	}
	e, _ := DDPM(d, x, nil, s, DDPMOptions{Steps: 50, Seed: 5})
	if tensortest.MaxAbsDiff(tensortest.Float64s(a), tensortest.Float64s(e)) < 1e-3 {
		t.Error("seeds 3 and 5 gave the same DDPM samples")
	}
}

// DDIMOptions.ClipX0 clips every x̂₀ (after InverseDynamics) and keeps ê: the compiled sampler equals that
// loop written on the host in float64 from the reference's DDIM (ddim_dydiff.py) plus the clip, for
// DyDiff's correlated process; the clip bites (the start at τ = 981 divides by √ᾱ ≈ 0.028), bounds the
// output, and ClipX0 = 0 is the reference sampler. Negative and non-finite bounds are refused.
func TestDDIMClipX0(t *testing.T) {
	dims := []int{6, 5, 2} // 6 samples of 5 frames of 2 values
	s := mustSchedule(t, 0.5, ScheduleOptions{})
	x, err := noise.Initial(3, dims...)
	if err != nil {
		t.Fatal(err)
	}
	d := NoisePredictor{Backend: tensortest.Backend(t), Net: nonlinearNet}
	ts, _ := s.Timesteps(50)
	host := func(clip float64) []float64 {
		xs := tensortest.Float64s(x)
		row := dims[1] * dims[2]
		out := make([]float64, 0, len(xs))
		for n := range dims[0] {
			v, _ := DynamicsFloat64(xs[n*row:(n+1)*row], dims[1], s.GammaBar(ts[len(ts)-1]))
			for i := len(ts) - 1; i >= 0; i-- {
				a, g, ap, gp := s.AlphaBar(ts[i]), s.GammaBar(ts[i]), 1.0, 1.0
				if i > 0 {
					ap, gp = s.AlphaBar(ts[i-1]), s.GammaBar(ts[i-1])
				}
				e := nonlinearHost(v, ts[i])
				raw := make([]float64, row)
				for j := range raw {
					raw[j] = (v[j] - math.Sqrt(1-a)*e[j]) / math.Sqrt(a)
				}
				x0, _ := InverseDynamicsFloat64(raw, dims[1], g)
				if clip > 0 {
					for j := range x0 {
						x0[j] = min(max(x0[j], -clip), clip)
					}
				}
				x0, _ = DynamicsFloat64(x0, dims[1], gp)
				ei, _ := InverseDynamicsFloat64(e, dims[1], g)
				ed, _ := DynamicsFloat64(ei, dims[1], gp)
				for j := range v {
					v[j] = math.Sqrt(ap)*x0[j] + math.Sqrt(1-ap)*ed[j]
				}
			}
			out = append(out, v...)
		}
		return out
	}
	unclipped, clipped := host(0), host(2)
	if d := tensortest.MaxAbsDiff(unclipped, clipped); d < 0.1 {
		t.Fatalf("clipping x̂₀ at ±2 changed the host sampler's output by only %.3g: the test is void", d)
	}
	for _, c := range []struct {
		clip float64
		want []float64
	}{{0, unclipped}, {2, clipped}} {
		got, err := DDIM(d, x, nil, s, DDIMOptions{ClipX0: c.clip})
		if err != nil {
			t.Fatal(err)
		}
		g := tensortest.Float64s(got)
		if diff := tensortest.MaxAbsDiff(g, c.want); diff > 3e-4 {
			t.Errorf("ClipX0=%v: the sampler differs from the host loop by %.3g", c.clip, diff)
		}
		for i, v := range g {
			if c.clip > 0 && math.Abs(v) > c.clip+1e-6 {
				t.Errorf("ClipX0=%v: output[%d] = %v lies outside the bound", c.clip, i, v)
			}
		}
	}
	for _, bad := range []float64{-1, math.NaN(), math.Inf(1)} {
		if _, err := NewDDIM(d, s, DDIMOptions{ClipX0: bad}); err == nil {
			t.Errorf("ClipX0=%v accepted", bad)
		}
	}
}
