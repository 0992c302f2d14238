package dydiff

import (
	"math"
	"slices"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/checkpoint"

	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
	"github.com/tidal-forecast/tidal/nets"
	"github.com/tidal-forecast/tidal/noise"
)

// The UNet tests' layout: B cases × M members of windows of L frames of one 8×8 channel, conditioned on
// K context frames per case.
const unetB, unetM, unetL, unetK, unetHW = 2, 2, 3, 2, 8

// smallUNet is a small nets.UNet (two levels, attention in the middle) taking the L noisy frames and the
// K context frames as channels and predicting the L frames' noise.
func smallUNet(t *testing.T) *nets.UNet {
	t.Helper()
	u, err := nets.New(nets.Config{InChannels: unetL + unetK, OutChannels: unetL, Channels: 8, Mults: []int{1, 2}, Blocks: 1})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// trainSteps gives the UNet's variables a few AdamW steps of DyDiff's RandomLoss on fixed random windows.
func trainSteps(t *testing.T, d NoisePredictor, s Schedule, n int) {
	t.Helper()
	x0, _ := noise.Initial(40, unetB, unetL, 1, unetHW, unetHW)
	ctx, _ := noise.Initial(41, unetB, unetK, 1, unetHW, unetHW)
	losses := tensortest.AdamW(t, d.Backend, d.Scope, n, 1e-2, func(scope *model.Scope, in []*Node) *Node {
		return RandomLoss(scope, d.Net, s, in[0], in[1:])
	}, x0, ctx)
	t.Logf("training losses %.4f", losses)
}

// The samplers run tidal's real network (nets.UNet, with variables) on the Go backend: DDIM called
// twice, DDPM, and DDIM with η_ddim = 0.5, with random weights and after 3 AdamW steps. Each gives finite
// samples, bit-identical on repeated calls with the same seed (and on the free functions), different
// for another seed where the sampler is stochastic. Samplers built before training sample with the
// trained weights afterwards (variables are read live) and agree bit for bit with samplers built after
// training. Called K = 4 times, each compiles only on its first call: the start graph and one graph per
// kind of step it uses.
func TestSamplersWithUNet(t *testing.T) {
	s := mustSchedule(t, 0.5, ScheduleOptions{})
	d := NoisePredictor{Backend: tensortest.Backend(t), Scope: model.NewStore().RootScope(), Net: smallUNet(t).Apply}
	if err := d.Scope.Store().SetRNGStateFromSeed(3); err != nil {
		t.Fatal(err)
	}
	x, _ := noise.Ensemble{Cases: unetB, Members: unetM}.Initial(1, unetL, 1, unetHW, unetHW)
	ctx, _ := noise.Initial(2, unetB, unetK, 1, unetHW, unetHW)
	cond := []*tensors.Tensor{ctx}
	type sampler struct {
		name   string
		make   func() (*Sampler, error)
		once   func(seed uint64) (*tensors.Tensor, error)
		kinds  int // graphs compiled: start + step kinds used
		random bool
	}
	all := []sampler{
		{"DDIM", func() (*Sampler, error) { return NewDDIM(d, s, DDIMOptions{Steps: 10}) },
			func(seed uint64) (*tensors.Tensor, error) {
				return DDIM(d, x, cond, s, DDIMOptions{Steps: 10, Seed: seed})
			}, 2, false},
		{"DDPM", func() (*Sampler, error) { return NewDDPM(d, s, DDPMOptions{Steps: 10}) },
			func(seed uint64) (*tensors.Tensor, error) {
				return DDPM(d, x, cond, s, DDPMOptions{Steps: 10, Seed: seed})
			}, 3, true},
		{"DDIM η_ddim=0.5", func() (*Sampler, error) { return NewDDIM(d, s, DDIMOptions{Steps: 10, EtaDDIM: 0.5}) },
			func(seed uint64) (*tensors.Tensor, error) {
				return DDIM(d, x, cond, s, DDIMOptions{Steps: 10, EtaDDIM: 0.5, Seed: seed})
			}, 3, true},
	}
	samplers := make([]*Sampler, len(all))
	for i, c := range all {
		sm, err := c.make()
		if err != nil {
			t.Fatal(err)
		}
		defer sm.Close()
		samplers[i] = sm
	}
	before := make([][]float64, len(all))
	for _, trained := range []bool{false, true} {
		if trained {
			trainSteps(t, d, s, 3)
		}
		for i, c := range all {
			sm := samplers[i]
			first := tensortest.Repeats(t, c.name, 4, func() (*tensors.Tensor, error) { return sm.Sample(x, cond, 5) })
			if n := sm.Compilations(); n != c.kinds {
				t.Errorf("%s: %d graphs compiled, want %d (compiled once)", c.name, n, c.kinds)
			}
			once, err := c.once(5)
			if err != nil {
				t.Fatal(err)
			}
			if v := tensortest.Finite(t, c.name, once); !slices.Equal(v, first) {
				t.Errorf("%s (trained %v): the free function differs from the Sampler by %g", c.name, trained, tensortest.MaxAbsDiff(v, first))
			}
			if c.random {
				other, err := sm.Sample(x, cond, 6)
				if err != nil {
					t.Fatal(err)
				}
				if tensortest.MaxAbsDiff(tensortest.Finite(t, c.name, other), first) < 1e-3 {
					t.Errorf("%s: seeds 5 and 6 gave the same samples", c.name)
				}
			}
			if !trained {
				before[i] = first
				continue
			}
			if tensortest.MaxAbsDiff(first, before[i]) < 1e-3 {
				t.Errorf("%s: the samples did not change with training: the sampler kept the old weights", c.name)
			}
			fresh, err := c.make()
			if err != nil {
				t.Fatal(err)
			}
			out, err := fresh.Sample(x, cond, 5)
			fresh.Close()
			if err != nil {
				t.Fatal(err)
			}
			if v := tensortest.Finite(t, c.name, out); !slices.Equal(v, first) {
				t.Errorf("%s: a sampler built before training differs from one built after by %g", c.name, tensortest.MaxAbsDiff(v, first))
			}
		}
	}
}

// With trained UNet weights, DDIM's compiled steps equal an independent host implementation: the UNet
// evaluated alone (its own executable, conditioning tiled to the members on the host), and each step
// done by DDIMStepFloat64 in float64 from the correlated start Dyn(x, γ̄[τ_max]). They differ only by
// float32 rounding fed back through the network.
func TestDDIMWithUNetMatchesHost(t *testing.T) {
	s := mustSchedule(t, 0.5, ScheduleOptions{})
	u := smallUNet(t)
	d := NoisePredictor{Backend: tensortest.Backend(t), Scope: model.NewStore().RootScope(), Net: u.Apply}
	if err := d.Scope.Store().SetRNGStateFromSeed(4); err != nil {
		t.Fatal(err)
	}
	trainSteps(t, d, s, 3)
	x, _ := noise.Ensemble{Cases: unetB, Members: unetM}.Initial(1, unetL, 1, unetHW, unetHW)
	ctx, _ := noise.Initial(2, unetB, unetK, 1, unetHW, unetHW)
	got, err := DDIM(d, x, []*tensors.Tensor{ctx}, s, DDIMOptions{Steps: 10})
	if err != nil {
		t.Fatal(err)
	}

	fwd, err := model.NewExec(d.Backend, d.Scope.Store(), func(_ *model.Scope, x, t, c *Node) *Node {
		return u.Apply(d.Scope.ResetVisited(), x, t, []*Node{c})
	})
	if err != nil {
		t.Fatal(err)
	}
	defer fwd.Finalize()
	rows, per := unetB*unetM, unetL*unetHW*unetHW
	ctxV := tensortest.Float64s(ctx)
	tiled := make([]float64, 0, rows*unetK*unetHW*unetHW)
	for r := range rows {
		n := unetK * unetHW * unetHW
		tiled = append(tiled, ctxV[(r/unetM)*n:(r/unetM+1)*n]...)
	}
	ctxT := tensortest.Float32(tiled, rows, unetK, 1, unetHW, unetHW)
	ts, _ := s.Timesteps(10)
	state := tensortest.Float64s(x)
	for r := range rows {
		y, _ := DynamicsFloat64(state[r*per:(r+1)*per], unetL, s.GammaBar(ts[len(ts)-1]))
		copy(state[r*per:], y)
	}
	for i := len(ts) - 1; i >= 0; i-- {
		tp := -1
		if i > 0 {
			tp = ts[i-1]
		}
		tv := make([]float64, rows)
		for r := range tv {
			tv[r] = float64(ts[i])
		}
		out, err := fwd.Call(tensortest.Float32(state, rows, unetL, 1, unetHW, unetHW), tensortest.Float32(tv, rows), ctxT)
		if err != nil {
			t.Fatal(err)
		}
		e := tensortest.Float64s(out[0])
		for r := range rows {
			prev, _, err := DDIMStepFloat64(state[r*per:(r+1)*per], e[r*per:(r+1)*per], unetL,
				s.AlphaBar(ts[i]), s.AlphaBar(tp), s.GammaBar(ts[i]), s.GammaBar(tp))
			if err != nil {
				t.Fatal(err)
			}
			copy(state[r*per:], prev)
		}
	}
	scale := 0.0
	for _, v := range state {
		scale = math.Max(scale, math.Abs(v))
	}
	diff := tensortest.MaxAbsDiff(tensortest.Finite(t, "DDIM", got), state)
	t.Logf("max |Δ| = %.3g against the host steps (values up to %.3g)", diff, scale)
	if diff > 1e-4*scale {
		t.Errorf("compiled DDIM with the UNet differs from the host steps by %.3g (values up to %.3g)", diff, scale)
	}
}

// Weights loaded lazily from a GoMLX checkpoint (the variables get their values as the first
// compilation creates them, so the Go backend embeds them in that graph): the sampler gives exactly the
// samples of the store that was saved, rebuilds the embedding step once, and then reads the variables
// live: changing a loaded weight changes the next sample without another compilation.
func TestDDIMWithCheckpointedUNet(t *testing.T) {
	s := mustSchedule(t, 0.5, ScheduleOptions{})
	u := smallUNet(t)
	b := tensortest.Backend(t)
	trained := NoisePredictor{Backend: b, Scope: model.NewStore().RootScope(), Net: u.Apply}
	if err := trained.Scope.Store().SetRNGStateFromSeed(6); err != nil {
		t.Fatal(err)
	}
	trainSteps(t, trained, s, 2)
	dir := t.TempDir()
	h, err := checkpoint.Build(trained.Scope.Store()).Dir(dir).Done()
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Save(); err != nil {
		t.Fatal(err)
	}
	x, _ := noise.Ensemble{Cases: unetB, Members: unetM}.Initial(1, unetL, 1, unetHW, unetHW)
	ctx, _ := noise.Initial(2, unetB, unetK, 1, unetHW, unetHW)
	cond := []*tensors.Tensor{ctx}
	want, err := DDIM(trained, x, cond, s, DDIMOptions{Steps: 10})
	if err != nil {
		t.Fatal(err)
	}

	loaded := NoisePredictor{Backend: b, Scope: model.NewStore().RootScope(), Net: u.Apply}
	if _, err := checkpoint.Build(loaded.Scope.Store()).Dir(dir).Done(); err != nil {
		t.Fatal(err)
	}
	sm, err := NewDDIM(loaded, s, DDIMOptions{Steps: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer sm.Close()
	first := tensortest.Repeats(t, "DDIM from a checkpoint", 3, func() (*tensors.Tensor, error) { return sm.Sample(x, cond, 0) })
	if !slices.Equal(first, tensortest.Float64s(want)) {
		t.Errorf("the checkpointed weights sample differently, by %g", tensortest.MaxAbsDiff(first, tensortest.Float64s(want)))
	}
	if n := sm.Compilations(); n != 3 {
		t.Errorf("%d compilations, want 3 (start, the step, the step again without embedded weights)", n)
	}
	var changed bool
	for v := range loaded.Scope.IterVariables() {
		if v.Path() == "/out/kernel" {
			w := tensortest.Float64s(v.MustValue())
			for i := range w {
				w[i] *= 2
			}
			v.MustSetValue(tensortest.Float32(w, v.Shape().Dimensions...))
			changed = true
		}
	}
	if !changed {
		t.Fatal("no /out/kernel variable found to change")
	}
	out, err := sm.Sample(x, cond, 0)
	if err != nil {
		t.Fatal(err)
	}
	if tensortest.MaxAbsDiff(tensortest.Finite(t, "DDIM", out), first) < 1e-3 {
		t.Error("doubling the output convolution's weights did not change the samples: the weights were embedded")
	}
	if n := sm.Compilations(); n != 3 {
		t.Errorf("%d compilations after new weights, want 3", n)
	}
}
