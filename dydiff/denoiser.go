package dydiff

import (
	"fmt"
	"math"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"

	"github.com/tidal-forecast/tidal/diffusion"
)

// NoiseScale multiplies EDM's c_noise = ln(σ)/4 before the network's noise embedding sees it, so that
// the embedding of an EDM-form DyDiff network spans the range of the reference form's integer steps
// 0..999 (the same scale as the PyTorch transcription it was measured against; docs/DYDIFF.md).
const NoiseScale = 1000

// GammaBarOfSigma is γ̄(σ) = 1 − η(1 − ᾱ(σ)), DyDiff's γ̄ written in σ (the cosine-η schedule,
// γ̄_t = 1 − η(1 − ᾱ_t), without the reference's clip at t = T−1).
func GammaBarOfSigma(eta, sigma float64) float64 {
	return 1 - eta*sigma*sigma/(1+sigma*sigma)
}

// EDMOptions configure DyDiff in EDM form (Karras et al. 2022, Table 1, applied through the change of
// variables of docs/DIFFUSION.md).
type EDMOptions struct {
	// Eta is DyDiff's η; 0 makes the wrapper EDM's plain preconditioned denoiser.
	Eta float64
	// SigmaData is σ_data of the preconditioning (1 for data normalised to unit variance, as the
	// transcription of the reference uses).
	SigmaData float64
	// Output says in which variables the network's output lives: OutputDynamics (or empty; the
	// reference's choice carried over, the network predicting the mixed, correlated quantity, which
	// InverseDynamics takes back to y) or OutputWindow (the network predicts in y itself, so its errors
	// are not amplified by InverseDynamics: up to √((1+(1−γ̄))/γ̄), 1.7× at η = 0.5 and large σ). The
	// network sees Dyn_γ̄(y) either way, and the forward process is the same.
	Output string
}

// Output spaces of EDMOptions.Output.
const (
	OutputDynamics = "dynamics"
	OutputWindow   = "window"
)

func (o EDMOptions) check() error {
	if math.IsNaN(o.Eta) || o.Eta < 0 || o.Eta >= 1 {
		return fmt.Errorf("dydiff: η=%v, expected 0 ≤ η < 1", o.Eta)
	}
	if !(o.SigmaData > 0) || math.IsInf(o.SigmaData, 0) {
		return fmt.Errorf("dydiff: σ_data=%v, expected a positive number", o.SigmaData)
	}
	if o.Output != "" && o.Output != OutputDynamics && o.Output != OutputWindow {
		return fmt.Errorf("dydiff: output %q, expected %q or %q", o.Output, OutputDynamics, OutputWindow)
	}
	return nil
}

// EDMDenoiser makes a DyDiff network trained in EDM form into a denoiser of y, the window's frames plus
// i.i.d. noise σ·ε (docs/DIFFUSION.md, "DyDiff as a change of variables"): with γ̄ = γ̄(σ),
//
//	D(y; σ) = c_skip(σ)·y + c_out(σ)·InvDyn_γ̄( F( c_in(σ)·Dyn_γ̄(y), NoiseScale·c_noise(σ), cond ) )
//
// or, with Output OutputWindow, the same without InvDyn_γ̄ around F. The network sees what the reference form's network sees, up to the scale c_in: Dyn_γ̄ of the noisy
// window, in which every frame mixes in the preceding ones. With η = 0, Dyn and InvDyn are the identity
// and D is diffusion.Precondition's denoiser with c_noise scaled by NoiseScale. Every sampler of package
// diffusion then samples DyDiff.
func EDMDenoiser(net Net, opt EDMOptions) (diffusion.DenoiserFn, error) {
	if net == nil {
		return nil, fmt.Errorf("dydiff: EDMDenoiser needs a network")
	}
	if err := opt.check(); err != nil {
		return nil, err
	}
	sd := opt.SigmaData
	return func(scope *model.Scope, y, sigma *Node, cond []*Node) *Node {
		checkFrames(y)
		c := diffusion.PreconditionCoefficients(y, sigma, sd)
		cNoise := MulScalar(Log(ConvertDType(sigma, y.DType())), NoiseScale/4.0)
		sg, s1g := edmGamma(c.Sigma2, opt.Eta)
		f := net(scope, dynamics(Mul(c.In, y), sg, s1g), cNoise, cond)
		if !f.Shape().Equal(y.Shape()) {
			exceptions.Panicf("dydiff: Net returned %s for input %s", f.Shape(), y.Shape())
		}
		if opt.Output == OutputWindow {
			return Add(Mul(c.Skip, y), Mul(c.Out, f))
		}
		return Add(Mul(c.Skip, y), Mul(c.Out, inverseDynamics(f, sg, s1g)))
	}, nil
}

// edmGamma returns √γ̄(σ) and √(1−γ̄(σ)) from σ² shaped [batch, 1, ...]: 1 − γ̄ = η·σ²/(1+σ²).
func edmGamma(s2 *Node, eta float64) (sg, s1g *Node) {
	oneMinus := MulScalar(Div(s2, OnePlus(s2)), eta)
	return Sqrt(OneMinus(oneMinus)), Sqrt(oneMinus)
}

// EDMLoss is the EDM training loss of DyDiff in EDM form (Karras et al. 2022, eq. 2 with Table 1's
// λ(σ) = (σ² + σ_d²)/(σ·σ_d)²) on clean windows y [batch, frames, ...] at noise levels sigma [batch]
// with unit noise n shaped like y: the mean over every element of λ(σ)·(D(y + σ·n; σ) − y)², D from
// EDMDenoiser. The noise is white in y, so Dynamics correlates it exactly as the reference form's
// x_t = Dyn(√ᾱ·x₀ + √(1−ᾱ)·ε) does (x_t = √ᾱ·Dyn(y + σn)).
func EDMLoss(scope *model.Scope, net Net, opt EDMOptions, y, sigma, n *Node, cond []*Node) *Node {
	d, err := EDMDenoiser(net, opt)
	if err != nil {
		panic(err)
	}
	return diffusion.Loss(scope, d, opt.SigmaData, y, sigma, n, cond)
}

// RandomEDMLoss is EDMLoss with ln σ ~ N(pMean, pStd²) per sample and n ~ N(0, I), drawn from the
// random state of scope's store.
func RandomEDMLoss(scope *model.Scope, net Net, opt EDMOptions, pMean, pStd float64, y *Node, cond []*Node) *Node {
	lo := diffusion.LossOptions{PMean: pMean, PStd: pStd, SigmaData: opt.SigmaData}
	g := y.Graph()
	sigma := diffusion.SampleSigma(scope, g, lo, y.Shape().Dimensions[0])
	n := scope.RandomNormal(g, y.Shape())
	return EDMLoss(scope, net, opt, y, sigma, n, cond)
}

// EpsDenoiser makes a DyDiff network trained in the reference form (it sees x_t and the step t and
// predicts the correlated noise Dyn(ε, γ̄_t); Loss) into a denoiser of y = InvDyn(x_t, γ̄_t)/√ᾱ_t, the
// window plus i.i.d. noise σ·ε with σ = √((1−ᾱ_t)/ᾱ_t) (docs/DIFFUSION.md, "DyDiff as a change of
// variables"):
//
//	ᾱ = 1/(1+σ²),  γ̄ = 1 − η(1−ᾱ),  ε̂ = InvDyn_γ̄( F( Dyn_γ̄(√ᾱ·y), t(σ), cond ) ),  D(y; σ) = y − σ·ε̂
//
// t(σ) is the step whose ᾱ_t gives σ, interpolated linearly between the integer steps of the schedule
// (the network was trained on integers only; a sampler on the reference's τ grid feeds exactly those).
// On the τ grid, Euler steps of y (DDIM in σ) are the reference's DDIM steps of x_t, up to the start:
// the reference starts from x_T = Dyn(z), that is y = z·√(1+σ₀²), not σ₀·z. Only the DependentNoise
// process (or η = 0) is white in y.
func EpsDenoiser(net Net, s Schedule) (diffusion.DenoiserFn, error) {
	if net == nil {
		return nil, fmt.Errorf("dydiff: EpsDenoiser needs a network")
	}
	if err := s.valid(); err != nil {
		return nil, err
	}
	if s.noising != DependentNoise && s.eta != 0 {
		return nil, fmt.Errorf("dydiff: the %s process at η = %g is not white noise after InverseDynamics; EpsDenoiser needs the dependent one", s.noising, s.eta)
	}
	table := make([]float32, s.T()) // σ_t, increasing in t
	for t := range table {
		a := s.alphaBar[t]
		table[t] = float32(math.Sqrt((1 - a) / a))
	}
	eta := s.eta
	return func(scope *model.Scope, y, sigma *Node, cond []*Node) *Node {
		checkFrames(y)
		sig := ConvertDType(sigma, y.DType())
		s := diffusion.PerSample(y, sig)
		s2 := Square(s)
		sqrtA := Reciprocal(Sqrt(OnePlus(s2)))
		sg, s1g := edmGamma(s2, eta)
		t := stepOfSigma(sig, table)
		e := net(scope, dynamics(Mul(sqrtA, y), sg, s1g), t, cond)
		if !e.Shape().Equal(y.Shape()) {
			exceptions.Panicf("dydiff: Net returned %s for input %s", e.Shape(), y.Shape())
		}
		return Sub(y, Mul(s, inverseDynamics(e, sg, s1g)))
	}, nil
}

// stepOfSigma is the fractional step t(σ) [batch] for sigma [batch] on the increasing table σ_t: with k
// the number of table entries ≤ σ (so σ_{k−1} ≤ σ < σ_k), t = k−1 + (σ − σ_{k−1})/(σ_k − σ_{k−1}),
// clamped to [0, T−1]. Table values give their own integer step exactly.
func stepOfSigma(sigma *Node, table []float32) *Node {
	g := sigma.Graph()
	T := len(table)
	tab := Const(g, table)
	below := ConvertDType(GreaterOrEqual(InsertAxes(sigma, 1), InsertAxes(tab, 0)), dtypes.Int32) // [B, T]
	k := ReduceSum(below, 1)
	lo := ClipScalar(AddScalar(k, -1), 0, float64(T-1))
	hi := ClipScalar(k, 0, float64(T-1))
	sLo, sHi := Gather(tab, InsertAxes(lo, -1)), Gather(tab, InsertAxes(hi, -1))
	span := Sub(sHi, sLo)
	frac := Where(GreaterThan(span, ZerosLike(span)), Div(Sub(sigma, sLo), Where(GreaterThan(span, ZerosLike(span)), span, OnesLike(span))), ZerosLike(span))
	frac = ClipScalar(frac, 0, 1)
	return Add(ConvertDType(lo, sigma.DType()), frac)
}

// ReferenceStart returns i.i.d. noise x scaled so that a sampler of package diffusion, which starts from
// σ₀·x, starts where the reference's DDIM does: its x_T = Dyn(z) is y = z·√(1+σ₀²) in y (EpsDenoiser),
// so the result is x·√(1+σ₀²)/σ₀ (a factor 1.0002 at τ = 981). x is not modified.
func ReferenceStart(x *tensors.Tensor, sigma0 float64) *tensors.Tensor {
	f := float32(math.Sqrt(1+sigma0*sigma0) / sigma0)
	v := tensors.MustCopyFlatData[float32](x)
	for i := range v {
		v[i] *= f
	}
	return tensors.FromFlatDataAndDimensions(v, x.Shape().Dimensions...)
}
