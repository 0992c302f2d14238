package diffusion

import (
	"fmt"
	"math"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"
)

// Sampler is one of the package's samplers (NewDDIM, NewHeun, NewDPMSolver2M, NewDDPM) compiled for one
// denoiser, σ grid and options. All of its step coefficients are computed on the host in float64 when it
// is built (its plan); its step graphs compile on the first Sample for a shape and are reused by every
// later call, so a rollout calling it once per frame compiles once. It is not safe for concurrent use;
// Close it when done.
type Sampler struct {
	name   string
	d      DenoiserFn
	sigmas []float64
	prog   *Program
	scale  int
	plan   []planned
}

// planned is one step of a sampler's plan: the step kind to call, its host scalars, whether it takes
// fresh noise, and how many state tensors it takes.
type planned struct {
	kind  int
	c     []float64
	noisy bool
	state int
}

// newSampler validates the grid and the denoiser and compiles nothing yet; the caller adds its step
// kinds to sm.prog and fills sm.plan.
func newSampler(name string, d Denoiser, sigmas []float64) (*Sampler, error) {
	if err := checkSigmas(sigmas); err != nil {
		return nil, err
	}
	if d.D == nil {
		return nil, fmt.Errorf("diffusion: Denoiser needs a Backend and a D")
	}
	p, err := NewProgram("diffusion", d.Backend, d.Scope)
	if err != nil {
		return nil, err
	}
	sm := &Sampler{name: name, d: d.D, sigmas: append([]float64(nil), sigmas...), prog: p}
	if sm.scale, err = p.Add(func(_ *model.Scope, x []*Node, c, _ *Node, _ []*Node) []*Node {
		return []*Node{Mul(x[0], Elem(c, 0))}
	}, 1, false); err != nil {
		p.Close()
		return nil, err
	}
	return sm, nil
}

// add declares a step kind, closing the sampler's Program on failure.
func (sm *Sampler) add(step Step, state int, noisy bool) (int, error) {
	k, err := sm.prog.Add(step, state, noisy)
	if err != nil {
		sm.prog.Close()
	}
	return k, err
}

// denoise evaluates D(y; σ) for a scalar σ node inside a step graph, through a fresh scope so that a
// step may call it more than once, and checks its shape.
func (sm *Sampler) denoise(scope *model.Scope, y, sigma *Node, cond []*Node) *Node {
	den := sm.d(Fresh(scope), y, BroadcastToDims(sigma, y.Shape().Dimensions[0]), cond)
	if !den.Shape().Equal(y.Shape()) {
		exceptions.Panicf("diffusion: D returned %s for input %s", den.Shape(), y.Shape())
	}
	return den
}

// checkSigmas validates a σ grid: at least two levels, strictly decreasing, all positive and finite but a
// final 0.
func checkSigmas(s []float64) error {
	if len(s) < 2 {
		return fmt.Errorf("diffusion: %d noise levels, expected at least 2 (σ₀ … σ_N)", len(s))
	}
	for i, v := range s {
		if !(v > 0) && !(v == 0 && i == len(s)-1) || math.IsInf(v, 0) {
			return fmt.Errorf("diffusion: sigma[%d] = %v: every level but the last must be positive and finite", i, v)
		}
		if i > 0 && !(v < s[i-1]) {
			return fmt.Errorf("diffusion: sigmas must decrease strictly, got %v after %v", v, s[i-1])
		}
	}
	return nil
}

// Sample runs the sampler from i.i.d. standard normal noise x [B·M, ...] (see noise.Ensemble.Initial),
// scaled first to σ₀·x, with conditioning inputs cond, each [B, ...]: case b's member m is row b·M+m of
// x and every cond row is repeated M times inside the graph. seed picks the noise of the stochastic
// steps, one stream per (case, member) (noise.Ensemble.Steps), so member m of case b gets the same noise
// for any B and M; a rollout passes a different seed per frame. It returns the sample at the grid's last
// level (ŷ₀ when it ends at 0). x and cond are not modified.
func (sm *Sampler) Sample(x *tensors.Tensor, cond []*tensors.Tensor, seed uint64) (*tensors.Tensor, error) {
	z, err := Begin("diffusion", x, 1, "[batch, ...]", cond, seed)
	if err != nil {
		return nil, err
	}
	state, err := sm.prog.Call(sm.scale, []*tensors.Tensor{x}, Scalars(sm.sigmas[0]), nil, nil)
	if err != nil {
		return nil, err
	}
	for i, p := range sm.plan {
		var eps *tensors.Tensor
		if p.noisy {
			eps = z.Next()
		}
		out, err := sm.prog.Call(p.kind, state[:p.state], Scalars(p.c...), eps, cond)
		for _, t := range state {
			t.FinalizeAll()
		}
		if err != nil {
			return nil, fmt.Errorf("diffusion: %s step %d at σ=%g: %w", sm.name, i, sm.sigmas[i], err)
		}
		state = out
	}
	for _, t := range state[1:] {
		t.FinalizeAll()
	}
	return state[0], nil
}

// Compilations is how many step graphs the sampler has compiled: one per kind of step used and input
// shape, however many times Sample was called.
func (sm *Sampler) Compilations() int { return sm.prog.Compilations() }

// Close releases the compiled graphs; the Sampler cannot be used again.
func (sm *Sampler) Close() { sm.prog.Close() }
