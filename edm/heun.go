package edm

import (
	"fmt"
	"math"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"

	"github.com/tidal-forecast/tidal/internal/stepgraph"
)

// Denoiser is what the sampler evaluates: D(x; σ) with its variables.
type Denoiser struct {
	// Backend runs the compiled steps ("go" or "cuda", see package backend).
	Backend compute.Backend
	// Scope holds the variables of D (and of a guide wrapped into it by Guided); nil gives an empty
	// store. The sampler reads them live at every call, so it samples with the current weights after
	// more training or after others are loaded into the same variables.
	Scope *model.Scope
	// D is the denoiser, e.g. Precondition(net, σ_data), or Guided(Precondition(net, σ_data), logit, λ).
	D DenoiserFn
}

// HeunOptions configure Heun. The zero value is EDM's deterministic Heun sampler.
type HeunOptions struct {
	// Churn is S_churn: each step inside [TMin, TMax] raises σ by the factor 1 + min(Churn/N, √2−1).
	Churn float64
	// TMin and TMax bound the noise levels where churn applies (S_tmin, S_tmax); TMax 0 means +∞.
	TMin, TMax float64
	// Noise is S_noise, the scale of the churn noise; 0 means 1.
	Noise float64
	// Seed picks the per-step churn noise streams (noise.Ensemble.Steps) for the function Heun; a
	// Sampler's Sample takes its seed per call instead.
	Seed uint64
}

// resolved returns the options with their defaults filled in, or an error naming the bad one.
func (o HeunOptions) resolved() (HeunOptions, error) {
	if o.TMax == 0 {
		o.TMax = math.Inf(1)
	}
	if o.Noise == 0 {
		o.Noise = 1
	}
	if !(o.Churn >= 0) || !(o.Noise >= 0) || !(o.TMin >= 0) || !(o.TMax >= o.TMin) {
		return o, fmt.Errorf("edm: Heun options: Churn %v, Noise %v and TMin %v must be ≥ 0 and TMax %v ≥ TMin",
			o.Churn, o.Noise, o.TMin, o.TMax)
	}
	return o, nil
}

// Sampler is EDM's stochastic Heun sampler compiled for one denoiser, σ grid and options. Its step
// graphs compile on the first Sample for a shape and are reused by every later call, so a rollout
// calling it once per frame compiles once. It is not safe for concurrent use; Close it when done.
type Sampler struct {
	d      DenoiserFn
	sigmas []float64
	opt    HeunOptions
	prog   *stepgraph.Program
	scale  int
	steps  [2][2]int // step kinds [stochastic][heun]
}

// NewHeun compiles EDM's stochastic Heun sampler (EDM Alg. 2; docs/DIFFUSION.md, "EDM"). sigmas is the
// grid t₀ > t₁ > … > t_N ≥ 0 (see Sigmas). Sample scales the noise to x = t₀·x, then for i = 0..N−1:
//
//	γ = min(S_churn/N, √2−1) if S_tmin ≤ t_i ≤ S_tmax, else 0;   t̂ = t_i + γ t_i
//	x̂ = x + √(t̂² − t_i²)·S_noise·ε,  ε ~ N(0, I)                         (drawn only when γ > 0)
//	d = (x̂ − D(x̂; t̂))/t̂
//	x' = x̂ + (t_{i+1} − t̂)·d
//	if t_{i+1} ≠ 0:  d' = (x' − D(x'; t_{i+1}))/t_{i+1};  x' = x̂ + (t_{i+1} − t̂)(d + d')/2
//
// Discriminator guidance is not an option of the sampler: it wraps the denoiser (Guided).
func NewHeun(d Denoiser, sigmas []float64, opt HeunOptions) (*Sampler, error) {
	if err := checkSigmas(sigmas); err != nil {
		return nil, err
	}
	opt, err := opt.resolved()
	if err != nil {
		return nil, err
	}
	if d.D == nil {
		return nil, fmt.Errorf("edm: Denoiser needs a Backend and a D")
	}
	p, err := stepgraph.New("edm", d.Backend, d.Scope)
	if err != nil {
		return nil, err
	}
	sm := &Sampler{d: d.D, sigmas: append([]float64(nil), sigmas...), opt: opt, prog: p}
	if sm.scale, err = p.Add(func(_ *model.Scope, x, c, _ *Node, _ []*Node) []*Node {
		return []*Node{Mul(x, stepgraph.Elem(c, 0))}
	}, false); err != nil {
		p.Close()
		return nil, err
	}
	for i, stochastic := range []bool{false, true} {
		for j, heun := range []bool{false, true} {
			if sm.steps[i][j], err = p.Add(sm.stepGraph(heun), stochastic); err != nil {
				p.Close()
				return nil, err
			}
		}
	}
	return sm, nil
}

// Heun samples once with NewHeun's sampler, seeded by opt.Seed, and closes it: x is i.i.d. standard
// normal noise [B·M, ...] and cond the conditioning inputs [B, ...] (see Sampler.Sample). To sample many
// times (once per frame of a rollout), keep a Sampler instead: it compiles once.
func Heun(d Denoiser, x *tensors.Tensor, cond []*tensors.Tensor, sigmas []float64, opt HeunOptions) (*tensors.Tensor, error) {
	sm, err := NewHeun(d, sigmas, opt)
	if err != nil {
		return nil, err
	}
	defer sm.Close()
	return sm.Sample(x, cond, opt.Seed)
}

// checkSigmas validates a σ grid: at least two levels, strictly decreasing, all positive and finite but a
// final 0.
func checkSigmas(s []float64) error {
	if len(s) < 2 {
		return fmt.Errorf("edm: %d noise levels, expected at least 2 (t₀ … t_N)", len(s))
	}
	for i, v := range s {
		if !(v > 0) && !(v == 0 && i == len(s)-1) || math.IsInf(v, 0) {
			return fmt.Errorf("edm: sigma[%d] = %v: every level but the last must be positive and finite", i, v)
		}
		if i > 0 && !(v < s[i-1]) {
			return fmt.Errorf("edm: sigmas must decrease strictly, got %v after %v", v, s[i-1])
		}
	}
	return nil
}

// stepGraph builds one sampler step (a Step of package stepgraph). Inputs: x, [t̂, t_next, noise std],
// churn noise z (stochastic steps) and cond; output x'.
func (sm *Sampler) stepGraph(heun bool) stepgraph.Step {
	return func(scope *model.Scope, x, c, z *Node, cond []*Node) []*Node {
		if z != nil {
			x = Add(x, Mul(stepgraph.Elem(c, 2), z))
		}
		tHat, next := stepgraph.Elem(c, 0), stepgraph.Elem(c, 1)
		batch := x.Shape().Dimensions[0]
		derivative := func(x, t *Node) *Node {
			den := sm.d(stepgraph.Fresh(scope), x, BroadcastToDims(t, batch), cond)
			if !den.Shape().Equal(x.Shape()) {
				exceptions.Panicf("edm: D returned %s for input %s", den.Shape(), x.Shape())
			}
			return Div(Sub(x, den), t)
		}
		d1 := derivative(x, tHat)
		h := Sub(next, tHat)
		xn := Add(x, Mul(h, d1))
		if heun {
			d2 := derivative(xn, next)
			xn = Add(x, Mul(h, MulScalar(Add(d1, d2), 0.5)))
		}
		return []*Node{xn}
	}
}

// Sample runs the sampler from i.i.d. standard normal noise x [B·M, ...] (see noise.Ensemble.Initial)
// with conditioning inputs cond, each [B, ...]: case b's member m is row b·M+m of x and every cond row
// is repeated M times inside the graph. seed picks the churn noise, one stream per (case, member)
// (noise.Ensemble.Steps), so member m of case b gets the same noise for any B and M; a rollout passes a
// different seed per frame. x and cond are not modified.
func (sm *Sampler) Sample(x *tensors.Tensor, cond []*tensors.Tensor, seed uint64) (*tensors.Tensor, error) {
	z, err := stepgraph.Begin("edm", x, 1, "[batch, ...]", cond, seed)
	if err != nil {
		return nil, err
	}
	out, err := sm.prog.Call(sm.scale, x, stepgraph.Scalars(sm.sigmas[0]), nil, nil)
	if err != nil {
		return nil, err
	}
	cur := out[0]
	N := len(sm.sigmas) - 1
	for i := range N {
		t, next := sm.sigmas[i], sm.sigmas[i+1]
		gamma := 0.0
		if sm.opt.TMin <= t && t <= sm.opt.TMax {
			gamma = min(sm.opt.Churn/float64(N), math.Sqrt2-1)
		}
		tHat := t + gamma*t
		std := math.Sqrt(tHat*tHat-t*t) * sm.opt.Noise
		stochastic, heun, eps := 0, 0, (*tensors.Tensor)(nil)
		if std > 0 {
			stochastic, eps = 1, z.Next()
		}
		if next != 0 {
			heun = 1
		}
		out, err := sm.prog.Call(sm.steps[stochastic][heun], cur, stepgraph.Scalars(tHat, next, std), eps, cond)
		cur.FinalizeAll()
		if err != nil {
			return nil, fmt.Errorf("edm: step at σ=%g: %w", tHat, err)
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
