package dydiff

import (
	"math"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"

	"github.com/tidal-forecast/tidal/diffusion"
)

// Net is DyDiff's network, a diffusion.Net. In the reference form (Loss, the samplers of this package,
// EpsDenoiser) it gets the noisy window xt [batch, frames, ...], the diffusion step t as float32 [batch]
// (the 0-based integer step, as the reference code feeds it) and the conditioning inputs cond (each
// [batch, ...], in the caller's order), and predicts the correlated noise Dyn(ε, γ̄_t), shaped like xt.
// In EDM form (EDMDenoiser) it gets c_in·Dyn(y) and NoiseScale·c_noise and returns the raw output F. A
// network built with GoMLX layers takes its variables from scope.
type Net = diffusion.Net

// coefAt gathers √c[t] and √(1−c[t]) (computed in float64, stored as float32 constants) for t [batch] int.
func coefAt(g *Graph, c []float64, t *Node) (sqrtC, sqrtOneMinusC *Node) {
	s := make([]float32, len(c))
	s1 := make([]float32, len(c))
	for i, v := range c {
		s[i] = float32(math.Sqrt(v))
		s1[i] = float32(math.Sqrt(1 - v))
	}
	idx := ExpandAxes(ConvertDType(t, dtypes.Int32), -1)
	return Gather(Const(g, s), idx), Gather(Const(g, s1), idx)
}

// Forward is the forward process (docs/DIFFUSION.md, "Forward process and loss"; code q_sample with p_losses'
// noise): for data x0 [batch, frames, ...], steps t [batch] (integers 0..T−1) and i.i.d. standard normal eps
// shaped like x0, it returns the noisy window and the network's training target. For DependentNoise (DyDiff
// proper)
//
//	x_t = √ᾱ_t Dyn(x₀, γ̄_t) + √(1−ᾱ_t) Dyn(ε, γ̄_t),   target = Dyn(ε, γ̄_t);
//
// IndependentNoise drops Dynamics from the noise (target ε), NoiseDynamicsOnly drops it from the data.
func Forward(s Schedule, x0, t, eps *Node) (xt, target *Node) {
	if err := s.valid(); err != nil {
		panic(err)
	}
	if !x0.Shape().Equal(eps.Shape()) {
		exceptions.Panicf("dydiff.Forward: x0 %s and eps %s differ in shape", x0.Shape(), eps.Shape())
	}
	g := x0.Graph()
	sa, s1a := coefAt(g, s.alphaBar, t)
	sg, s1g := coefAt(g, s.gammaBar, t)
	sa, s1a, sg, s1g = diffusion.PerSample(x0, sa), diffusion.PerSample(x0, s1a), diffusion.PerSample(x0, sg), diffusion.PerSample(x0, s1g)
	data, target := x0, eps
	if s.noising.dataDynamics() {
		data = dynamics(x0, sg, s1g)
	}
	if s.noising.noiseDynamics() {
		target = dynamics(eps, sg, s1g)
	}
	return Add(Mul(sa, data), Mul(s1a, target)), target
}

// Loss is the DyDiff training loss for given steps and noise (docs/DIFFUSION.md, "Forward process and loss";
// code p_losses with the "eps" parameterisation, logvar 0, l_simple_weight 1): the mean over batch, all
// frames (observed ones included) and every trailing axis of (net(x_t, t, cond) − target)², with x_t and
// target from Forward.
func Loss(scope *model.Scope, net Net, s Schedule, x0, t, eps *Node, cond []*Node) *Node {
	xt, target := Forward(s, x0, t, eps)
	pred := net(scope, xt, ConvertDType(t, x0.DType()), cond)
	if !pred.Shape().Equal(target.Shape()) {
		exceptions.Panicf("dydiff.Loss: net returned %s, expected %s", pred.Shape(), target.Shape())
	}
	return ReduceAllMean(Square(Sub(pred, target)))
}

// RandomLoss is Loss with t ~ Uniform{0..T−1} per sample (the same t for every frame) and ε ~ N(0, I),
// drawn from the random state of scope's store (seed it with Store.SetRNGStateFromSeed).
func RandomLoss(scope *model.Scope, net Net, s Schedule, x0 *Node, cond []*Node) *Node {
	g := x0.Graph()
	t := scope.RandomIntN(g, int32(s.T()), shapes.Make(dtypes.Int32, x0.Shape().Dimensions[0]))
	eps := scope.RandomNormal(g, x0.Shape())
	return Loss(scope, net, s, x0, t, eps, cond)
}
