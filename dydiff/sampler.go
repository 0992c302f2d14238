package dydiff

import (
	"fmt"
	"math"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"

	"github.com/tidal-forecast/tidal/diffusion"
)

// NoisePredictor is what the reference samplers evaluate: the noise-predicting Net with its variables.
// (A denoiser of y for the samplers of package diffusion is EpsDenoiser's.)
type NoisePredictor struct {
	// Backend runs the compiled steps ("go" or "cuda", see package backend).
	Backend compute.Backend
	// Scope holds the network's variables; nil gives an empty store (for networks without variables).
	// The sampler reads them live at every call, so it samples with the current weights after more
	// training or after others (EMA, a checkpoint) are loaded into the same variables.
	Scope *model.Scope
	// Net predicts the correlated noise Dyn(ε, γ̄_t) (docs/DIFFUSION.md, "Forward process and loss").
	Net Net
}

// stepCoef are one reverse step's host scalars: the visited step t, ᾱ and γ̄ at t and at the previous
// step, and the weights of the denoised window (c0), the predicted noise (ce) and fresh noise (cz).
type stepCoef struct {
	t, a, ap, g, gp float64
	c0, ce, cz      float64
}

// vector packs the step's scalars, in float64 maths, into the float32 input of the step graph.
func (c stepCoef) vector() *tensors.Tensor {
	return diffusion.Scalars(c.t, 1/math.Sqrt(c.a), math.Sqrt(1-c.a)/math.Sqrt(c.a),
		math.Sqrt(c.g), math.Sqrt(1-c.g), math.Sqrt(c.gp), math.Sqrt(1-c.gp), c.c0, c.ce, c.cz)
}

// Sampler is a DyDiff reverse process (DDIM or DDPM) compiled for one denoiser, schedule and options.
// Its step graphs compile on the first Sample for a shape and are reused by every later call, so a
// rollout calling it once per frame compiles once. It is not safe for concurrent use; Close it when
// done.
type Sampler struct {
	net   Net
	s     Schedule
	coefs []stepCoef // in the order visited: descending t
	prog  *diffusion.Program
	start int
	steps [2]int  // step kinds [deterministic, stochastic]
	clip  float64 // > 0: x̂₀ is clipped to ±clip (DDIMOptions.ClipX0)
}

// newSampler validates the schedule and compiles nothing yet: the coefficients of the steps ts
// (ascending), visited backwards, come from weights(ᾱ_t, ᾱ_prev); clip > 0 clips every x̂₀ to ±clip.
func newSampler(d NoisePredictor, s Schedule, ts []int, clip float64, weights func(a, ap float64) (c0, ce, cz float64)) (*Sampler, error) {
	if d.Net == nil {
		return nil, fmt.Errorf("dydiff: NoisePredictor needs a Net")
	}
	p, err := diffusion.NewProgram("dydiff", d.Backend, d.Scope)
	if err != nil {
		return nil, err
	}
	sm := &Sampler{net: d.Net, s: s, prog: p, clip: clip}
	for i := len(ts) - 1; i >= 0; i-- {
		tp := -1
		if i > 0 {
			tp = ts[i-1]
		}
		c := stepCoef{t: float64(ts[i]), a: s.AlphaBar(ts[i]), ap: s.AlphaBar(tp), g: s.GammaBar(ts[i]), gp: s.GammaBar(tp)}
		c.c0, c.ce, c.cz = weights(c.a, c.ap)
		sm.coefs = append(sm.coefs, c)
	}
	if sm.start, err = p.Add(func(_ *model.Scope, x []*Node, c, _ *Node, _ []*Node) []*Node {
		return []*Node{dynamics(x[0], diffusion.Elem(c, 0), diffusion.Elem(c, 1))}
	}, 1, false); err != nil {
		p.Close()
		return nil, err
	}
	for i, stochastic := range []bool{false, true} {
		if sm.steps[i], err = p.Add(sm.step, 1, stochastic); err != nil {
			p.Close()
			return nil, err
		}
	}
	return sm, nil
}

// step builds one reverse step (a diffusion.Step): inputs x, the stepCoef vector c, fresh
// noise z (stochastic steps) and cond; outputs x_prev. With e = net(x, t):
//
//	x̂₀ = InvDyn((x − √(1−ᾱ_t) e)/√ᾱ_t, γ̄_t)                      (no InvDyn without data Dynamics)
//	x̂₀ ← clip(x̂₀, −clip, clip)                                       (only with clip > 0)
//	x_prev = c0·Dyn(x̂₀, γ̄_prev) + ce·Dyn(InvDyn(e, γ̄_t), γ̄_prev) + cz·Dyn(z, γ̄_prev)
//
// where each Dyn/InvDyn pair is dropped for the parts the Noising switch keeps free of Dynamics.
func (sm *Sampler) step(scope *model.Scope, state []*Node, c, z *Node, cond []*Node) []*Node {
	x := state[0]
	k := func(i int) *Node { return diffusion.Elem(c, i) }
	t := BroadcastToDims(k(0), x.Shape().Dimensions[0])
	e := sm.net(diffusion.Fresh(scope), x, t, cond)
	if !e.Shape().Equal(x.Shape()) {
		exceptions.Panicf("dydiff: Net returned %s for input %s", e.Shape(), x.Shape())
	}
	x0 := Sub(Mul(k(1), x), Mul(k(2), e))
	if sm.s.noising.dataDynamics() {
		x0 = inverseDynamics(x0, k(3), k(4))
	}
	if sm.clip > 0 {
		x0 = ClipScalar(x0, -sm.clip, sm.clip)
	}
	data := x0
	if sm.s.noising.dataDynamics() {
		data = dynamics(x0, k(5), k(6))
	}
	if sm.s.noising.noiseDynamics() {
		e = dynamics(inverseDynamics(e, k(3), k(4)), k(5), k(6))
	}
	out := Add(Mul(k(7), data), Mul(k(8), e))
	if z != nil {
		if sm.s.noising.noiseDynamics() {
			z = dynamics(z, k(5), k(6))
		}
		out = Add(out, Mul(k(9), z))
	}
	return []*Node{out}
}

// Sample runs the reverse process from i.i.d. standard normal noise x [B·M, frames, ...] (see
// noise.Ensemble.Initial) with conditioning inputs cond, each [B, ...]: case b's member m is row b·M+m
// of x and every cond row is repeated M times inside the graph. seed picks the per-step noise of
// stochastic steps, one stream per (case, member) (noise.Ensemble.Steps), so member m of case b gets the
// same noise for any B and M; a rollout passes a different seed per frame. It returns the last x̂₀, all
// frames (observed frames are regenerated, not clamped). x and cond are not modified.
func (sm *Sampler) Sample(x *tensors.Tensor, cond []*tensors.Tensor, seed uint64) (*tensors.Tensor, error) {
	z, err := diffusion.Begin("dydiff", x, 2, "[batch, frames, ...]", cond, seed)
	if err != nil {
		return nil, err
	}
	cur := x
	if sm.s.noising.noiseDynamics() { // correlated start, Dyn(x, γ̄[τ_max])
		g := sm.coefs[0].g
		out, err := sm.prog.Call(sm.start, []*tensors.Tensor{x}, diffusion.Scalars(math.Sqrt(g), math.Sqrt(1-g)), nil, nil)
		if err != nil {
			return nil, fmt.Errorf("dydiff: initial noise: %w", err)
		}
		cur = out[0]
	}
	for _, c := range sm.coefs {
		kind, fresh := sm.steps[0], (*tensors.Tensor)(nil)
		if c.cz != 0 {
			kind, fresh = sm.steps[1], z.Next()
		}
		out, err := sm.prog.Call(kind, []*tensors.Tensor{cur}, c.vector(), fresh, cond)
		if cur != x {
			cur.FinalizeAll()
		}
		if err != nil {
			return nil, fmt.Errorf("dydiff: step t=%d: %w", int(c.t), err)
		}
		cur = out[0]
	}
	return cur, nil
}

// Compilations is how many step graphs the sampler has compiled: one per kind of step used and input
// shape, however many times Sample was called.
func (sm *Sampler) Compilations() int { return sm.prog.Compilations() }

// Close releases the compiled graphs; the Sampler cannot be used again.
func (sm *Sampler) Close() { sm.prog.Close() }
