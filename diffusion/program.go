package diffusion

import (
	"fmt"
	"math"
	"sync/atomic"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/noise"
)

// Step builds one kind of sampler step into a graph. It gets the denoiser's scope, the state x: x[0]
// the sample [batch, ...] and any further tensors the sampler carries from step to step (DPM-Solver++'s
// previous ŷ₀), as many as the kind was declared with; the step's host scalars c (see Scalars); fresh
// noise z shaped like x[0] (nil for a step declared without noise) and the conditioning inputs, each
// already repeated to the batch of x[0] (case b's member m is row b·M+m). It returns the new state. A
// step evaluates its network through Fresh(scope), never through scope itself, so it may do so several
// times.
type Step func(scope *model.Scope, x []*Node, c, z *Node, cond []*Node) []*Node

// Fresh returns scope at the same path with no sub-scope visited. GoMLX lets a graph enter a sub-scope
// once per Scope value; every network evaluation inside a step graph goes through Fresh so a network
// can be evaluated twice in one graph (Heun's two stages) and in every graph compiled for a new shape.
func Fresh(scope *model.Scope) *model.Scope { return scope.ResetVisited() }

// Program owns the compiled step graphs of one sampler. Each step kind (added with Add) is one
// model.Exec that compiles once per input shape and is reused by every later call with that shape,
// so a sampler called once per frame compiles only on its first call.
//
// Variables are read live: the graphs take the denoiser's variables as parameters, not as constants
// (the Go backend would otherwise bake the values it sees at compilation into the executable; see
// Live), so a Program keeps sampling with the current weights after more training or after other
// weights are loaded into the same variables. A graph whose building created variables that already
// had a value (Scope.VariableWithValue, or a lazily loaded checkpoint answering as they are created)
// embedded those values; its executor is replaced after that first call, so the next call compiles
// once more, with every variable read live.
type Program struct {
	pkg      string
	backend  compute.Backend
	scope    *model.Scope
	steps    []*kind
	compiles atomic.Int64
	broken   error
}

// kind is one kind of step: its executor, the function that makes a new one, how many state tensors
// and whether noise it takes, and whether a graph it built embedded variables (see Program).
type kind struct {
	exec     *model.Exec
	newExec  func() (*model.Exec, error)
	state    int
	noisy    bool
	embedded atomic.Bool
}

// NewProgram returns an empty Program for the denoiser variables of scope (nil: an empty store, for
// networks without variables) on backend. pkg prefixes every error ("dydiff", "diffusion").
func NewProgram(pkg string, backend compute.Backend, scope *model.Scope) (*Program, error) {
	if backend == nil {
		return nil, fmt.Errorf("%s: Denoiser needs a Backend", pkg)
	}
	if scope == nil {
		scope = model.NewStore().RootScope()
	}
	return &Program{pkg: pkg, backend: backend, scope: scope}, nil
}

// Add declares a kind of step taking state tensors (at least 1, the sample); noisy steps take fresh
// noise z. It returns the kind's index for Call.
func (p *Program) Add(step Step, state int, noisy bool) (int, error) {
	if state < 1 {
		return 0, fmt.Errorf("%s: a step takes at least the sample as state, got %d tensors", p.pkg, state)
	}
	k := &kind{state: state, noisy: noisy}
	k.newExec = func() (*model.Exec, error) {
		return model.NewExec(p.backend, p.scope.Store(), func(_ *model.Scope, in []*Node) []*Node {
			p.compiles.Add(1)
			g := in[0].Graph()
			had := map[string]bool{}
			for v := range p.scope.IterVariables() {
				had[v.Path()] = true
			}
			Live(p.scope, g)
			x, c, rest := in[:state], in[state], in[state+1:]
			var z *Node
			if noisy {
				z, rest = rest[0], rest[1:]
			}
			members := 1
			if len(rest) > 0 {
				members = x[0].Shape().Dimensions[0] / rest[0].Shape().Dimensions[0]
			}
			out := step(p.scope, x, c, z, RepeatRows(rest, members))
			for v := range p.scope.IterVariables() {
				if !had[v.Path()] && v.HasValue() {
					k.embedded.Store(true) // created with its value: a constant on the Go backend
				}
			}
			return out
		})
	}
	var err error
	if k.exec, err = k.newExec(); err != nil {
		return 0, fmt.Errorf("%s: %w", p.pkg, err)
	}
	p.steps = append(p.steps, k)
	return len(p.steps) - 1, nil
}

// Live makes every variable under scope a parameter of g, read at each execution, rather than a
// constant holding its value at compilation time. The Go backend embeds variables as constants in
// graphs not marked as training; marking g as training while the variables' nodes are created, and
// unmarking it before the network is built (so dropout and the like see inference), avoids that.
// Variables created later in g by an initializer (a network's first compilation) have no value yet and
// become parameters anyway.
func Live(scope *model.Scope, g *Graph) {
	was := scope.IsTraining(g)
	scope.SetTraining(g, true)
	for v := range scope.IterVariables() {
		v.NodeValue(g)
	}
	scope.SetTraining(g, was)
}

// Compilations is how many graphs the Program has compiled so far (one per step kind and input shape).
func (p *Program) Compilations() int { return int(p.compiles.Load()) }

// Call runs step kind k on (x..., c, [z], cond...), x holding the kind's number of state tensors, and
// returns its outputs (the new state). A panic that GoMLX did not
// turn into an error (a network panicking with a non-error value) is returned as an error, and leaves
// the Program broken: its executors may be mid-compilation, so later calls fail and Close leaves them.
func (p *Program) Call(k int, x []*tensors.Tensor, c, z *tensors.Tensor, cond []*tensors.Tensor) (out []*tensors.Tensor, err error) {
	if p.broken != nil {
		return nil, p.broken
	}
	if p.steps == nil {
		return nil, fmt.Errorf("%s: sampler used after Close", p.pkg)
	}
	kd := p.steps[k]
	if (z != nil) != kd.noisy {
		return nil, fmt.Errorf("%s: step kind %d called with noise %v, declared %v", p.pkg, k, z != nil, kd.noisy)
	}
	if len(x) != kd.state {
		return nil, fmt.Errorf("%s: step kind %d called with %d state tensors, declared %d", p.pkg, k, len(x), kd.state)
	}
	args := make([]any, 0, len(x)+2+len(cond))
	for _, t := range x {
		args = append(args, t)
	}
	args = append(args, c)
	if z != nil {
		args = append(args, z)
	}
	for _, t := range cond {
		args = append(args, t)
	}
	defer func() {
		if r := recover(); r != nil {
			p.broken = fmt.Errorf("%s: sampling failed: %v", p.pkg, r)
			out, err = nil, p.broken
		}
	}()
	out, err = kd.exec.Call(args...)
	if err == nil && kd.embedded.Swap(false) {
		kd.exec.Finalize()
		if kd.exec, err = kd.newExec(); err != nil {
			return nil, fmt.Errorf("%s: %w", p.pkg, err)
		}
	}
	return out, err
}

// Close releases the compiled graphs (not after a panic, see Call). The Program cannot be used again.
func (p *Program) Close() {
	if p.broken == nil {
		for _, k := range p.steps {
			k.exec.Finalize()
		}
	}
	p.steps = nil
}

// Begin validates a sampler call's inputs at the boundary and returns its per-step noise: x a float32
// tensor of at least minRank axes (what names its axes for the error), every value of x and of the
// conditioning finite, and cond tensors whose rows divide those of x alike, M = rows/B members per case.
// The noise draws tensors shaped like x from seed's per-step streams of the B cases × M members
// (noise.Ensemble.Steps), so a member's noise does not depend on B or M.
func Begin(pkg string, x *tensors.Tensor, minRank int, what string, cond []*tensors.Tensor, seed uint64) (*noise.Rows, error) {
	if x == nil || x.DType() != dtypes.Float32 || x.Rank() < minRank {
		return nil, fmt.Errorf("%s: initial noise must be a float32 tensor %s, got %v", pkg, what, ShapeOf(x))
	}
	dims := x.Shape().Dimensions
	members, err := Members(dims[0], cond)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", pkg, err)
	}
	if err := finite(x); err != nil {
		return nil, fmt.Errorf("%s: initial noise %s: %w", pkg, x.Shape(), err)
	}
	for i, c := range cond {
		if err := finite(c); err != nil {
			return nil, fmt.Errorf("%s: Cond[%d] %s: %w", pkg, i, c.Shape(), err)
		}
	}
	z, err := noise.Ensemble{Cases: dims[0] / members, Members: members}.Steps(seed, dims[1:]...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", pkg, err)
	}
	return z, nil
}

// finite reports the first NaN or infinite value of a float32 or float64 tensor.
func finite(t *tensors.Tensor) error {
	bad := -1
	err := t.ConstFlatData(func(flat any) {
		switch v := flat.(type) {
		case []float32:
			for i, f := range v {
				if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
					bad = i
					return
				}
			}
		case []float64:
			for i, f := range v {
				if math.IsNaN(f) || math.IsInf(f, 0) {
					bad = i
					return
				}
			}
		}
	})
	if err != nil {
		return err
	}
	if bad >= 0 {
		return fmt.Errorf("holds a NaN or infinite value at flat index %d", bad)
	}
	return nil
}
