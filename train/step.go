package train

import (
	"fmt"
	"math"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"

	"github.com/tidal-forecast/tidal/diffusion"
)

// LossFn is the caller's training objective: the scalar loss of one batch (the tensors a Source
// returns, in order), built with the network's variables in scope. It knows nothing of the loop; the
// loop calls it inside the compiled step, with the graph marked as training.
type LossFn func(scope *model.Scope, batch []*Node) *Node

// The loop's own variables live under these prefixes of the store: AdamW's moments, the weight average,
// and the gradient accumulators. The network's variables are everything else that is trainable.
const (
	prefix    = "/train/"
	momentM   = "/train/m"
	momentV   = "/train/v"
	emaPrefix = "/train/ema"
	accPrefix = "/train/acc"
)

// Per-step scalars fed to the update graph (computed on the host in float64, Options).
const (
	hDecay = iota
	hStepSize
	hBC2Sqrt
	hEMABeta
	numHyper
)

// hyper packs the scalars of optimiser step s (1-based): PyTorch's AdamW (torch.optim.AdamW, the
// single-tensor path): p ← p·(1 − lr·λ); m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
// p ← p − (lr/(1−β₁ˢ))·m / (√v/√(1−β₂ˢ) + ε).
func hyper(o Options, s int) *tensors.Tensor {
	lr := o.LearningRate(s)
	bc1 := 1 - math.Pow(o.Beta1, float64(s))
	bc2 := 1 - math.Pow(o.Beta2, float64(s))
	return diffusion.Scalars(1-lr*o.WeightDecay, lr/bc1, math.Sqrt(bc2), o.EMABeta(s))
}

// param is one trainable network variable with the loop's companions.
type param struct {
	w, m, v, ema, acc *model.Variable
	decay             bool
}

// stepper holds the compiled training step: one fused executable (loss, gradients, clipping, AdamW,
// EMA) when Accumulate is 1, else a micro-step that adds gradients to accumulators and an apply step.
type stepper struct {
	opt    Options
	store  *model.Store
	loss   LossFn
	params []param
	fused  *model.Exec
	micro  *model.Exec
	apply  *model.Exec
}

func newStepper(b compute.Backend, store *model.Store, loss LossFn, opt Options, nBatch int) (*stepper, error) {
	s := &stepper{opt: opt, store: store, loss: loss}
	var err error
	if opt.Accumulate == 1 {
		s.fused, err = model.NewExec(b, store, s.fusedGraph)
	} else {
		if s.micro, err = model.NewExec(b, store, s.microGraph); err == nil {
			s.apply, err = model.NewExec(b, store, s.applyGraph)
		}
	}
	if err != nil {
		return nil, err
	}
	if opt.Devices > 1 {
		var err error
		if s.fused != nil {
			err = shardBatch(b, s.fused, opt.Devices, nBatch, 1)
		} else if err = shardBatch(b, s.micro, opt.Devices, nBatch, 0); err == nil {
			err = shardBatch(b, s.apply, opt.Devices, 0, 1)
		}
		if err != nil {
			return nil, err
		}
	}
	return s, nil
}

// lossAndGrads builds the caller's loss in training mode and its gradients with respect to every
// trainable network variable, creating the loop's companion variables the first time.
func (s *stepper) lossAndGrads(scope *model.Scope, batch []*Node) (*Node, []*Node) {
	g := batch[0].Graph()
	scope.SetTraining(g, true) // Else the Go backend freezes the weights into constants (docs/TRAINING.md).
	loss := s.loss(scope, batch)
	if !loss.Shape().IsScalar() || !loss.DType().IsFloat() {
		exceptions.Panicf("train: the loss must be a float scalar, got shape %s", loss.Shape())
	}
	if s.params == nil {
		s.params = s.collect(g)
	}
	ws := make([]*Node, len(s.params))
	for i, p := range s.params {
		ws[i] = p.w.NodeValue(g)
	}
	return loss, Gradient(loss, ws...)
}

// collect lists the trainable variables g uses, in the store's order, with their companions.
func (s *stepper) collect(g *Graph) []param {
	var ps []param
	for v := range s.store.IterVariables() {
		if !v.Trainable || !v.InUseByGraph(g) {
			continue
		}
		if strings.HasPrefix(v.Path(), prefix) {
			exceptions.Panicf("train: trainable variable %q lies under the loop's own scope %q; rename the network's scope", v.Path(), prefix)
		}
		if v.DType() != v.Shape().DType || !v.DType().IsFloat() {
			exceptions.Panicf("train: trainable variable %q has dtype %s, expected a float", v.Path(), v.DType())
		}
		companion := func(pfx string) *model.Variable {
			return s.store.VariableWithShape(pfx+v.Path(), v.Shape(), Zeros).SetTrainable(false)
		}
		p := param{w: v, m: companion(momentM), v: companion(momentV), ema: companion(emaPrefix),
			decay: s.opt.DecayAll || v.Shape().Rank() > 1}
		if s.opt.Accumulate > 1 {
			p.acc = companion(accPrefix)
		}
		ps = append(ps, p)
	}
	if len(ps) == 0 {
		exceptions.Panicf("train: the loss uses no trainable variable")
	}
	return ps
}

func (s *stepper) fusedGraph(scope *model.Scope, in []*Node) []*Node {
	batch, h := in[:len(in)-1], in[len(in)-1]
	loss, grads := s.lossAndGrads(scope, batch)
	return []*Node{loss, s.update(grads, h)}
}

func (s *stepper) microGraph(scope *model.Scope, batch []*Node) *Node {
	loss, grads := s.lossAndGrads(scope, batch)
	g := loss.Graph()
	for i, p := range s.params {
		p.acc.SetNodeValue(Add(p.acc.NodeValue(g), grads[i]))
	}
	return loss
}

func (s *stepper) applyGraph(scope *model.Scope, h *Node) *Node {
	g := h.Graph()
	scope.SetTraining(g, true)
	grads := make([]*Node, len(s.params))
	for i, p := range s.params {
		a := p.acc.NodeValue(g)
		grads[i] = MulScalar(a, 1/float64(s.opt.Accumulate))
		p.acc.SetNodeValue(ZerosLike(a))
	}
	return s.update(grads, h)
}

// update clips the gradients to the global norm ClipNorm (PyTorch's clip_grad_norm_: scale
// min(1, c/(‖g‖ + 1e-6))), applies AdamW (hyper) and moves the weight average towards the new
// weights (EDM: ema ← w + β(ema − w)). It returns the global norm before clipping.
func (s *stepper) update(grads []*Node, h *Node) *Node {
	g := h.Graph()
	sq := make([]*Node, len(grads))
	for i, gr := range grads {
		sq[i] = ReduceAllSum(Square(gr))
	}
	norm := Sqrt(ReduceAllSum(Stack(sq, 0)))
	if c := s.opt.ClipNorm; c > 0 {
		scale := MinScalar(Div(Scalar(g, norm.DType(), c), AddScalar(norm, 1e-6)), 1.0)
		for i := range grads {
			grads[i] = Mul(grads[i], scale)
		}
	}
	decay, stepSize := diffusion.Elem(h, hDecay), diffusion.Elem(h, hStepSize)
	bc2, beta := diffusion.Elem(h, hBC2Sqrt), diffusion.Elem(h, hEMABeta)
	b1, b2, eps := s.opt.Beta1, s.opt.Beta2, s.opt.Eps
	for i, p := range s.params {
		w, m, v, gr := p.w.NodeValue(g), p.m.NodeValue(g), p.v.NodeValue(g), grads[i]
		if p.decay {
			w = Mul(w, decay)
		}
		m = Add(MulScalar(m, b1), MulScalar(gr, 1-b1))
		v = Add(MulScalar(v, b2), MulScalar(Square(gr), 1-b2))
		denom := AddScalar(Div(Sqrt(v), bc2), eps)
		w = Sub(w, Mul(stepSize, Div(m, denom)))
		e := p.ema.NodeValue(g)
		p.w.SetNodeValue(w)
		p.m.SetNodeValue(m)
		p.v.SetNodeValue(v)
		p.ema.SetNodeValue(Add(w, Mul(beta, Sub(e, w))))
	}
	return norm
}

// run executes optimiser step s (1-based) on micro-batches (Accumulate of them) and returns the mean
// loss and the gradient norm.
func (s *stepper) run(st int, micro [][]*tensors.Tensor) (loss, gnorm float64, err error) {
	h := hyper(s.opt, st)
	defer h.FinalizeAll()
	if s.fused != nil {
		args := make([]any, 0, len(micro[0])+1)
		for _, t := range micro[0] {
			args = append(args, t)
		}
		outs, err := s.fused.Call(append(args, h)...)
		if err != nil {
			return 0, 0, err
		}
		return scalar(outs[0]), scalar(outs[1]), nil
	}
	for _, mb := range micro {
		args := make([]any, len(mb))
		for i, t := range mb {
			args[i] = t
		}
		outs, err := s.micro.Call(args...)
		if err != nil {
			return 0, 0, err
		}
		loss += scalar(outs[0]) / float64(len(micro))
	}
	outs, err := s.apply.Call(h)
	if err != nil {
		return 0, 0, err
	}
	return loss, scalar(outs[0]), nil
}

// compile builds and compiles the step for the batch shapes without running it, creating every
// variable (so that a fresh store can then be initialised).
func (s *stepper) compile(batch []*tensors.Tensor) error {
	shs := make([]shapes.Shape, len(batch))
	for i, t := range batch {
		shs[i] = t.Shape()
	}
	hs := shapes.Make(dtypes.Float32, numHyper)
	if s.fused != nil {
		_, err := s.fused.Compile(append(shs, hs)...)
		return err
	}
	if _, err := s.micro.Compile(shs...); err != nil {
		return err
	}
	_, err := s.apply.Compile(hs)
	return err
}

func (s *stepper) finalize() {
	for _, e := range []*model.Exec{s.fused, s.micro, s.apply} {
		if e != nil {
			e.Finalize()
		}
	}
}

// scalar reads a float scalar tensor as float64 and releases it.
func scalar(t *tensors.Tensor) float64 {
	defer t.FinalizeAll()
	switch v := t.Value().(type) {
	case float32:
		return float64(v)
	case float64:
		return v
	}
	panic(fmt.Sprintf("train: expected a float scalar, got %s", t.Shape()))
}

// prepare builds the store and the compiled step for batches shaped like first: a fresh store seeded
// with Options.Seed and initialised (GoMLX's initialisers, zero moments, an EMA equal to the initial
// weights, as EDM copies the network) when ts is nil, else the checkpoint's tensors, every variable
// with its recorded trainable flag: a restored RNG state left trainable would be "trained" by the
// optimiser and the random stream corrupted (docs/TRAINING.md).
func prepare(b compute.Backend, loss LossFn, o Options, ts []named, first []*tensors.Tensor) (*model.Store, *stepper, error) {
	store := model.NewStore()
	store.SetParam("/"+model.ParamInitialSeed, o.Seed)
	if ts == nil {
		if err := store.SetRNGStateFromSeed(o.Seed); err != nil {
			return nil, nil, err
		}
	}
	for _, t := range ts {
		v, err := store.CreateVariable(t.Name, t.T)
		if err != nil {
			return nil, nil, err
		}
		v.SetTrainable(t.Trainable)
	}
	s, err := newStepper(b, store, loss, o, len(first))
	if err == nil {
		if err = s.compile(first); err != nil {
			err = fmt.Errorf("compiling the training step: %w", err)
		} else if ts == nil {
			err = s.initialise(b)
		} else if missing := s.missing(); missing != "" {
			err = fmt.Errorf("variable %q that the loss uses is not in the checkpoint", missing)
		}
	}
	if err != nil {
		if s != nil {
			s.finalize()
		}
		store.Finalize()
		return nil, nil, err
	}
	return store, s, nil
}

// initialise gives a fresh store its initial values and sets every EMA to its weight.
func (s *stepper) initialise(b compute.Backend) error {
	if err := s.store.InitializeVariables(b, nil); err != nil {
		return err
	}
	for _, p := range s.params {
		c, err := cloneTensor(p.w.MustValue())
		if err != nil {
			return err
		}
		if err := p.ema.SetValue(c); err != nil {
			return err
		}
	}
	return nil
}

// missing names a weight or companion variable without a value after a resume (a checkpoint of
// another network).
func (s *stepper) missing() string {
	for _, p := range s.params {
		for _, v := range []*model.Variable{p.w, p.m, p.v, p.ema} {
			if !v.HasValue() {
				return p.w.Path()
			}
		}
	}
	return ""
}

// Step is the loop's compiled training step on its own, on a fresh store (Options.Seed): loss,
// gradients, clipping, AdamW and the EMA, exactly as Run executes it, without data loading, logging or
// checkpoints. It is the reference of `tidal bench train-loop` and serves callers who drive their own loop.
type Step struct {
	store *model.Store
	s     *stepper
	n     int
}

// NewStep compiles the step for micro-batches shaped like batch and initialises the variables.
func NewStep(b compute.Backend, loss LossFn, o Options, batch []*tensors.Tensor) (st *Step, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("train: %v", r)
		}
	}()
	if err := o.Validate(); err != nil {
		return nil, err
	}
	store, s, err := prepare(b, loss, o, nil, batch)
	if err != nil {
		return nil, err
	}
	return &Step{store: store, s: s}, nil
}

// Run executes the next optimiser step on Accumulate micro-batches and returns the mean loss and
// the gradient norm before clipping.
func (st *Step) Run(micro ...[]*tensors.Tensor) (loss, gradNorm float64, err error) {
	if len(micro) != st.s.opt.Accumulate {
		return 0, 0, fmt.Errorf("train: %d micro-batches, expected accumulate = %d", len(micro), st.s.opt.Accumulate)
	}
	st.n++
	return st.s.run(st.n, micro)
}

// Store holds the weights (network names), moments and EMA (under /train/).
func (st *Step) Store() *model.Store { return st.store }

// Finalize releases the executables and the variables.
func (st *Step) Finalize() {
	st.s.finalize()
	st.store.Finalize()
}
