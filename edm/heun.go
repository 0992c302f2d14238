package edm

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

// Denoiser is what the sampler evaluates: D(x; σ) with its variables and conditioning.
//
// Ensembles: x may hold B·M rows for Cond tensors of B rows; case b's member m is row b·M+m, and each Cond
// row is repeated M times inside the graph.
type Denoiser struct {
	// Backend runs the compiled steps ("go" or "cuda", see package backend).
	Backend compute.Backend
	// Scope holds the network's variables; nil gives an empty store.
	Scope *model.Scope
	// D is the denoiser, e.g. Precondition(net, σ_data).
	D DenoiserFn
	// Cond are the conditioning inputs of D and of the guidance, each [B, ...] with B dividing the batch of x.
	Cond []*tensors.Tensor
}

// Guidance returns a guidance gradient at noisy x [batch, ...] and noise levels sigma [batch]: the
// gradient with respect to x of a log-likelihood ratio, ∇ₓ log p(c | x_σ) — for Hess et al., the
// input-gradient of the discriminator's logit (spec §1). It gets the same conditioning inputs as D.
type Guidance func(scope *model.Scope, x, sigma *Node, cond []*Node) *Node

// HeunOptions configure Heun. The zero value is EDM's deterministic Heun sampler without guidance.
type HeunOptions struct {
	// Churn is S_churn: each step inside [TMin, TMax] raises σ by the factor 1 + min(Churn/N, √2−1).
	Churn float64
	// TMin and TMax bound the noise levels where churn applies (S_tmin, S_tmax); TMax 0 means +∞.
	TMin, TMax float64
	// Noise is S_noise, the scale of the churn noise; 0 means 1.
	Noise float64
	// Seed picks the per-step churn noise streams (package noise, NewSteps).
	Seed uint64
	// Guidance, if set, adds λ·Guidance to the score (spec §4); Lambda is λ.
	Guidance Guidance
	Lambda   float64
	// GuidanceFirstStageOnly applies the guidance at the first (Euler) stage of each step only, as DG's
	// CIFAR setting does; by default both stages are guided, as Hess et al. report is important.
	GuidanceFirstStageOnly bool
}

// Heun samples with EDM's stochastic Heun sampler (EDM Alg. 2) and the guidance of spec §4. x is i.i.d.
// standard normal noise [batch, ...] (see noise.Initial), scaled here to x = t₀·x; sigmas is the grid
// t₀ > t₁ > … > t_N ≥ 0 (see Sigmas). For i = 0..N−1:
//
//	γ = min(S_churn/N, √2−1) if S_tmin ≤ t_i ≤ S_tmax, else 0;   t̂ = t_i + γ t_i
//	x̂ = x + √(t̂² − t_i²)·S_noise·ε,  ε ~ N(0, I)                         (drawn only when γ > 0)
//	d = (x̂ − D(x̂; t̂))/t̂ − λ·t̂·g(x̂, t̂)
//	x' = x̂ + (t_{i+1} − t̂)·d
//	if t_{i+1} ≠ 0:  d' = (x' − D(x'; t_{i+1}))/t_{i+1} − λ·t_{i+1}·g(x', t_{i+1});  x' = x̂ + (t_{i+1} − t̂)(d + d')/2
//
// where g is the guidance gradient (its λ·g is added to the score, −σ·score being the ODE derivative)
// and the second stage drops it with GuidanceFirstStageOnly. Every step runs as one compiled graph.
func Heun(d Denoiser, x *tensors.Tensor, sigmas []float64, opt HeunOptions) (out *tensors.Tensor, err error) {
	if err := checkSigmas(sigmas); err != nil {
		return nil, err
	}
	if opt.TMax == 0 {
		opt.TMax = math.Inf(1)
	}
	if opt.Noise == 0 {
		opt.Noise = 1
	}
	if opt.Churn < 0 || opt.Noise < 0 || math.IsNaN(opt.Lambda) {
		return nil, fmt.Errorf("edm: Heun options: Churn %v and Noise %v must be ≥ 0, Lambda %v a number",
			opt.Churn, opt.Noise, opt.Lambda)
	}
	st, err := newStepper(d, x, opt)
	if err != nil {
		return nil, err
	}
	defer func() {
		// A panic GoMLX did not turn into an error (a D or guidance panicking with a non-error value) leaves
		// its executor mid-compilation, where Finalize would wait forever: report it, leave the executor.
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("edm: sampling failed: %v", r)
			return
		}
		st.finalize()
	}()
	cur, err := st.call(st.scale, nil, x, stepgraph.Scalars(sigmas[0]))
	N := len(sigmas) - 1
	for i := 0; i < N && err == nil; i++ {
		t, next := sigmas[i], sigmas[i+1]
		gamma := 0.0
		if opt.TMin <= t && t <= opt.TMax {
			gamma = min(opt.Churn/float64(N), math.Sqrt2-1)
		}
		tHat := t + gamma*t
		var prev *tensors.Tensor
		prev, cur = cur, nil
		cur, err = st.step(prev, tHat, next, math.Sqrt(tHat*tHat-t*t)*opt.Noise)
		prev.FinalizeAll()
	}
	return cur, err
}

func checkSigmas(s []float64) error {
	if len(s) < 2 {
		return fmt.Errorf("edm: %d noise levels, expected at least 2 (t₀ … t_N)", len(s))
	}
	for i, v := range s {
		if !(v > 0) && !(v == 0 && i == len(s)-1) {
			return fmt.Errorf("edm: sigma[%d] = %v: every level but the last must be positive", i, v)
		}
		if i > 0 && !(v < s[i-1]) {
			return fmt.Errorf("edm: sigmas must decrease strictly, got %v after %v", v, s[i-1])
		}
	}
	return nil
}

// stepper holds the compiled graphs of one Heun call: the initial scaling and one step graph for each
// combination of (churn noise or not) × (Heun correction or the final Euler step).
type stepper struct {
	d       Denoiser
	opt     HeunOptions
	members int
	scale   *model.Exec
	steps   [2][2]*model.Exec // [stochastic][heun]
	noise   *noise.Rows
}

func newStepper(d Denoiser, x *tensors.Tensor, opt HeunOptions) (*stepper, error) {
	if d.Backend == nil || d.D == nil {
		return nil, fmt.Errorf("edm: Denoiser needs a Backend and a D")
	}
	if x == nil || x.DType() != dtypes.Float32 || x.Rank() < 1 {
		return nil, fmt.Errorf("edm: initial noise must be a float32 tensor [batch, ...], got %v", stepgraph.ShapeOf(x))
	}
	members, err := ensemble.Members(x.Shape().Dimensions[0], d.Cond)
	if err != nil {
		return nil, fmt.Errorf("edm: %w", err)
	}
	st := &stepper{d: d, opt: opt, members: members}
	if st.d.Scope == nil {
		st.d.Scope = model.NewStore().RootScope()
	}
	if st.noise, err = noise.NewSteps(opt.Seed, x.Shape().Dimensions...); err != nil {
		return nil, err
	}
	store := st.d.Scope.Store()
	if st.scale, err = model.NewExec(d.Backend, store, func(_ *model.Scope, x, c *Node) *Node {
		return Mul(x, stepgraph.Elem(c, 0))
	}); err != nil {
		return nil, err
	}
	for i, stochastic := range []bool{false, true} {
		for j, heun := range []bool{false, true} {
			if st.steps[i][j], err = model.NewExec(d.Backend, store, st.stepGraph(stochastic, heun)); err != nil {
				return nil, err
			}
		}
	}
	return st, nil
}

func (st *stepper) finalize() {
	st.scale.Finalize()
	for _, row := range st.steps {
		for _, e := range row {
			e.Finalize()
		}
	}
}

// stepGraph builds one sampler step. Inputs: x, [t̂, t_next, noise std, λ], [ε,] cond...; output x'.
func (st *stepper) stepGraph(stochastic, heun bool) func(*model.Scope, []*Node) *Node {
	return func(_ *model.Scope, in []*Node) *Node {
		x, c := in[0], in[1]
		rest := in[2:]
		if stochastic {
			x, rest = Add(x, Mul(stepgraph.Elem(c, 2), in[2])), in[3:]
		}
		cond := ensemble.RepeatRows(rest, st.members)
		tHat, next, lambda := stepgraph.Elem(c, 0), stepgraph.Elem(c, 1), stepgraph.Elem(c, 3)
		batch := x.Shape().Dimensions[0]
		derivative := func(x, t *Node, guided bool) *Node {
			ts := BroadcastToDims(t, batch)
			den := st.d.D(st.d.Scope, x, ts, cond)
			if !den.Shape().Equal(x.Shape()) {
				exceptions.Panicf("edm: D returned %s for input %s", den.Shape(), x.Shape())
			}
			d := Div(Sub(x, den), t)
			if guided && st.opt.Guidance != nil {
				g := st.opt.Guidance(st.d.Scope, x, ts, cond)
				if !g.Shape().Equal(x.Shape()) {
					exceptions.Panicf("edm: Guidance returned %s for input %s", g.Shape(), x.Shape())
				}
				d = Sub(d, Mul(Mul(lambda, t), g))
			}
			return d
		}
		d1 := derivative(x, tHat, true)
		h := Sub(next, tHat)
		xn := Add(x, Mul(h, d1))
		if !heun {
			return xn
		}
		d2 := derivative(xn, next, !st.opt.GuidanceFirstStageOnly)
		return Add(x, Mul(h, MulScalar(Add(d1, d2), 0.5)))
	}
}

// step runs one step from x at t̂ (after churn of the given noise std) to next.
func (st *stepper) step(x *tensors.Tensor, tHat, next, noiseStd float64) (*tensors.Tensor, error) {
	stochastic, heun := 0, 0
	var eps *tensors.Tensor
	if noiseStd > 0 {
		stochastic, eps = 1, st.noise.Next()
	}
	if next != 0 {
		heun = 1
	}
	out, err := st.call(st.steps[stochastic][heun], eps, x, stepgraph.Scalars(tHat, next, noiseStd, st.opt.Lambda))
	if err != nil {
		return nil, fmt.Errorf("edm: step at σ=%g: %w", tHat, err)
	}
	return out, nil
}

// call runs exec on (x, c, [eps,] cond...) and returns its single output.
func (st *stepper) call(exec *model.Exec, eps *tensors.Tensor, x, c *tensors.Tensor) (*tensors.Tensor, error) {
	args := []any{x, c}
	if eps != nil {
		args = append(args, eps)
	}
	if exec != st.scale {
		for _, t := range st.d.Cond {
			args = append(args, t)
		}
	}
	out, err := exec.Call(args...)
	if err != nil {
		return nil, err
	}
	return out[0], nil
}
