package dydiff

import (
	"fmt"
	"math"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"

	"github.com/tidal-forecast/tidal/internal/ensemble"
	"github.com/tidal-forecast/tidal/internal/stepgraph"
	"github.com/tidal-forecast/tidal/noise"
)

// Denoiser is what a sampler evaluates: the noise-predicting Net with its variables and conditioning.
//
// Ensembles: x may hold B·M rows for Cond tensors of B rows; case b's member m is row b·M+m, and the
// sampler repeats each Cond row M times inside the graph (no host copies). With M = 1 every tensor simply
// has the batch of x.
type Denoiser struct {
	// Backend runs the compiled steps ("go" or "cuda", see package backend).
	Backend compute.Backend
	// Scope holds the network's variables; nil gives an empty store (for networks without variables).
	Scope *model.Scope
	// Net predicts the correlated noise Dyn(ε, γ̄_t) (spec §4).
	Net Net
	// Cond are the network's conditioning inputs, each [B, ...] with B dividing the batch of x.
	Cond []*tensors.Tensor
}

// stepCoef are one reverse step's host scalars: the visited step t, ᾱ and γ̄ at t and at the previous
// step, and the weights of the denoised window (c0), the predicted noise (ce) and fresh noise (cz).
type stepCoef struct {
	t, a, ap, g, gp float64
	c0, ce, cz      float64
}

// vector packs the step's scalars, in float64 maths, into the float32 input of the step graph.
func (c stepCoef) vector() *tensors.Tensor {
	return stepgraph.Scalars(c.t, 1/math.Sqrt(c.a), math.Sqrt(1-c.a)/math.Sqrt(c.a),
		math.Sqrt(c.g), math.Sqrt(1-c.g), math.Sqrt(c.gp), math.Sqrt(1-c.gp), c.c0, c.ce, c.cz)
}

// stepper runs the reverse steps of one sampling call: one compiled graph per kind of step (with or
// without fresh noise), called once per step with that step's scalars as an input.
type stepper struct {
	d       Denoiser
	s       Schedule
	members int
	start   *model.Exec
	steps   [2]*model.Exec // [deterministic, stochastic]
	noise   *noise.Rows
}

// newStepper validates the inputs and prepares the graphs; seed feeds the per-step noise (noise.NewSteps).
func newStepper(d Denoiser, s Schedule, x *tensors.Tensor, seed uint64) (*stepper, error) {
	if err := s.valid(); err != nil {
		return nil, err
	}
	if d.Backend == nil || d.Net == nil {
		return nil, fmt.Errorf("dydiff: Denoiser needs a Backend and a Net")
	}
	if x == nil || x.DType() != dtypes.Float32 || x.Rank() < 2 {
		return nil, fmt.Errorf("dydiff: initial noise must be a float32 tensor [batch, frames, ...], got %v", stepgraph.ShapeOf(x))
	}
	members, err := ensemble.Members(x.Shape().Dimensions[0], d.Cond)
	if err != nil {
		return nil, fmt.Errorf("dydiff: %w", err)
	}
	st := &stepper{d: d, s: s, members: members}
	if st.d.Scope == nil {
		st.d.Scope = model.NewStore().RootScope()
	}
	st.noise, err = noise.NewSteps(seed, x.Shape().Dimensions...)
	if err != nil {
		return nil, err
	}
	store := st.d.Scope.Store()
	if st.start, err = model.NewExec(d.Backend, store, st.startGraph); err != nil {
		return nil, err
	}
	for i, stochastic := range []bool{false, true} {
		if st.steps[i], err = model.NewExec(d.Backend, store, st.stepGraph(stochastic)); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// finalize releases the compiled graphs.
func (st *stepper) finalize() {
	st.start.Finalize()
	for _, e := range st.steps {
		e.Finalize()
	}
}

// startGraph correlates the initial i.i.d. noise: inputs x and [√γ̄, √(1−γ̄)].
func (st *stepper) startGraph(_ *model.Scope, x, c *Node) *Node {
	return dynamics(x, stepgraph.Elem(c, 0), stepgraph.Elem(c, 1))
}

// begin returns the first state: Dyn(x, γ̄[τ_max]) for processes with correlated noise (spec §6.1), else
// x itself.
func (st *stepper) begin(x *tensors.Tensor, gammaBar float64) (*tensors.Tensor, error) {
	if !st.s.noising.noiseDynamics() {
		return x, nil
	}
	c := tensors.FromValue([]float32{float32(math.Sqrt(gammaBar)), float32(math.Sqrt(1 - gammaBar))})
	out, err := st.start.Call(x, c)
	if err != nil {
		return nil, fmt.Errorf("dydiff: initial noise: %w", err)
	}
	return out[0], nil
}

// stepGraph builds one reverse step. Inputs: x, the stepCoef vector, [z,] cond...; outputs x_prev and
// the denoised window x̂₀. With e = net(x, t):
//
//	x̂₀ = InvDyn((x − √(1−ᾱ_t) e)/√ᾱ_t, γ̄_t)                      (no InvDyn without data Dynamics)
//	x_prev = c0·Dyn(x̂₀, γ̄_prev) + ce·Dyn(InvDyn(e, γ̄_t), γ̄_prev) + cz·Dyn(z, γ̄_prev)
//
// where each Dyn/InvDyn pair is dropped for the parts the Noising switch keeps free of Dynamics.
func (st *stepper) stepGraph(stochastic bool) func(*model.Scope, []*Node) []*Node {
	return func(_ *model.Scope, in []*Node) []*Node {
		x, c := in[0], in[1]
		k := func(i int) *Node { return stepgraph.Elem(c, i) }
		rest := in[2:]
		var z *Node
		if stochastic {
			z, rest = in[2], in[3:]
		}
		cond := ensemble.RepeatRows(rest, st.members)
		t := BroadcastToDims(k(0), x.Shape().Dimensions[0])
		e := st.d.Net(st.d.Scope, x, t, cond)
		if !e.Shape().Equal(x.Shape()) {
			exceptions.Panicf("dydiff: Net returned %s for input %s", e.Shape(), x.Shape())
		}
		x0 := Sub(Mul(k(1), x), Mul(k(2), e))
		if st.s.noising.dataDynamics() {
			x0 = inverseDynamics(x0, k(3), k(4))
		}
		data := x0
		if st.s.noising.dataDynamics() {
			data = dynamics(x0, k(5), k(6))
		}
		if st.s.noising.noiseDynamics() {
			e = dynamics(inverseDynamics(e, k(3), k(4)), k(5), k(6))
		}
		out := Add(Mul(k(7), data), Mul(k(8), e))
		if stochastic {
			if st.s.noising.noiseDynamics() {
				z = dynamics(z, k(5), k(6))
			}
			out = Add(out, Mul(k(9), z))
		}
		return []*Node{out, x0}
	}
}

// step runs one reverse step from x, drawing fresh noise when c.cz ≠ 0, and returns x_prev and x̂₀.
func (st *stepper) step(x *tensors.Tensor, c stepCoef) (xPrev, x0 *tensors.Tensor, err error) {
	args := []any{x, c.vector()}
	exec := st.steps[0]
	if c.cz != 0 {
		args = append(args, st.noise.Next())
		exec = st.steps[1]
	}
	for _, t := range st.d.Cond {
		args = append(args, t)
	}
	out, err := exec.Call(args...)
	if err != nil {
		return nil, nil, fmt.Errorf("dydiff: step t=%d: %w", int(c.t), err)
	}
	return out[0], out[1], nil
}

// run is the shared loop of every sampler: it starts from the correlated initial noise and walks the
// steps ts (ascending) backwards, taking each step's c0, ce, cz from weights(ᾱ_t, ᾱ_prev).
func run(d Denoiser, x *tensors.Tensor, s Schedule, ts []int, seed uint64,
	weights func(a, ap float64) (c0, ce, cz float64)) (out *tensors.Tensor, err error) {
	st, err := newStepper(d, s, x, seed)
	if err != nil {
		return nil, err
	}
	defer func() {
		// A panic that GoMLX did not turn into an error (a Net panicking with a non-error value) leaves its
		// executor mid-compilation, where Finalize would wait forever: report it and leave the executor.
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("dydiff: sampling failed: %v", r)
			return
		}
		st.finalize()
	}()
	cur, err := st.begin(x, s.GammaBar(ts[len(ts)-1]))
	if err != nil {
		return nil, err
	}
	for i := len(ts) - 1; i >= 0; i-- {
		tp := -1
		if i > 0 {
			tp = ts[i-1]
		}
		c := stepCoef{t: float64(ts[i]), a: s.AlphaBar(ts[i]), ap: s.AlphaBar(tp), g: s.GammaBar(ts[i]), gp: s.GammaBar(tp)}
		c.c0, c.ce, c.cz = weights(c.a, c.ap)
		next, x0, err := st.step(cur, c)
		if err != nil {
			return nil, err
		}
		x0.FinalizeAll()
		if cur != x {
			cur.FinalizeAll()
		}
		cur = next
	}
	return cur, nil
}
