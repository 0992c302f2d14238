package diffusion

import (
	"slices"
	"testing"

	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
	"github.com/tidal-forecast/tidal/nets"
	"github.com/tidal-forecast/tidal/nn"
	"github.com/tidal-forecast/tidal/noise"
)

// The UNet tests' layout: B cases × M members of 2-channel 8×8 fields, conditioned on one channel per case.
const unetB, unetM, unetC, unetHW = 2, 2, 2, 8

// unetDenoiser is EDM's preconditioned nets.UNet, its variables under scope "denoiser".
func unetDenoiser(t *testing.T) DenoiserFn {
	t.Helper()
	u, err := nets.New(nets.Config{InChannels: unetC + 1, OutChannels: unetC, Channels: 8, Mults: []int{1, 2}, Blocks: 1})
	if err != nil {
		t.Fatal(err)
	}
	pre := Precondition(u.Apply, DefaultSigmaData)
	return func(scope *model.Scope, x, sigma *Node, cond []*Node) *Node {
		return pre(scope.In("denoiser"), x, sigma, cond)
	}
}

// convLogit is a small discriminator-like guide, its variables under scope "guide": two 3×3
// convolutions of tidal's nn (with SiLU) over the noisy field and its conditioning, a spatial mean, and a
// plain matrix product to one logit, scaled by 1 + c_noise(σ) so that it depends on σ.
func convLogit(scope *model.Scope, x, sigma, _ *Node, cond []*Node) *Node {
	s := scope.In("guide")
	h := nn.ConcatChannels(x, cond[0])
	h = nn.SiLU(nn.Conv(s.In("conv0"), h).Channels(8).KernelSize(3).Done())
	h = nn.SiLU(nn.Conv(s.In("conv1"), h).Channels(4).KernelSize(3).Done())
	h = ReduceMean(h, 2, 3) // [batch, 4]
	w := s.In("out").VariableWithShape("w", shapes.Make(h.DType(), 4, 1)).NodeValue(h.Graph())
	l := Reshape(MatMul(h, w), h.Shape().Dimensions[0])
	return Mul(l, OnePlus(DivScalar(Log(sigma), 4)))
}

// trainDenoiser gives the UNet's variables a few AdamW steps of EDM's RandomLoss on fixed random fields.
func trainDenoiser(t *testing.T, b Denoiser, d DenoiserFn, n int) {
	t.Helper()
	y, _ := noise.Initial(40, unetB, unetC, unetHW, unetHW)
	ctx, _ := noise.Initial(41, unetB, 1, unetHW, unetHW)
	losses := tensortest.AdamW(t, b.Backend, b.Scope, n, 1e-2, func(scope *model.Scope, in []*Node) *Node {
		return RandomLoss(scope, d, DefaultLossOptions(), in[0], in[1:])
	}, y, ctx)
	t.Logf("training losses %.4f", losses)
}

// Heun runs tidal's real network on the Go backend: stochastic Heun (churn) on the preconditioned UNet,
// and guided by a small conv discriminator (Guided, λ = 2), with random weights and after 3 AdamW steps
// of the denoiser. Each gives finite samples, bit-identical on repeated calls with the same seed and on
// the free function Heun, different for another seed; guidance changes the samples; samplers built
// before training use the trained weights afterwards, as samplers built after do; called K = 4 times,
// each compiles only on its first call (the scaling and the two kinds of churned step: Heun, final Euler).
func TestHeunWithUNet(t *testing.T) {
	den := unetDenoiser(t)
	scope := model.NewStore().RootScope()
	if err := scope.Store().SetRNGStateFromSeed(5); err != nil {
		t.Fatal(err)
	}
	g, err := Guided(den, convLogit, 2)
	if err != nil {
		t.Fatal(err)
	}
	plain := Denoiser{Backend: tensortest.Backend(t), Scope: scope, D: den}
	guidedD := plain
	guidedD.D = g
	x, _ := noise.Ensemble{Cases: unetB, Members: unetM}.Initial(1, unetC, unetHW, unetHW)
	ctx, _ := noise.Initial(2, unetB, 1, unetHW, unetHW)
	cond := []*tensors.Tensor{ctx}
	grid := vorticityGrid()
	grid.Steps = 8
	sigmas, _ := KarrasSigmas(grid)
	opt := HeunOptions{Churn: 10, Noise: 1.005}
	cases := []struct {
		name string
		d    Denoiser
	}{{"Heun with churn", plain}, {"guided Heun", guidedD}}
	samplers := make([]*Sampler, len(cases))
	for i, c := range cases {
		if samplers[i], err = NewHeun(c.d, sigmas, opt); err != nil {
			t.Fatal(err)
		}
		defer samplers[i].Close()
	}
	before := make([][]float64, len(cases))
	for _, trained := range []bool{false, true} {
		if trained {
			trainDenoiser(t, plain, den, 3)
		}
		results := make([][]float64, len(cases))
		for i, c := range cases {
			sm := samplers[i]
			results[i] = tensortest.Repeats(t, c.name, 4, func() (*tensors.Tensor, error) { return sm.Sample(x, cond, 7) })
			if n := sm.Compilations(); n != 3 {
				t.Errorf("%s: %d graphs compiled, want 3 (compiled once)", c.name, n)
			}
			o := opt
			o.Seed = 7
			once, err := Heun(c.d, x, cond, sigmas, o)
			if err != nil {
				t.Fatal(err)
			}
			if v := tensortest.Finite(t, c.name, once); !slices.Equal(v, results[i]) {
				t.Errorf("%s: the free function differs from the Sampler by %g", c.name, tensortest.MaxAbsDiff(v, results[i]))
			}
			other, err := sm.Sample(x, cond, 8)
			if err != nil {
				t.Fatal(err)
			}
			if tensortest.MaxAbsDiff(tensortest.Finite(t, c.name, other), results[i]) < 1e-3 {
				t.Errorf("%s: seeds 7 and 8 gave the same samples", c.name)
			}
			if !trained {
				before[i] = results[i]
				continue
			}
			if tensortest.MaxAbsDiff(results[i], before[i]) < 1e-3 {
				t.Errorf("%s: the samples did not change with training: the sampler kept the old weights", c.name)
			}
			fresh, err := NewHeun(c.d, sigmas, opt)
			if err != nil {
				t.Fatal(err)
			}
			out, err := fresh.Sample(x, cond, 7)
			fresh.Close()
			if err != nil {
				t.Fatal(err)
			}
			if v := tensortest.Finite(t, c.name, out); !slices.Equal(v, results[i]) {
				t.Errorf("%s: a sampler built before training differs from one built after by %g", c.name, tensortest.MaxAbsDiff(v, results[i]))
			}
		}
		if diff := tensortest.MaxAbsDiff(results[0], results[1]); diff < 1e-3 {
			t.Errorf("trained %v: guidance changed the samples by %g only", trained, diff)
		} else {
			t.Logf("trained %v: guidance moved the samples by up to %.3g", trained, diff)
		}
	}
}

// Every sampler runs tidal's real network: the preconditioned UNet with random weights (and guided by
// the conv discriminator for one of them), 2 cases × 2 members conditioned per case, so the network is
// called in every step graph through a fresh scope (twice per Heun step). Each gives finite samples of
// the input's shape, bit-identical on a second call with the same seed, and compiles only on its first
// call: Compilations is the number of step kinds used (the scaling plus 1–2 kinds) and does not change
// on the second and third calls. The stochastic ones give different samples for another seed.
func TestSamplersWithUNet(t *testing.T) {
	den := unetDenoiser(t)
	scope := model.NewStore().RootScope()
	if err := scope.Store().SetRNGStateFromSeed(6); err != nil {
		t.Fatal(err)
	}
	g, err := Guided(den, convLogit, 1)
	if err != nil {
		t.Fatal(err)
	}
	plain := Denoiser{Backend: tensortest.Backend(t), Scope: scope, D: den}
	guidedD := plain
	guidedD.D = g
	x, _ := noise.Ensemble{Cases: unetB, Members: unetM}.Initial(3, unetC, unetHW, unetHW)
	ctx, _ := noise.Initial(4, unetB, 1, unetHW, unetHW)
	cond := []*tensors.Tensor{ctx}
	sigmas := karras(t, 6)
	vp, err := NewVP(CosineAlphaBar(1000))
	if err != nil {
		t.Fatal(err)
	}
	tau, err := vp.DDIMSigmas(5)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name       string
		make       func() (*Sampler, error)
		compiles   int
		stochastic bool
	}{
		{"DDIM η=0 (Euler)", func() (*Sampler, error) { return NewDDIM(plain, sigmas, DDIMOptions{}) }, 2, false},
		{"DDIM η=0.5 on the τ grid", func() (*Sampler, error) { return NewDDIM(plain, tau, DDIMOptions{Eta: 0.5}) }, 3, true},
		{"DPM-Solver++(2M)", func() (*Sampler, error) { return NewDPMSolver2M(plain, sigmas, DPMSolverOptions{}) }, 3, false},
		{"DDPM on the τ grid", func() (*Sampler, error) { return NewDDPM(plain, tau, DDPMOptions{}) }, 3, true},
		{"Heun", func() (*Sampler, error) { return NewHeun(plain, sigmas, HeunOptions{}) }, 3, false},
		{"guided DPM-Solver++(2M)", func() (*Sampler, error) { return NewDPMSolver2M(guidedD, sigmas, DPMSolverOptions{}) }, 3, false},
	} {
		sm, err := c.make()
		if err != nil {
			t.Fatal(err)
		}
		first := tensortest.Repeats(t, c.name, 2, func() (*tensors.Tensor, error) { return sm.Sample(x, cond, 7) })
		n := sm.Compilations()
		out, err := sm.Sample(x, cond, 8)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(out.Shape().Dimensions, x.Shape().Dimensions) {
			t.Errorf("%s: output %s for input %s", c.name, out.Shape(), x.Shape())
		}
		other := tensortest.Finite(t, c.name, out)
		if n != c.compiles || sm.Compilations() != n {
			t.Errorf("%s: %d graphs compiled after two calls, %d after three, want %d", c.name, n, sm.Compilations(), c.compiles)
		}
		if moved := tensortest.MaxAbsDiff(other, first); c.stochastic != (moved > 1e-4) {
			t.Errorf("%s: seeds 7 and 8 differ by %g (stochastic %v)", c.name, moved, c.stochastic)
		}
		sm.Close()
	}
}
